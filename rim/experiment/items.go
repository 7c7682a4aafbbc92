package experiment

import (
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/rimlab/rim/rim/cache"
)

// Provenance says what produced a result: the item, its source line ("measured on MODEL" or "paper data"),
// the model by path and content, the data by content, the seed, the settings and rim's version.
type Provenance struct {
	Item       string    `json:"item"`
	Source     string    `json:"source"`
	Model      string    `json:"model,omitempty"`
	ModelID    string    `json:"model_id,omitempty"` // ModelID: weights fingerprint + tokenizer hash ("," between models)
	Data       string    `json:"data,omitempty"`     // hash of the prompts used
	Seed       uint64    `json:"seed"`
	Settings   *Settings `json:"settings,omitempty"`
	RimVersion string    `json:"rim_version"`
}

// Version is rim's version as built: the module version, or the VCS revision (+dirty) of a checkout build.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	rev, dirty := "", false
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.modified":
			dirty = kv.Value == "true"
		}
	}
	if rev != "" && (v == "" || v == "(devel)") {
		v = rev[:min(12, len(rev))]
		if dirty {
			v += "+dirty"
		}
	}
	if v == "" {
		v = "(devel)"
	}
	return v
}

// count is an item's sample count: its option when set, else $RIM_SAMPLES, else def.
func (s Settings) count(opt, def int) int {
	if opt > 0 {
		return opt
	}
	return s.SamplesOr(def)
}

// measuredModels is measured for an item run on every model of ModelDirs: the models' paths and ids
// joined by ",", the source line naming them all.
func (s Settings) measuredModels(item string, data any) (Provenance, error) {
	dirs := s.ModelDirs()
	if len(dirs) == 1 {
		return s.measured(item, data)
	}
	prov, err := s.WithModel(dirs[0]).measured(item, data)
	if err != nil {
		return prov, err
	}
	var names []string
	for i, d := range dirs {
		names = append(names, ModelName(d))
		if i == 0 {
			continue
		}
		id, err := s.ID(d)
		if err != nil {
			return prov, err
		}
		prov.Model, prov.ModelID = prov.Model+","+d, prov.ModelID+","+id
	}
	prov.Source, prov.Settings = "measured on "+strings.Join(names, ", "), &s
	return prov, nil
}

// measured is the Provenance of an item computed with the settings' model on data.
func (s Settings) measured(item string, data any) (Provenance, error) {
	id, err := s.ID(s.ModelDir())
	if err != nil {
		return Provenance{}, err
	}
	dh, err := cache.HashValue(data)
	if err != nil {
		return Provenance{}, err
	}
	return Provenance{Item: item, Source: MeasuredOn(s.ModelDir()), Model: s.ModelDir(), ModelID: id, Data: dh,
		Seed: Seed, Settings: &s, RimVersion: Version()}, nil
}

// viaGen is the Provenance of an item whose responses come from the generation server when one is
// configured (prov and err from measured or measuredModels): the source line is then
// "measured on MODEL via URL" (GenServer.Source), MODEL the server's model name.
func (s Settings) viaGen(prov Provenance, err error) (Provenance, error) {
	if err == nil && s.Gen.Enabled() {
		prov.Source = s.Gen.Source()
	}
	return prov, err
}

// PaperData is the source line of a result drawn from the paper's printed or recovered numbers
// (rim/analysis/paper).
const PaperData = "paper data"

// MeasuredOn is the source line of a result computed with a model: "measured on NAME", NAME the model
// directory's base name (ORG/NAME for a Hugging Face cache dir models--ORG--NAME or one of its snapshots).
func MeasuredOn(modelDir string) string { return "measured on " + ModelName(modelDir) }

// ModelName is a model directory's display name: its base name, or ORG/NAME inside a Hugging Face cache
// dir models--ORG--NAME.
func ModelName(modelDir string) string {
	clean := filepath.Clean(modelDir)
	for d := clean; d != "/" && d != "."; d = filepath.Dir(d) {
		if b := filepath.Base(d); strings.HasPrefix(b, "models--") {
			return strings.ReplaceAll(strings.TrimPrefix(b, "models--"), "--", "/")
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return filepath.Base(clean)
}

// cachedResult computes an item's result through rim/cache under a key that holds the item, the model and
// data of prov, the settings and the item's options; the result's Provenance is set to prov on every call
// (so it names this rim version, not the one that filled the cache).
func cachedResult[T any, PT interface {
	*T
	setProvenance(Provenance)
}](prov Provenance, opts any, compute func() (PT, error)) (PT, error) {
	c, err := cache.Default()
	if err != nil {
		return nil, err
	}
	sh, err := cache.HashValue(struct {
		S *Settings
		O any
	}{prov.Settings, opts})
	if err != nil {
		return nil, err
	}
	key := cache.Key{Kind: "paper/" + prov.Item, Model: prov.ModelID, Data: prov.Data, Code: "v1", Params: map[string]string{"settings": sh}}
	r, err := cache.Cached(c, key, compute)
	if err != nil {
		return nil, err
	}
	r.setProvenance(prov)
	return r, nil
}

func (p *Provenance) setProvenance(q Provenance) { *p = q }
