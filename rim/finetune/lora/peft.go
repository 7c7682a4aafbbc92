package lora

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/rimlab/rim/rim/fileio"
	"github.com/rimlab/rim/rim/safetensors"
)

// File names of a PEFT adapter directory.
const (
	ConfigFile  = "adapter_config.json"
	WeightsFile = "adapter_model.safetensors"
	peftPrefix  = "base_model.model."
)

// peftConfig is adapter_config.json as PEFT (0.1x) writes it for LoRA.
type peftConfig struct {
	AlphaPattern        map[string]any `json:"alpha_pattern"`
	AutoMapping         any            `json:"auto_mapping"`
	BaseModelNameOrPath string         `json:"base_model_name_or_path"`
	Bias                string         `json:"bias"`
	FanInFanOut         bool           `json:"fan_in_fan_out"`
	InferenceMode       bool           `json:"inference_mode"`
	InitLoraWeights     bool           `json:"init_lora_weights"`
	LayersPattern       any            `json:"layers_pattern"`
	LayersToTransform   any            `json:"layers_to_transform"`
	LoraAlpha           float64        `json:"lora_alpha"`
	LoraDropout         float64        `json:"lora_dropout"`
	ModulesToSave       any            `json:"modules_to_save"`
	PeftType            string         `json:"peft_type"`
	R                   int            `json:"r"`
	RankPattern         map[string]any `json:"rank_pattern"`
	Revision            any            `json:"revision"`
	TargetModules       any            `json:"target_modules"` // []string or a regex string
	TaskType            string         `json:"task_type"`
	UseDora             bool           `json:"use_dora"`
	UseRSLoRA           bool           `json:"use_rslora"`
}

// metaTargets is the adapter_model.safetensors metadata key that records
// rim's vocabulary targets (kept out of adapter_config.json, whose unknown
// keys older PEFT versions reject).
const metaTargets = "rim_targets"

// TensorNames returns PEFT's names of a module's factors.
func TensorNames(module string) (a, b string) {
	return peftPrefix + module + ".lora_A.weight", peftPrefix + module + ".lora_B.weight"
}

// Save writes dir/adapter_config.json and dir/adapter_model.safetensors
// (each atomically), creating dir.
func (a *Adapter) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lora: %w", err)
	}
	sel := make([]Module, len(a.Pairs))
	var ts []safetensors.Tensor
	r := a.Config.R
	for i, p := range a.Pairs {
		sel[i] = p.Module
		an, bn := TensorNames(p.Module.Name)
		ts = append(ts, safetensors.F32(an, []int{r, p.Module.In}, p.A), safetensors.F32(bn, []int{p.Module.Out, r}, p.B))
	}
	all := a.modules
	if all == nil {
		all = sel
	}
	pc := peftConfig{
		AlphaPattern: map[string]any{}, RankPattern: map[string]any{},
		BaseModelNameOrPath: a.Config.BaseName, Bias: "none", InferenceMode: true, InitLoraWeights: true,
		LoraAlpha: a.Config.Alpha, LoraDropout: a.Config.Dropout, PeftType: "LORA", R: r,
		TargetModules: peftTargetModules(all, sel), TaskType: "CAUSAL_LM", UseRSLoRA: a.Config.RSLoRA,
	}
	js, err := json.MarshalIndent(pc, "", "  ")
	if err != nil {
		return fmt.Errorf("lora: %w", err)
	}
	meta := map[string]string{"format": "pt"}
	if len(a.Config.Targets) > 0 {
		meta[metaTargets] = strings.Join(a.Config.Targets, ",")
	}
	if err := safetensors.Write(filepath.Join(dir, WeightsFile), ts, meta); err != nil {
		return fmt.Errorf("lora: %w", err)
	}
	return fileio.WriteFileAtomic(filepath.Join(dir, ConfigFile), append(js, '\n'), 0o644)
}

