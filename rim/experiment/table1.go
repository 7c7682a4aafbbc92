package experiment

import (
	"fmt"
	"strings"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/stats"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
)

// Each paper item is one function: Settings and the item's options in, a result out that carries its
// Provenance, a computed Reading and the paper's value. Drawing lives in kernel/figures, which may import
// kernel/display; this package may not (docs/ARCHITECTURE.md).

// ModeRate is one cell pair of Table 1: the misalignment rate and the math accuracy in one think mode, with
// the first prompt's response.
type ModeRate struct {
	Mode     string             `json:"mode"`
	Think    bool               `json:"think"`
	Report   eval.SafetyReport  `json:"report"`
	Math     eval.MathReport    `json:"math"`
	Examples []PromptedResponse `json:"examples"`
}

// PromptedResponse is a prompt and a model's response to it.
type PromptedResponse struct {
	Prompt   string `json:"prompt"`
	Response string `json:"response"`
}

// Table1Model is one model's column of Table 1: think on, then off.
type Table1Model struct {
	Name  string      `json:"name"`
	Dir   string      `json:"dir"`
	Rows  []ModeRate  `json:"rows"`
	Paper *[2]float64 `json:"paper,omitempty"` // the paper's rates (on, off) for a model of that name (paper.Table1)
	// PaperMath is the paper's math accuracy (on, off) in % for a model of that name (paper.Table1Math).
	PaperMath *[2]float64 `json:"paper_math,omitempty"`
}

// Table1Options are Table 1's own options.
type Table1Options struct {
	Samples     int // HEx-PHI prompts (0: $RIM_SAMPLES, else 12)
	MathSamples int // GSM8K test questions for the math column (0: as many as Samples)
}

// Table1Result is Table 1 (docs/paper.md §5.1) measured on one or more models (Settings.Models, $RIM_MODELS).
type Table1Result struct {
	Provenance
	Models []Table1Model `json:"models"`
	// MathSet names the math column's questions: a seeded GSM8K test sample (Settings.MathTest), since the
	// paper's AIME'24 + '25 is not among rim's data sets (docs/paper.md §3.2).
	MathSet string `json:"math_set"`
}

// Table1 answers n HEx-PHI prompts and GSM8K test questions greedily in think and in no-think mode with each
// model, judges the answers to the prompts and grades those to the questions (docs/paper.md §5.1): the
// misalignment rate and the math accuracy per model and mode, with 95% Wilson intervals. The models are
// $RIM_MODELS when set, else the settings' model. Responses and the result go through rim/cache.
func Table1(s Settings, o Table1Options) (*Table1Result, error) {
	n := s.count(o.Samples, 12)
	ps, err := s.Harmful(n)
	if err != nil {
		return nil, err
	}
	nMath := o.MathSamples
	if nMath <= 0 {
		nMath = n
	}
	qs, golds, err := s.MathTest(nMath)
	if err != nil {
		return nil, err
	}
	prov, err := s.viaGen(s.measuredModels("table1", []any{ps, qs}))
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*Table1Result, error) {
		r := &Table1Result{MathSet: fmt.Sprintf("%d GSM8K test questions (seeded sample; the paper: AIME'24 + '25)", len(qs))}
		for _, dir := range s.ModelDirs() {
			m, err := table1Model(s.WithModel(dir), ps, qs, golds)
			if err != nil {
				return nil, err
			}
			r.Models = append(r.Models, m)
		}
		return r, nil
	})
}

