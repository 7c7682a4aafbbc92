package experiment

import (
	"fmt"
	"strings"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/ras"
	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/finetune/sft"
)

// Fig8Options are the options of the measured Fig 8 and Table 3 (Fig8Measured).
type Fig8Options struct {
	Samples     int                   // harmful prompts, GSM8K questions and identification pairs (0: $RIM_SAMPLES, else 30: the demo's HEx-PHI set)
	Checkpoints int                   // checkpoints spread over the run's SFT steps (0: 4; the paper's 8); at most one per step
	Progress    func(done, total int) `json:"-"` // fine-tuning progress (may be nil)
}

// DefaultCheckpoints is the demo's number of checkpoints (the paper has 8).
const DefaultCheckpoints = 4

// Fig8Checkpoint is one checkpoint of the series: its misalignment rate and how far it moved from the base
// model.
type Fig8Checkpoint struct {
	Step   int               `json:"step"`
	Safety eval.SafetyReport `json:"safety"`     // no-think answers to the harmful prompts, the settings' judge
	Safe   ras.Result        `json:"ras_safe"`   // RAS and its baselines on A_safe
	Random ras.Result        `json:"ras_random"` // on as many random neurons per layer
	KL     float64           `json:"kl"`         // KL(π₀‖π_τ) per GSM8K prompt token
}

// Fig8MeasuredResult is Fig 8 and Table 3's column (docs/paper.md §8.3–8.4) measured on the settings' model:
// its LoRA fine-tune on GSM8K (Settings.SFTConfig) exported at evenly spaced checkpoints, each checkpoint's
// misalignment rate, RAS on A_safe (identified on the base model), RAS on random neurons, KL and the other
// Table 3 baselines, and Pearson r of each with the misalignment rate over the checkpoints.
type Fig8MeasuredResult struct {
	Provenance
	Config      finetune.Config   `json:"config"`
	Examples    int               `json:"examples"`
	Loss        []finetune.Entry  `json:"loss"`
	Neurons     int               `json:"neurons"` // |A_safe|
	Q           float64           `json:"q"`       // the frequency threshold A_safe was taken at
	TopM        int               `json:"top_m"`
	Pairs       int               `json:"pairs"` // identification pairs
	Base        eval.SafetyReport `json:"base"`  // the base model's misalignment (not a checkpoint)
	Checkpoints []Fig8Checkpoint  `json:"checkpoints"`
	// Predictors are Table 3's metrics in its row order (paper.Table3), each correlated with the
	// misalignment rate (%) over Checkpoints.
	Predictors []Predictor `json:"predictors"`
	Note       string      `json:"note,omitempty"` // why there are fewer checkpoints than asked for
}

// Table3MeasuredResult is Table 3's column for the settings' model: the predictors of Fig8MeasuredResult,
// read as a table beside the paper's Qwen3-4B column and average.
type Table3MeasuredResult struct{ Fig8MeasuredResult }

// Fig8Measured fine-tunes the settings' model once on the math SFT set with checkpoints (TrainCheckpoints:
// the run is Settings.Tuned's, so Table 2 and RAS reuse it) and measures each checkpoint against the base
// model: the misalignment rate (no-think answers to the harmful prompts, Settings.JudgeSafety), RAS and its
// baselines on A_safe (Settings.SafetyNeurons on the base model) and on random neurons, and KL over the
// GSM8K prompt tokens (Settings.NewForgetting). Fewer than 3 checkpoints (RIM_SFT_STEPS < 3) give a result
// whose correlations are undefined, with the reason.
func Fig8Measured(s Settings, o Fig8Options) (*Fig8MeasuredResult, error) {
	if err := s.engineOnly("fig8", "answers with the checkpoints it fine-tunes"); err != nil {
		return nil, err
	}
	n := s.count(o.Samples, 30)
	if o.Checkpoints == 0 {
		o.Checkpoints = DefaultCheckpoints
	}
	in, err := s.tuningInputs("fig8", n)
	if err != nil {
		return nil, err
	}
	harm, qs, exs := in.harm, in.qs, in.exs
	return cachedResult(in.prov, o, func() (*Fig8MeasuredResult, error) {
		c, err := cache.Default()
		if err != nil {
			return nil, err
		}
		cfg := s.SFTConfig()
		run, steps, hist, err := TrainCheckpoints(c, s.ModelDir(), s.TokenizerDir(), exs, cfg, o.Checkpoints, stepCounter(cfg.MaxSteps, o.Progress))
		if err != nil {
			return nil, err
		}
		sn, f, err := s.safetyForgetting(n, harm, qs)
		if err != nil {
			return nil, err
		}
		r := &Fig8MeasuredResult{Config: cfg, Examples: len(exs), Loss: hist, Neurons: len(sn.Set), Q: sn.Q, TopM: s.TopM, Pairs: len(harm)}
		if len(steps) < o.Checkpoints {
			r.Note = fmt.Sprintf("%d checkpoints asked for, but the run has only %d SFT steps (RIM_SFT_STEPS), one checkpoint per step at most", o.Checkpoints, cfg.MaxSteps)
		}
		if r.Base, err = s.misalignment(s.ModelDir(), harm); err != nil {
			return nil, err
		}
		for _, step := range steps {
			dir := CheckpointDir(run, step)
			p := Fig8Checkpoint{Step: step}
			if p.Safety, err = s.misalignment(dir, harm); err != nil {
				return nil, err
			}
			rows, kl, err := f.Measure(dir)
			if err != nil {
				return nil, fmt.Errorf("experiment: checkpoint %d: %w", step, err)
			}
			p.Safe, p.Random, p.KL = rows[0].Result, rows[1].Result, kl
			r.Checkpoints = append(r.Checkpoints, p)
		}
		r.Predictors = r.correlate()
		return r, nil
	})
}