// Load reads a PEFT LoRA adapter directory and checks it against the model's
// modules: every lora_A/lora_B pair must name an adaptable module of this
// model with shapes [r, in] and [out, r]; every module that target_modules
// selects must have its pair. Adapters with DoRA, bias training, per-module
// rank/alpha patterns or modules_to_save are refused (not implemented).
func Load(dir string, modules []Module) (*Adapter, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("lora: %w", err)
	}
	var pc peftConfig
	if err := json.Unmarshal(raw, &pc); err != nil {
		return nil, fmt.Errorf("lora: %s: %w", filepath.Join(dir, ConfigFile), err)
	}
	switch {
	case pc.PeftType != "" && pc.PeftType != "LORA":
		return nil, fmt.Errorf("lora: %s: peft_type %q is not LORA", dir, pc.PeftType)
	case pc.UseDora:
		return nil, fmt.Errorf("lora: %s: use_dora is not supported", dir)
	case pc.Bias != "" && pc.Bias != "none":
		return nil, fmt.Errorf("lora: %s: bias %q is not supported (only \"none\")", dir, pc.Bias)
	case len(pc.RankPattern) > 0 || len(pc.AlphaPattern) > 0:
		return nil, fmt.Errorf("lora: %s: rank_pattern/alpha_pattern are not supported", dir)
	case pc.FanInFanOut:
		return nil, fmt.Errorf("lora: %s: fan_in_fan_out is not supported", dir)
	}
	if ms, ok := pc.ModulesToSave.([]any); ok && len(ms) > 0 {
		return nil, fmt.Errorf("lora: %s: modules_to_save %v is not supported", dir, ms)
	}
	cfg := Config{R: pc.R, Alpha: pc.LoraAlpha, RSLoRA: pc.UseRSLoRA, Dropout: pc.LoraDropout,
		BaseName: pc.BaseModelNameOrPath}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w (%s)", err, dir)
	}
	f, err := safetensors.Open(filepath.Join(dir, WeightsFile))
	if err != nil {
		return nil, fmt.Errorf("lora: %w", err)
	}
	defer f.Close()
	if t := f.Metadata()[metaTargets]; t != "" {
		cfg.Targets = ParseTargets(t)
	}
	byName := map[string]Module{}
	for _, m := range modules {
		byName[m.Name] = m
	}
	a := &Adapter{Config: cfg, modules: modules}
	seen := map[string]bool{}
	for _, n := range f.Names() {
		rest, ok := strings.CutPrefix(n, peftPrefix)
		mod, isA := strings.CutSuffix(rest, ".lora_A.weight")
		if !ok || (!isA && !strings.HasSuffix(rest, ".lora_B.weight")) {
			return nil, fmt.Errorf("lora: %s: tensor %q is not a PEFT LoRA factor", dir, n)
		}
		if !isA {
			mod = strings.TrimSuffix(rest, ".lora_B.weight")
		}
		if seen[mod] {
			continue
		}
		seen[mod] = true
		m, ok := byName[mod]
		if !ok {
			return nil, fmt.Errorf("lora: %s: adapter module %q is not an adaptable module of this model", dir, mod)
		}
		an, bn := TensorNames(mod)
		av, ash, err := f.Float32(an)
		if err != nil {
			return nil, fmt.Errorf("lora: %s: %s: %w", dir, mod, err)
		}
		bv, bsh, err := f.Float32(bn)
		if err != nil {
			return nil, fmt.Errorf("lora: %s: %s: %w", dir, mod, err)
		}
		if !equal(ash, cfg.R, m.In) || !equal(bsh, m.Out, cfg.R) {
			return nil, fmt.Errorf("lora: %s: %s: lora_A %v / lora_B %v, want [%d %d] / [%d %d]", dir, mod, ash, bsh, cfg.R, m.In, m.Out, cfg.R)
		}
		a.Pairs = append(a.Pairs, &Pair{Module: m, A: av, B: bv})
	}
	if len(a.Pairs) == 0 {
		return nil, fmt.Errorf("lora: %s: adapter has no tensors", dir)
	}
	sort.Slice(a.Pairs, func(i, j int) bool { return a.Pairs[i].Module.Name < a.Pairs[j].Module.Name })
	if err := checkTargetModules(pc.TargetModules, modules, seen); err != nil {
		return nil, fmt.Errorf("lora: %s: %w", dir, err)
	}
	return a, nil
}

func equal(shape []int, d0, d1 int) bool { return len(shape) == 2 && shape[0] == d0 && shape[1] == d1 }

// checkTargetModules applies PEFT's matching rule for target_modules (a list:
// name == key or name ends with "."+key; a string: regex full match) and
// requires a stored pair for each selected module.
func checkTargetModules(tm any, modules []Module, have map[string]bool) error {
	var match func(string) bool
	switch v := tm.(type) {
	case nil:
		return nil
	case string:
		re, err := regexp.Compile(`^(?:` + v + `)$`)
		if err != nil {
			return fmt.Errorf("target_modules regex %q: %w", v, err)
		}
		match = re.MatchString
	case []any:
		keys := make([]string, 0, len(v))
		for _, k := range v {
			s, ok := k.(string)
			if !ok {
				return fmt.Errorf("target_modules entry %v is not a string", k)
			}
			keys = append(keys, s)
		}
		match = func(n string) bool {
			for _, k := range keys {
				if n == k || strings.HasSuffix(n, "."+k) {
					return true
				}
			}
			return false
		}
	default:
		return fmt.Errorf("target_modules has type %T", tm)
	}
	for _, m := range modules {
		if match(m.Name) && !have[m.Name] {
			return fmt.Errorf("target_modules selects %s but the adapter has no factors for it", m.Name)
		}
	}
	return nil
}
