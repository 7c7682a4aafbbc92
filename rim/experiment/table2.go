package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/stats"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/finetune"
)

// Table2Options are Table 2's own options.
type Table2Options struct {
	Samples  int                   // harmful prompts and GSM8K test questions (0: $RIM_SAMPLES, else 8)
	Progress func(done, total int) `json:"-"` // called after each step of a fresh fine-tuning run (may be nil)
}

// Table2Row is one model of the before/after comparison.
type Table2Row struct {
	Name   string            `json:"name"`
	Dir    string            `json:"dir"`
	Safety eval.SafetyReport `json:"safety"`
	Math   eval.MathReport   `json:"math"`
}

// Table2Result is Table 2's GSM8k column (docs/paper.md §5.3) measured on the settings' model: the LoRA
// fine-tune's loss history, misalignment and math accuracy before and after, with the paper's values.
type Table2Result struct {
	Provenance
	Config         finetune.Config    `json:"config"`
	Examples       int                `json:"examples"`
	Loss           []finetune.Entry   `json:"loss"`
	Rows           []Table2Row        `json:"rows"`             // base, fine-tuned
	PaperGSM8k     map[string]float64 `json:"paper_gsm8k"`      // Δ M.Rate on GSM8k per dense model, as printed
	PaperDenseMean float64            `json:"paper_dense_mean"` // their mean, computed
	PaperPrinted   float64            `json:"paper_dense_mean_printed"`
}

// Table2 fine-tunes the settings' model once on GSM8K (Settings.Tuned, the recipe of SFTConfig) and answers
// the same harmful prompts (no-think, as the paper evaluates fine-tuned Qwen models) and GSM8K test
// questions with the base and the merged fine-tuned model.
func Table2(s Settings, o Table2Options) (*Table2Result, error) {
	if err := s.engineOnly("table2", "answers with the model it fine-tunes"); err != nil {
		return nil, err
	}
	n := s.count(o.Samples, 8)
	harm, qs, golds, err := s.HarmAndMath(n)
	if err != nil {
		return nil, err
	}
	exs, err := s.SFTData()
	if err != nil {
		return nil, err
	}
	prov, err := s.measured("table2", [3]any{harm, qs, exs})
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*Table2Result, error) {
		merged, hist, err := s.Tuned(o.Progress)
		if err != nil {
			return nil, err
		}
		r := &Table2Result{Config: s.SFTConfig(), Examples: len(exs), Loss: hist, PaperGSM8k: map[string]float64{}}
		var col []float64
		for _, m := range paper.DenseModels {
			r.PaperGSM8k[m] = paper.Table2.Dense[m][2]
			col = append(col, paper.Table2.Dense[m][2])
		}
		if r.PaperDenseMean, err = stats.Mean(col); err != nil {
			return nil, err
		}
		r.PaperPrinted = paper.Table2.DenseAverage[2]
		for _, row := range [][2]string{{"base", s.ModelDir()}, {"fine-tuned (merged LoRA)", merged}} {
			t := Table2Row{Name: row[0], Dir: row[1]}
			if t.Safety, t.Math, err = s.SafetyAndMath(row[1], harm, qs, golds); err != nil {
				return nil, err
			}
			r.Rows = append(r.Rows, t)
		}
		return r, nil
	})
}

// DeltaMRate is the fine-tuned minus the base misalignment rate in points (Table 2's quantity).
func (r *Table2Result) DeltaMRate() float64 {
	return 100 * (r.Rows[1].Safety.Rate.Rate - r.Rows[0].Safety.Rate.Rate)
}

// Reading says what fine-tuning did to loss, safety and math, from the numbers, beside the paper's.
func (r *Table2Result) Reading() string {
	first, last := r.Loss[0], r.Loss[len(r.Loss)-1]
	b, t := r.Rows[0], r.Rows[1]
	overlap := b.Safety.Rate.Lo <= t.Safety.Rate.Hi && t.Safety.Rate.Lo <= b.Safety.Rate.Hi
	verdict := "the 95% intervals do not overlap"
	if overlap {
		verdict = "the 95% intervals overlap, so this sample cannot tell them apart"
	}
	return fmt.Sprintf("The loss went from %.3f (step %d) to %.3f (step %d). Misalignment %.1f%% → %.1f%% (Δ M.Rate = %+.2f points; %s); GSM8K accuracy %.1f%% → %.1f%%. "+
		"Paper, GSM8k column: Δ M.Rate %+.2f for Qwen3-4B, dense mean %+.2f (computed here; printed %+.2f) (docs/paper.md §5.3).",
		first.Loss, first.Step, last.Loss, last.Step, 100*b.Safety.Rate.Rate, 100*t.Safety.Rate.Rate, r.DeltaMRate(), verdict,
		100*b.Math.Rate.Rate, 100*t.Math.Rate.Rate, r.PaperGSM8k["Qwen3-4B"], r.PaperDenseMean, r.PaperPrinted)
}