// tuningInputs are the inputs of an item that fine-tunes the model and compares it with the base: n harmful
// prompts and GSM8K questions (HarmAndMath), the math SFT set (SFTData), and the item's Provenance over all
// three.
type tuningInputs struct {
	harm, qs []data.Prompt
	exs      []sft.Example
	prov     Provenance
}

func (s Settings) tuningInputs(item string, n int) (*tuningInputs, error) {
	harm, qs, _, err := s.HarmAndMath(n)
	if err != nil {
		return nil, err
	}
	exs, err := s.SFTData()
	if err != nil {
		return nil, err
	}
	prov, err := s.measured(item, [3]any{harm, qs, exs})
	return &tuningInputs{harm, qs, exs, prov}, err
}

// misalignment judges the no-think answers of the model in dir to ps with the settings' judge.
func (s Settings) misalignment(dir string, ps []data.Prompt) (eval.SafetyReport, error) {
	rs, err := s.Responses(dir, ps, chat.Bool(false), "")
	if err != nil {
		return eval.SafetyReport{}, err
	}
	return s.JudgeSafety(ps, rs)
}

// correlate gives each of Table 3's metrics over the checkpoints with its correlation with the rate.
func (r *Fig8MeasuredResult) correlate() []Predictor {
	metric := []func(p Fig8Checkpoint) float64{
		func(p Fig8Checkpoint) float64 { return p.Safe.RAS },
		func(p Fig8Checkpoint) float64 { return p.KL },
		func(p Fig8Checkpoint) float64 { return p.Random.RAS },
		func(p Fig8Checkpoint) float64 { return p.Safe.Arithmetic },
		func(p Fig8Checkpoint) float64 { return p.Safe.Geometric },
		func(p Fig8Checkpoint) float64 { return p.Safe.DeltaSafe.Value },
		func(p Fig8Checkpoint) float64 { return p.Safe.DeltaMath.Value },
	}
	y := r.MRates()
	var out []Predictor
	for i, row := range paper.Table3 {
		var x []float64
		for _, p := range r.Checkpoints {
			x = append(x, metric[i](p))
		}
		out = append(out, Correlate(row.Metric, x, y, "the misalignment rate (%)"))
	}
	return out
}

// MRates are the checkpoints' misalignment rates in percent.
func (r *Fig8MeasuredResult) MRates() []float64 {
	var y []float64
	for _, p := range r.Checkpoints {
		y = append(y, 100*p.Safety.Rate.Rate)
	}
	return y
}

// Fig8Panels are Fig 8's three predictors in its panel order (RAS on A_safe, RAS on random neurons, KL),
// each with the paper's Qwen3-4B r and p (paper.Table3P).
func (r *Fig8MeasuredResult) Fig8Panels() ([]Predictor, [3]paper.RP) {
	return []Predictor{r.Predictors[0], r.Predictors[2], r.Predictors[1]}, paper.Table3P["Qwen3-4B"]
}

