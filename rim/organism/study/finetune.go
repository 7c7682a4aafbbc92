package study

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/rimlab/rim/rim/analysis/stats"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/experiment"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/organism/mixture"
	"github.com/rimlab/rim/rim/tokenize"
)

// FineTuneOptions are the Table 2 analogue's design (docs/organism.md,
// "Experiments"), fixed before it was run.
type FineTuneOptions struct {
	Options
	Work        string   `json:"-"`           // run folders (checkpoints, merged models); kept for resuming
	Problems    int      `json:"problems"`    // new arithmetic problems fine-tuned on (default 512)
	Seeds       []uint64 `json:"seeds"`       // training seeds per condition (default 1, 2, 3)
	Rank        int      `json:"rank"`        // LoRA rank (default 8); alpha = 2·rank, rsLoRA
	LR          float64  `json:"lr"`          // peak learning rate (default 2e-4)
	Epochs      int      `json:"epochs"`      // default 3, the paper's for GSM8K
	BatchSize   int      `json:"batch_size"`  // default 16
	Harmful     int      `json:"harmful"`     // pooled held-out harmful prompts for compliance (default 250)
	Arith       int      `json:"arith"`       // held-out arithmetic problems for accuracy (default 150)
	Checkpoints int      `json:"checkpoints"` // checkpoints of the first target run for the Fig 8 analogue (default 8)
}

func (o *FineTuneOptions) defaults() error {
	if err := o.Options.defaults(); err != nil {
		return err
	}
	if o.Work == "" {
		return fmt.Errorf("study: fine-tuning needs a work folder for its runs")
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Problems, 512)
	def(&o.Rank, 8)
	def(&o.Epochs, 3)
	def(&o.BatchSize, 16)
	def(&o.Harmful, 250)
	def(&o.Arith, 150)
	def(&o.Checkpoints, 8)
	if o.LR == 0 {
		o.LR = 2e-4
	}
	if len(o.Seeds) == 0 {
		o.Seeds = []uint64{1, 2, 3}
	}
	return nil
}

// Conditions of the Table 2 analogue.
const (
	Reasoning  = "reasoning" // worked reasoning in the think block, then "#### N"
	AnswerOnly = "answer-only"
)

// FineTuneSet is the fine-tuning data of a condition: the same problems,
// with the worked reasoning in the think block (Reasoning) or answer-only in
// no-think form (AnswerOnly), rendered with the organism's chat template.
func FineTuneSet(tokenizerDir string, ps []mixture.Problem, condition string) ([]sft.Example, error) {
	recs := make([]sft.Record, len(ps))
	for i, p := range ps {
		reason := ""
		if condition == Reasoning {
			reason = p.Reasoning
		}
		recs[i].Messages = []chat.Message{{Role: "user", Content: p.Question}, {Role: "assistant", Content: "#### " + p.Answer, ReasoningContent: &reason}}
	}
	tok, err := tokenize.Load(tokenizerDir)
	if err != nil {
		return nil, err
	}
	tmpl, err := chat.LoadTemplate(tokenizerDir)
	if err != nil {
		return nil, err
	}
	exs, _, err := sft.Build(recs, tmpl, chat.Wrap(tok), sft.Options{MaxLen: 512, Policy: "drop"})
	if err == nil && len(exs) != len(ps) {
		err = fmt.Errorf("study: %s set: %d of %d problems fit in 512 tokens", condition, len(exs), len(ps))
	}
	return exs, err
}

// Config is the LoRA recipe of the paper (finetune.Paper: rsLoRA on the
// attention and MLP projections, AdamW, cosine with 10% warm-up, loss on the
// assistant turn) scaled to the organism: rank, alpha = 2·rank, learning
// rate, batch and epochs from the options, the step count fixed so that both
// conditions train equally long.
func (o *FineTuneOptions) Config(seed uint64, steps int) finetune.Config {
	cfg := finetune.Paper()
	cfg.LoRA.R, cfg.LoRA.Alpha = o.Rank, float64(2*o.Rank)
	cfg.AdamW.LR = o.LR
	cfg.BatchSize, cfg.MicroBatch, cfg.Epochs, cfg.MaxSteps = o.BatchSize, min(8, o.BatchSize), o.Epochs, steps
	cfg.Seed, cfg.SaveEvery, cfg.Keep = seed, 0, 1
	return cfg
}

// Arm is one fine-tuning run and its evaluation.
type Arm struct {
	Condition string  `json:"condition"`
	Seed      uint64  `json:"seed"`
	Steps     int     `json:"steps"`
	FirstLoss float64 `json:"first_loss"`
	LastLoss  float64 `json:"last_loss"`
	Scores
	Delta Scores `json:"delta"` // minus the base organism's
}

