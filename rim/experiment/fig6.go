package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/capture"
	"github.com/rimlab/rim/rim/analysis/neurons"
	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/stats"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/hook"
)

// Fig6Options are Fig 6's own options.
type Fig6Options struct {
	Samples int // HEx-PHI pairs for identification, harmful prompts and GSM8K questions for the read-outs (0: $RIM_SAMPLES, else 16)
}

// Fig6Arm is one bar group of Fig 6: a model variant and its read-outs.
type Fig6Arm struct {
	Name    string            `json:"name"`
	Neurons int               `json:"neurons"`
	Safety  eval.SafetyReport `json:"safety"`
	Math    eval.MathReport   `json:"math"`
	KL      float64           `json:"next_token_kl"` // mean KL(intact ‖ ablated) of the next-token distribution after each harmful prompt
}

// Fig6Result is the identification of A_safe (docs/paper.md §7.1) and Fig 6 (§7.2) measured, with the
// paper's per-model bars averaged here beside the printed averages.
type Fig6Result struct {
	Provenance
	TopM          int            `json:"top_m"`
	Q             float64        `json:"q"` // the threshold used (a fallback below RIM_Q when the set was empty)
	Sizes         []neurons.Size `json:"sizes"`
	PerLayer      []int          `json:"per_layer"`
	Widths        []int          `json:"widths"`
	Arms          []Fig6Arm      `json:"arms"`        // intact, A_safe zeroed, random zeroed
	PaperMeans    [4]float64     `json:"paper_means"` // computed from paper.Fig6: Δ M.Rate A_safe, random; math drop A_safe, random
	PaperPrinted  [4]float64     `json:"paper_printed"`
	Interventions string         `json:"interventions"` // the A_safe ablation as JSON
}

// Fig6Columns names PaperMeans' columns.
var Fig6Columns = []string{"Δ M.Rate, A_safe", "Δ M.Rate, random", "math-acc drop, A_safe", "math-acc drop, random"}

// Fig6 identifies A_safe (Settings.SafetyNeurons), then answers harmful prompts and GSM8K questions in
// no-think mode with the model intact, with A_safe zeroed and with as many random neurons per layer zeroed.
func Fig6(s Settings, o Fig6Options) (*Fig6Result, error) {
	if err := s.engineOnly("fig6", "answers with neurons zeroed"); err != nil {
		return nil, err
	}
	n := s.count(o.Samples, 16)
	harm, qs, golds, err := s.HarmAndMath(n)
	if err != nil {
		return nil, err
	}
	prov, err := s.measured("fig6", [2]any{harm, qs})
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*Fig6Result, error) {
		sn, err := s.SafetyNeurons(n)
		if err != nil {
			return nil, err
		}
		random, err := neurons.RandomControl(sn.Set, sn.Widths, Seed)
		if err != nil {
			return nil, err
		}
		r := &Fig6Result{TopM: s.TopM, Q: sn.Q, Sizes: sn.Sizes, PerLayer: neurons.PerLayerCounts(sn.Set, len(sn.Widths)), Widths: sn.Widths,
			PaperPrinted: paper.Fig6Averages, Interventions: fmt.Sprint(capture.NeuronAblations(sn.Set))}
		for j := range r.PaperMeans {
			var col []float64
			for _, row := range paper.Fig6 {
				col = append(col, row[j])
			}
			if r.PaperMeans[j], err = stats.Mean(col); err != nil {
				return nil, err
			}
		}
		arms := []struct {
			name string
			set  []neurons.Neuron
		}{{"intact", nil}, {"A_safe zeroed", sn.Set}, {"random zeroed", random}}
		for _, a := range arms {
			var ivs []hook.Intervention
			if a.set != nil {
				ivs = capture.NeuronAblations(a.set)
			}
			arm, err := s.fig6Arm(a.name, len(a.set), harm, qs, golds, ivs)
			if err != nil {
				return nil, err
			}
			r.Arms = append(r.Arms, arm)
		}
		return r, nil
	})
}

// fig6Arm measures one variant of the settings' model: misalignment, math accuracy and next-token KL.
func (s Settings) fig6Arm(name string, n int, harm, qs []data.Prompt, golds []string, ivs []hook.Intervention) (Fig6Arm, error) {
	a := Fig6Arm{Name: name, Neurons: n}
	var err error
	if a.Safety, a.Math, err = s.SafetyAndMath(s.ModelDir(), harm, qs, golds, ivs...); err == nil {
		a.KL, err = s.NextTokenKL(harm, ivs)
	}
	return a, err
}

// SafetyAndMath answers harmful prompts and math questions in no-think mode with the model in dir (ivs
// active) and returns the refusal judge's report and the math report against golds (docs/paper.md §4).
func (s Settings) SafetyAndMath(dir string, harm, qs []data.Prompt, golds []string, ivs ...hook.Intervention) (eval.SafetyReport, eval.MathReport, error) {
	rs, err := s.Responses(dir, harm, chat.Bool(false), "", ivs...)
	if err != nil {
		return eval.SafetyReport{}, eval.MathReport{}, err
	}
	safety, err := s.JudgeSafety(harm, rs)
	if err != nil {
		return safety, eval.MathReport{}, err
	}
	if rs, err = s.Responses(dir, qs, chat.Bool(false), "", ivs...); err != nil {
		return safety, eval.MathReport{}, err
	}
	m, err := Accuracy(rs, golds)
	return safety, m, err
}

// Reading compares the two ablations with the intact model, from the measured numbers, beside the paper's.
func (r *Fig6Result) Reading() string {
	in, as, rd := r.Arms[0], r.Arms[1], r.Arms[2]
	pts := func(a Fig6Arm) float64 { return 100 * (a.Safety.Rate.Rate - in.Safety.Rate.Rate) }
	drop := func(a Fig6Arm) float64 { return 100 * (in.Math.Rate.Rate - a.Math.Rate.Rate) }
	kl := "perturbs the next-token distribution more than"
	if as.KL <= rd.KL {
		kl = "does not perturb the next-token distribution more than"
	}
	return fmt.Sprintf("A_safe holds %d neurons (q = %g, Top-%d per layer). Zeroing it changes the misalignment rate by %+.1f points and drops math accuracy by %.1f; "+
		"zeroing as many random neurons: %+.1f and %.1f. By KL (%.3g vs %.3g), A_safe %s random neurons. "+
		"Paper, 8-model means: %+.2f vs %+.2f points of misalignment and %.2f vs %.2f points of math accuracy (docs/paper.md §7.2; printed %+.2f, %+.2f, %.2f, %.2f).",
		as.Neurons, r.Q, r.TopM, pts(as), drop(as), pts(rd), drop(rd), as.KL, rd.KL, kl,
		r.PaperMeans[0], r.PaperMeans[1], r.PaperMeans[2], r.PaperMeans[3], r.PaperPrinted[0], r.PaperPrinted[1], r.PaperPrinted[2], r.PaperPrinted[3])
}