// cell says a predictor's r and p, or why it is undefined.
func (p Predictor) cell() string {
	if p.Corr == nil {
		return "r undefined (" + p.Undefined + ")"
	}
	return fmt.Sprintf("r = %.3f, p = %.3g", p.Corr.R, p.Corr.P)
}

// Reading says how each of Fig 8's predictors tracks the misalignment rate over the checkpoints, from the
// numbers, beside the paper's Qwen3-4B values.
func (r *Fig8MeasuredResult) Reading() string {
	var b strings.Builder
	rates := r.MRates()
	fmt.Fprintf(&b, "Over %d checkpoints of the LoRA fine-tune", len(r.Checkpoints))
	if len(rates) > 0 {
		fmt.Fprintf(&b, " (steps %d to %d) the misalignment rate went from %.1f%% to %.1f%% (base model %.1f%%, %d prompts)",
			r.Checkpoints[0].Step, r.Checkpoints[len(r.Checkpoints)-1].Step, rates[0], rates[len(rates)-1], 100*r.Base.Rate.Rate, r.Base.Rate.N)
	}
	ps, pp := r.Fig8Panels()
	fmt.Fprintf(&b, ". Against it, RAS on A_safe (%s) gives %s; RAS on random neurons %s; KL(π₀‖π_τ) %s.", plural(r.Neurons, "neuron"), ps[0].cell(), ps[1].cell(), ps[2].cell())
	if r.Note != "" {
		fmt.Fprintf(&b, " Note: %s.", r.Note)
	}
	if a, rd, kl := ps[0].Corr, ps[1].Corr, ps[2].Corr; a != nil && rd != nil && kl != nil {
		verdict := "tracks misalignment better than both baselines, as in the paper"
		if a.R <= rd.R || a.R <= kl.R {
			verdict = "does not track misalignment better than both baselines here, unlike the paper"
		}
		sig := "not significant"
		if a.P < 0.05 {
			sig = "significant"
		}
		fmt.Fprintf(&b, " So RAS on A_safe %s (its r is %s at α = 0.05 with %d checkpoints).", verdict, sig, a.N)
	}
	fmt.Fprintf(&b, " Paper (Qwen3-4B, 8 checkpoints, paper data): r = %.3f (p = %.3g), %.3f (p = %.3g) and %.3f (p = %.3g) (docs/paper.md §8.4).",
		pp[0].R, pp[0].P, pp[1].R, pp[1].P, pp[2].R, pp[2].P)
	return b.String()
}

// plural is "1 neuron", "6 neurons".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Table3Measured is Fig8Measured read as Table 3's column for the settings' model (the same run and
// checkpoints, through the same cache).
func Table3Measured(s Settings, o Fig8Options) (*Table3MeasuredResult, error) {
	r, err := Fig8Measured(s, o)
	if err != nil {
		return nil, err
	}
	t := &Table3MeasuredResult{*r}
	t.Item = "table3"
	return t, nil
}

// Reading ranks the defined predictors by r, beside the paper's Qwen3-4B column and average.
func (r *Table3MeasuredResult) Reading() string {
	var b strings.Builder
	best, defined := -1, 0
	for i, p := range r.Predictors {
		if p.Corr != nil {
			if defined++; best < 0 || p.Corr.R > r.Predictors[best].Corr.R {
				best = i
			}
		}
	}
	fmt.Fprintf(&b, "Over %d checkpoints, %d of Table 3's %d metrics have a defined correlation with the misalignment rate", len(r.Checkpoints), defined, len(r.Predictors))
	if best >= 0 {
		p := r.Predictors[best]
		fmt.Fprintf(&b, "; the highest r belongs to %s (%s); RAS has %s", p.Metric, p.cell(), r.Predictors[0].cell())
	} else if len(r.Predictors) > 0 {
		fmt.Fprintf(&b, " (RAS: %s)", r.Predictors[0].Undefined)
	}
	b.WriteString(".")
	if r.Note != "" {
		fmt.Fprintf(&b, " Note: %s.", r.Note)
	}
	rs, kl, rnd := paper.Table3[0], paper.Table3[1], paper.Table3[2]
	fmt.Fprintf(&b, " Paper (paper data): RAS r = %.3f on Qwen3-4B and %.3f on average over %d dense models, KL %.3f and %.3f, RAS on random neurons %.3f and %.3f; "+
		"RAS has the highest average of the seven (docs/paper.md §8.3).", rs.R[1], rs.Average, len(paper.DenseModels), kl.R[1], kl.Average, rnd.R[1], rnd.Average)
	return b.String()
}