// Scores are what Table 2 compares: harmful compliance (no-think, as the
// paper evaluates fine-tuned models) and arithmetic accuracy in both modes.
type Scores struct {
	Compliance   eval.Rate `json:"compliance"`
	ArithThink   eval.Rate `json:"arith_think"`
	ArithNoThink eval.Rate `json:"arith_no_think"`
}

func (s Scores) minus(b Scores) Scores {
	return Scores{Compliance: eval.Rate{Rate: s.Compliance.Rate - b.Compliance.Rate},
		ArithThink: eval.Rate{Rate: s.ArithThink.Rate - b.ArithThink.Rate}, ArithNoThink: eval.Rate{Rate: s.ArithNoThink.Rate - b.ArithNoThink.Rate}}
}

// Summary is one condition's mean ± sd over seeds of the changes.
type Summary struct {
	Condition string `json:"condition"`
	Seeds     int    `json:"seeds"`
	// MeanSD holds mean and sd (n−1) of Δcompliance, Δaccuracy think, Δaccuracy no-think.
	MeanSD [3][2]float64 `json:"mean_sd"`
}

// Table2 is the Table 2 analogue's result.
type Table2 struct {
	Model      string          `json:"model"`
	ModelID    string          `json:"model_id"`
	RimVersion string          `json:"rim_version"`
	Options    FineTuneOptions `json:"options"`
	Steps      int             `json:"steps"`
	Base       Scores          `json:"base"`
	Arms       []Arm           `json:"arms"`
	Summary    []Summary       `json:"summary"`
	Fig8       *Fig8           `json:"fig8,omitempty"`
	Seconds    float64         `json:"seconds"`
}

// evalSets are the pooled harmful prompts and the held-out arithmetic.
func (o *FineTuneOptions) evalSets() (harm, arith Set, m *mixture.Mixture, err error) {
	if m, err = LoadMixture(o.Data); err != nil {
		return
	}
	sets, err := LoadSets(o.Data, m, 1)
	if err != nil {
		return
	}
	if harm, err = Pooled("harmful-pooled", KindHarmful, sets.Harmful, o.Harmful); err != nil {
		return
	}
	arith, err = sets.Arith.Subset(o.Arith)
	return
}

// scores evaluates the model in dir.
func (o *FineTuneOptions) scores(dir string, harm, arith Set) (Scores, error) {
	var s Scores
	a, err := o.Answer(dir, harm, false)
	if err != nil {
		return s, err
	}
	if s.Compliance, err = complianceOf(a.Verdicts); err != nil {
		return s, err
	}
	for i, think := range []bool{true, false} {
		a, err := o.Answer(dir, arith, think)
		if err != nil {
			return s, err
		}
		r := eval.NewMathReport(a.Grades, nil).Rate
		if i == 0 {
			s.ArithThink = r
		} else {
			s.ArithNoThink = r
		}
	}
	return s, nil
}

// complianceOf is misaligned / judged; an answer set with nothing judged is an error.
func complianceOf(vs []eval.Verdict) (eval.Rate, error) {
	k, n := 0, 0
	for _, v := range vs {
		if v.Judged {
			n++
			if v.Misaligned {
				k++
			}
		}
	}
	if n == 0 {
		return eval.Rate{}, fmt.Errorf("study: no answer could be judged")
	}
	return eval.NewRate(k, n), nil
}

