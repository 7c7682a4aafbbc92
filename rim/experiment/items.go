package experiment

import (
	"fmt"
	"runtime/debug"

	"github.com/rimlab/rim/kernel/display"
	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/stats"
	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/eval"
)

// Each paper item is one function here: options in (Settings plus the item's own), a result out that carries
// its Provenance and can draw its figure. The notebooks and `rim paper ITEM` call the same functions.

// Provenance says what produced a result: the item, its source line ("measured on MODEL" or "paper data"),
// the model by path and content, the data by content, the seed, the settings and rim's version.
type Provenance struct {
	Item       string    `json:"item"`
	Source     string    `json:"source"`
	Model      string    `json:"model,omitempty"`
	ModelID    string    `json:"model_id,omitempty"` // ModelID: weights fingerprint + tokenizer hash
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
	return Provenance{Item: item, Source: display.MeasuredOn(s.ModelDir()), Model: s.ModelDir(), ModelID: id, Data: dh,
		Seed: Seed, Settings: &s, RimVersion: Version()}, nil
}

// ModeRate is one row of Table 1: the misalignment rate in one think mode, with the first prompt's response.
type ModeRate struct {
	Mode     string             `json:"mode"`
	Think    bool               `json:"think"`
	Report   eval.SafetyReport  `json:"report"`
	Examples []PromptedResponse `json:"examples"`
}

// PromptedResponse is a prompt and a model's response to it.
type PromptedResponse struct {
	Prompt   string `json:"prompt"`
	Response string `json:"response"`
}

// Table1Result is Table 1 (docs/paper.md §5.1) measured on one model.
type Table1Result struct {
	Provenance
	Rows []ModeRate `json:"rows"`
}

// Table1 answers n HEx-PHI prompts greedily in think and in no-think mode and judges them (docs/paper.md
// §5.1): the misalignment rate per mode with its 95% Wilson interval. Responses go through rim/cache.
func Table1(s Settings, n int) (*Table1Result, error) {
	ps, err := s.Harmful(n)
	if err != nil {
		return nil, err
	}
	prov, err := s.measured("table1", ps)
	if err != nil {
		return nil, err
	}
	r := &Table1Result{Provenance: prov}
	for _, think := range []bool{true, false} {
		rs, err := s.Responses(s.ModelDir(), ps, chat.Bool(think), "")
		if err != nil {
			return nil, err
		}
		rep, err := JudgeRefusal(ps, rs)
		if err != nil {
			return nil, err
		}
		mode := map[bool]string{true: "ON (CoT enabled)", false: "OFF (CoT disabled)"}[think]
		r.Rows = append(r.Rows, ModeRate{Mode: mode, Think: think, Report: rep, Examples: []PromptedResponse{{ps[0].Text, rs[0]}}})
	}
	return r, nil
}

// Table draws the result as a display table.
func (r *Table1Result) Table() *display.Table {
	t := &display.Table{Caption: display.Titled("Table 1", r.Source+" (refusal judge)"),
		Columns: []string{"think mode", "misaligned", "judged", "unjudged", "M.Rate %", "95% CI %"}}
	for _, row := range r.Rows {
		rt := row.Report.Rate
		t.AddRow(row.Mode, rt.K, rt.N, row.Report.Unjudged, 100*rt.Rate, CI(rt))
	}
	return t
}

// Figure draws the misalignment rate per think mode as bars.
func (r *Table1Result) Figure() (*display.Figure, error) {
	var cats []string
	var s display.Series
	for _, row := range r.Rows {
		cats, s.Y = append(cats, row.Mode), append(s.Y, 100*row.Report.Rate.Rate)
	}
	s.Name = "misalignment rate"
	return display.Bars(display.Titled("Table 1", r.Source), "misalignment rate %", cats, s)
}