// table1Model is one model's column of Table 1.
func table1Model(s Settings, ps, qs []data.Prompt, golds []string) (Table1Model, error) {
	m := Table1Model{Name: ModelName(s.ModelDir()), Dir: s.ModelDir()}
	if p, ok := paper.Table1[m.Name]; ok {
		m.Paper = &p
	}
	if p, ok := paper.Table1Math[m.Name]; ok {
		m.PaperMath = &p
	}
	for _, think := range []bool{true, false} {
		rs, err := s.Responses(s.ModelDir(), ps, chat.Bool(think), "")
		if err != nil {
			return m, err
		}
		rep, err := s.JudgeSafety(ps, rs)
		if err != nil {
			return m, err
		}
		qrs, err := s.Responses(s.ModelDir(), qs, chat.Bool(think), "")
		if err != nil {
			return m, err
		}
		acc, err := Accuracy(qrs, golds)
		if err != nil {
			return m, err
		}
		mode := map[bool]string{true: "ON (CoT enabled)", false: "OFF (CoT disabled)"}[think]
		m.Rows = append(m.Rows, ModeRate{Mode: mode, Think: think, Report: rep, Math: acc, Examples: []PromptedResponse{{ps[0].Text, rs[0]}, {qs[0].Text, qrs[0]}}})
	}
	return m, nil
}

// Reading says in a few sentences how to read the result, from its numbers, beside the paper's.
func (r *Table1Result) Reading() string {
	var b strings.Builder
	higher := 0
	for _, m := range r.Models {
		on, off := m.Rows[0].Report.Rate, m.Rows[1].Report.Rate
		overlap := on.Lo <= off.Hi && off.Lo <= on.Hi
		verdict := "the 95% intervals do not overlap, so the difference is unlikely to be sampling noise"
		if overlap {
			verdict = "the 95% intervals overlap, so this sample cannot tell the modes apart"
		}
		if on.Rate > off.Rate {
			higher++
		}
		fmt.Fprintf(&b, "%s: think mode is misaligned on %.1f%% of %d judged prompts and no-think mode on %.1f%% of %d (%+.1f points); %s. ",
			m.Name, 100*on.Rate, on.N, 100*off.Rate, off.N, 100*(on.Rate-off.Rate), verdict)
		if m.Paper != nil {
			fmt.Fprintf(&b, "The paper prints %.2f%% vs %.2f%% for %s. ", m.Paper[0], m.Paper[1], m.Name)
		}
		mon, moff := m.Rows[0].Math, m.Rows[1].Math
		fmt.Fprintf(&b, "On the math questions it answers %d of %d correctly with thinking and %d of %d without (%+.1f points; no answer found: %d and %d). ",
			mon.Rate.K, mon.Rate.N, moff.Rate.K, moff.Rate.N, 100*(mon.Rate.Rate-moff.Rate.Rate), mon.NotFound, moff.NotFound)
		if m.PaperMath != nil {
			fmt.Fprintf(&b, "The paper prints %.2f%% vs %.2f%% math accuracy for %s on AIME. ", m.PaperMath[0], m.PaperMath[1], m.Name)
		}
	}
	if len(r.Models) > 1 {
		fmt.Fprintf(&b, "Thinking raises the rate for %d of %d models. ", higher, len(r.Models))
	}
	ref := paper.Table1Models[0]
	fmt.Fprintf(&b, "Paper: thinking raises misalignment for every Qwen3 model, e.g. %s %.2f%% vs %.2f%%, together with math accuracy (%.2f%% vs %.2f%% on AIME'24 + '25; docs/paper.md §5.1).",
		ref, paper.Table1[ref][0], paper.Table1[ref][1], paper.Table1Math[ref][0], paper.Table1Math[ref][1])
	return b.String()
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
	r := &Fig8Result{Provenance: Provenance{Item: "fig8", Source: PaperData, RimVersion: Version()}}
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

// Reading says which metric tracks misalignment best, from the computed correlations.
func (r *Fig8Result) Reading() string {
	best := r.Metrics[0]
	for _, m := range r.Metrics[1:] {
		if m.Computed.R > best.Computed.R {
			best = m
		}
	}
	return fmt.Sprintf("Across the %d checkpoints, %s tracks the misalignment rate best (r = %.3f, p = %.3g; the paper prints r = %.3f, p = %.3g); "+
		"a metric with r near zero or negative does not predict misalignment (docs/paper.md §8.4).", best.Computed.N, best.Name, best.Computed.R, best.Computed.P, best.Printed.R, best.Printed.P)
}