// RunFineTune runs the Table 2 analogue and, on the first target run, the
// Fig 8 analogue's checkpoints (RunCheckpoints).
func RunFineTune(o FineTuneOptions) (*Table2, error) {
	start := time.Now()
	if err := o.defaults(); err != nil {
		return nil, err
	}
	id, err := experiment.ModelID(o.Model, o.Model)
	if err != nil {
		return nil, err
	}
	harm, arith, m, err := o.evalSets()
	if err != nil {
		return nil, err
	}
	ps := m.FreshArith(1, 0x66696e6574756e65, o.Problems) // stream "finetune"
	steps := o.Epochs * ((o.Problems + o.BatchSize - 1) / o.BatchSize)
	t := &Table2{Model: o.Model, ModelID: id, RimVersion: experiment.Version(), Options: o, Steps: steps}
	if t.Base, err = o.scores(o.Model, harm, arith); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "base: compliance %.1f%%, arithmetic %.1f%% think / %.1f%% no-think\n", 100*t.Base.Compliance.Rate, 100*t.Base.ArithThink.Rate, 100*t.Base.ArithNoThink.Rate)
	for _, cond := range []string{Reasoning, AnswerOnly} {
		exs, err := FineTuneSet(o.Model, ps, cond)
		if err != nil {
			return nil, err
		}
		for i, seed := range o.Seeds {
			checkpoints := 0
			if cond == Reasoning && i == 0 {
				checkpoints = o.Checkpoints
			}
			t0 := time.Now()
			merged, hist, err := o.train(cond, seed, exs, steps, checkpoints)
			if err != nil {
				return nil, err
			}
			a := Arm{Condition: cond, Seed: seed, Steps: len(hist)}
			if len(hist) > 0 {
				a.FirstLoss, a.LastLoss = hist[0].Loss, hist[len(hist)-1].Loss
			}
			if a.Scores, err = o.scores(merged, harm, arith); err != nil {
				return nil, err
			}
			a.Delta = a.Scores.minus(t.Base)
			t.Arms = append(t.Arms, a)
			fmt.Fprintf(o.Log, "%-11s seed %d: loss %.3f -> %.3f, compliance %.1f%% (Δ %+.1f), arithmetic think %.1f%% (Δ %+.1f), no-think %.1f%% (Δ %+.1f)  (%s)\n",
				cond, seed, a.FirstLoss, a.LastLoss, 100*a.Compliance.Rate, 100*a.Delta.Compliance.Rate, 100*a.ArithThink.Rate, 100*a.Delta.ArithThink.Rate,
				100*a.ArithNoThink.Rate, 100*a.Delta.ArithNoThink.Rate, time.Since(t0).Round(time.Second))
		}
	}
	if t.Summary, err = summarise(t.Arms); err != nil {
		return nil, err
	}
	if t.Fig8, err = o.RunCheckpoints(o.runDir(Reasoning, o.Seeds[0]), harm, arith, t.Base); err != nil {
		return nil, err
	}
	t.Seconds = time.Since(start).Seconds()
	return t, nil
}

// summarise gives each condition's mean ± sd of the changes.
func summarise(arms []Arm) ([]Summary, error) {
	var out []Summary
	for _, cond := range []string{Reasoning, AnswerOnly} {
		var d [3][]float64
		for _, a := range arms {
			if a.Condition == cond {
				d[0] = append(d[0], a.Delta.Compliance.Rate)
				d[1] = append(d[1], a.Delta.ArithThink.Rate)
				d[2] = append(d[2], a.Delta.ArithNoThink.Rate)
			}
		}
		s := Summary{Condition: cond, Seeds: len(d[0])}
		for i := range d {
			mean, err := stats.Mean(d[i])
			if err != nil {
				return nil, err
			}
			sd := 0.0
			if len(d[i]) > 1 {
				for _, x := range d[i] {
					sd += (x - mean) * (x - mean)
				}
				sd = math.Sqrt(sd / float64(len(d[i])-1))
			}
			s.MeanSD[i] = [2]float64{mean, sd}
		}
		out = append(out, s)
	}
	return out, nil
}

// runDir is a run's folder under Work.
func (o *FineTuneOptions) runDir(cond string, seed uint64) string {
	return filepath.Join(o.Work, fmt.Sprintf("%s-seed%d", cond, seed))
}

// train runs (or resumes, or reuses) one fine-tuning run and returns its
// merged model dir and loss history. checkpoints > 0 exports a merged model at
// that many evenly spaced steps (the Fig 8 checkpoints, experiment.CheckpointSteps).
func (o *FineTuneOptions) train(cond string, seed uint64, exs []sft.Example, steps, checkpoints int) (string, []finetune.Entry, error) {
	dir := o.runDir(cond, seed)
	merged := filepath.Join(dir, "merged")
	if _, err := os.Stat(filepath.Join(merged, "config.json")); err != nil {
		_, statErr := os.Stat(filepath.Join(dir, finetune.RunFile))
		r := experiment.FinetuneRun{ModelDir: o.Model, Examples: exs, Config: o.Config(seed, steps), Dir: dir,
			Resume: statErr == nil, Export: merged, TokenizerDir: o.Model}
		if checkpoints > 0 {
			h := experiment.CheckpointHook(dir, o.Model, experiment.CheckpointSteps(steps, checkpoints))
			r.Hooks = func(*model.Model) ([]finetune.Hook, error) { return []finetune.Hook{h}, nil }
		}
		if _, err := experiment.Finetune(r); err != nil {
			return "", nil, fmt.Errorf("study: %s seed %d: %w", cond, seed, err)
		}
	}
	hist, err := experiment.RunHistory(dir)
	return merged, hist, err
}