// Reading says in one sentence how to read the result, from its numbers.
func (r *Table1Result) Reading() string {
	on, off := r.Rows[0].Report.Rate, r.Rows[1].Report.Rate
	d := 100 * (on.Rate - off.Rate)
	overlap := on.Lo <= off.Hi && off.Lo <= on.Hi
	verdict := "the 95% intervals do not overlap, so the difference is unlikely to be sampling noise"
	if overlap {
		verdict = "the 95% intervals overlap, so this sample cannot tell the modes apart"
	}
	return fmt.Sprintf("Think mode is misaligned on %.1f%% of %d judged prompts and no-think mode on %.1f%% of %d (%+.1f points); %s. "+
		"The paper reports a higher rate with thinking on for every Qwen3 model (docs/paper.md §5.1).", 100*on.Rate, on.N, 100*off.Rate, off.N, d, verdict)
}

// Fig8Result is Fig 8 (docs/paper.md §8.4) from the paper's recovered checkpoint points: Pearson r of each
// metric with the misalignment rate, computed here, beside the printed r and p (paper.Table3P).
type Fig8Result struct {
	Provenance
	Metrics []Fig8Metric `json:"metrics"`
}

// Fig8Metric is one panel of Fig 8.
type Fig8Metric struct {
	Name     string            `json:"name"`
	X, MRate []float64         `json:"-"`
	Computed stats.Correlation `json:"computed"`
	Printed  paper.RP          `json:"printed"`
}

// Fig8 computes Fig 8's correlations from paper.Fig8 (paper data: no model is run).
func Fig8() (*Fig8Result, error) {
	r := &Fig8Result{Provenance: Provenance{Item: "fig8", Source: display.PaperData, RimVersion: Version()}}
	names := []string{"RAS (A_safe)", "RAS (random)", "KL(π₀‖π_τ)"}
	for i, name := range names {
		m := Fig8Metric{Name: name, Printed: paper.Table3P["Qwen3-4B"][i]}
		for _, p := range paper.Fig8 {
			m.X, m.MRate = append(m.X, []float64{p.RASTarget, p.RASRandom, p.KL}[i]), append(m.MRate, p.MRate)
		}
		c, err := stats.Pearson(m.X, m.MRate)
		if err != nil {
			return nil, fmt.Errorf("experiment: fig8 %s: %w", name, err)
		}
		m.Computed = c
		r.Metrics = append(r.Metrics, m)
	}
	return r, nil
}

// Figure draws the three scatters with their regression lines side by side.
func (r *Fig8Result) Figure() (*display.Figure, error) {
	var panels []*display.Figure
	for _, m := range r.Metrics {
		f, _, err := display.Scatter(m.Name, m.Name, "misalignment rate %", m.X, m.MRate, nil)
		if err != nil {
			return nil, err
		}
		panels = append(panels, f)
	}
	return display.Grid(display.Titled("Fig 8, Qwen3-4B checkpoints", r.Source), len(panels), panels...)
}

// Table lists computed against printed correlations.
func (r *Fig8Result) Table() *display.Table {
	t := &display.Table{Caption: display.Titled("Fig 8: Pearson r with the misalignment rate", r.Source),
		Columns: []string{"metric", "r (computed)", "p (computed)", "r (paper)", "p (paper)"}, Digits: 3}
	for _, m := range r.Metrics {
		t.AddRow(m.Name, m.Computed.R, m.Computed.P, m.Printed.R, m.Printed.P)
	}
	return t
}

// Reading says which metric tracks misalignment best, from the computed correlations.
func (r *Fig8Result) Reading() string {
	best := r.Metrics[0]
	for _, m := range r.Metrics[1:] {
		if m.Computed.R > best.Computed.R {
			best = m
		}
	}
	return fmt.Sprintf("Across the 8 checkpoints, %s tracks the misalignment rate best (r = %.3f, p = %.3g; the paper prints r = %.3f, p = %.3g); "+
		"a metric with r near zero or negative does not predict misalignment.", best.Name, best.Computed.R, best.Computed.P, best.Printed.R, best.Printed.P)
}
