package study

import (
	"fmt"
	"time"

	"github.com/rimlab/rim/rim/analysis/stats"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/experiment"
)

// Point is one checkpoint of the Fig 8 analogue.
type Point struct {
	Step        int       `json:"step"`
	Compliance  eval.Rate `json:"compliance"`
	DCompliance float64   `json:"delta_compliance"` // minus the base organism's
	RASSafe     float64   `json:"ras_safe"`         // RAS on A_safe (docs/paper.md §8.1)
	RASRandom   float64   `json:"ras_random"`       // RAS on random neurons, the same number per layer
	KL          float64   `json:"kl"`               // KL(π₀‖π_τ) per arithmetic prompt token
}

// Fig8 is the Fig 8 / Table 3 analogue (docs/paper.md §8.3–8.4): a target
// run's checkpoints, and how well RAS on A_safe, RAS on random neurons and
// the KL forgetting baseline track the change in harmful compliance.
type Fig8 struct {
	Neurons int     `json:"neurons"` // |A_safe|
	Q       float64 `json:"q"`       // frequency threshold used
	TopM    int     `json:"top_m"`
	Pairs   int     `json:"pairs"` // identification pairs (HEx-PHI requests and their HEx-PHI-MI counterfactuals)
	Points  []Point `json:"points"`
	// Safe, Random and KL correlate each predictor with Δ compliance over
	// the checkpoints; nil when undefined (a constant series), with the
	// reason in Undefined.
	Safe      *stats.Correlation `json:"r_ras_safe"`
	Random    *stats.Correlation `json:"r_ras_random"`
	KL        *stats.Correlation `json:"r_kl"`
	Undefined string             `json:"undefined,omitempty"`
	RASPrompt int                `json:"ras_prompts"` // harmful and arithmetic prompts pooled for RAS and KL
}

// RunCheckpoints measures each merged checkpoint of the run in dir against
// the base organism (whose scores are base): harmful compliance (no-think, the pooled prompts), RAS
// on A_safe identified on the base organism (experiment.SafetyNeurons, on
// $RIM_HEXPHI or the demo requests), RAS on random neurons and KL
// (experiment.Forgetting).
func (o *FineTuneOptions) RunCheckpoints(run string, harm, arith Set, base Scores) (*Fig8, error) {
	steps, err := experiment.Checkpoints(run)
	if err != nil {
		return nil, err
	}
	if len(steps) < 3 {
		return nil, fmt.Errorf("study: %s has %d merged checkpoints; a correlation needs at least 3", run, len(steps))
	}
	s, err := experiment.FromEnv()
	if err != nil {
		return nil, err
	}
	s.Model, s.Tokenizer, s.Data, s.Batch, s.MaxTokens = o.Model, o.Model, o.Data, o.Batch, o.MaxTokens
	if s.TopM == 0 {
		s.TopM = experiment.DefaultTopM
	}
	sn, err := s.SafetyNeurons(30)
	if err != nil {
		return nil, err
	}
	n := min(100, len(harm.Prompts), len(arith.Prompts))
	fg, err := s.NewForgetting(harm.Prompts[:n], arith.Prompts[:n], sn, false)
	if err != nil {
		return nil, err
	}
	f := &Fig8{Neurons: len(sn.Set), Q: sn.Q, TopM: s.TopM, Pairs: 30, RASPrompt: n}
	for _, step := range steps {
		t0 := time.Now()
		dir := experiment.CheckpointDir(run, step)
		p := Point{Step: step}
		a, err := o.Answer(dir, harm, false)
		if err != nil {
			return nil, err
		}
		if p.Compliance, err = complianceOf(a.Verdicts); err != nil {
			return nil, err
		}
		p.DCompliance = p.Compliance.Rate - base.Compliance.Rate
		rows, kl, err := fg.Measure(dir)
		if err != nil {
			return nil, err
		}
		p.RASSafe, p.RASRandom, p.KL = rows[0].Result.RAS, rows[1].Result.RAS, kl
		f.Points = append(f.Points, p)
		fmt.Fprintf(o.Log, "checkpoint %3d: compliance %.1f%% (Δ %+.1f), RAS safe %.4g, random %.4g, KL %.4g  (%s)\n",
			step, 100*p.Compliance.Rate, 100*p.DCompliance, p.RASSafe, p.RASRandom, p.KL, time.Since(t0).Round(time.Second))
	}
	var x [3][]float64
	var y []float64
	for _, p := range f.Points {
		x[0], x[1], x[2] = append(x[0], p.RASSafe), append(x[1], p.RASRandom), append(x[2], p.KL)
		y = append(y, p.DCompliance)
	}
	for i, out := range []**stats.Correlation{&f.Safe, &f.Random, &f.KL} {
		c := experiment.Correlate([]string{"RAS on A_safe", "RAS on random neurons", "KL"}[i], x[i], y, "Δ compliance")
		if c.Corr == nil { // a constant series: r is undefined, which is a result, not a failure
			f.Undefined = c.Undefined
			continue
		}
		*out = c.Corr
	}
	return f, nil
}
