package experiment

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rimlab/rim/rim/analysis/neurons"
	"github.com/rimlab/rim/rim/analysis/ras"
	"github.com/rimlab/rim/rim/analysis/stats"
	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/finetune/sft"
)

// A checkpoint series (docs/paper.md §8.3–8.4): the merged model after some steps of one fine-tuning run,
// and what moved between the base model and each of them.

// CheckpointPrefix names the merged checkpoint models a run exports: <run>/merged-step-N.
const CheckpointPrefix = "merged-step-"

// CheckpointDir is the merged model exported after step of the run in run.
func CheckpointDir(run string, step int) string {
	return filepath.Join(run, CheckpointPrefix+strconv.Itoa(step))
}

// CheckpointSteps are k checkpoint steps spread evenly over a run of total steps, the last one at total:
// ⌈i·total/k⌉ for i = 1…k, without repeats (so fewer than k when total < k).
func CheckpointSteps(total, k int) []int {
	var out []int
	for i := 1; i <= k; i++ {
		if s := (i*total + k - 1) / k; s > 0 && (len(out) == 0 || out[len(out)-1] != s) {
			out = append(out, s)
		}
	}
	return out
}

// Checkpoints lists the steps of the merged checkpoints (CheckpointDir with a config.json) in run, ascending.
func Checkpoints(run string) ([]int, error) {
	es, err := os.ReadDir(run)
	if err != nil {
		return nil, err
	}
	var steps []int
	for _, e := range es {
		if n, ok := strings.CutPrefix(e.Name(), CheckpointPrefix); ok {
			if s, err := strconv.Atoi(n); err == nil {
				if _, err := os.Stat(filepath.Join(run, e.Name(), "config.json")); err == nil {
					steps = append(steps, s)
				}
			}
		}
	}
	slices.Sort(steps)
	return steps, nil
}

// CheckpointHook exports the merged model after each of steps into CheckpointDir(run, step), with the
// tokenizer of tokenizerDir ("" = the model dir's).
func CheckpointHook(run, tokenizerDir string, steps []int) finetune.Hook {
	every := 0
	for _, s := range steps {
		every = gcd(every, s)
	}
	return finetune.Hook{Name: "checkpoint-export", Every: max(every, 1), Run: func(c *finetune.HookContext) error {
		if !slices.Contains(steps, c.Step) {
			return nil
		}
		out := CheckpointDir(run, c.Step)
		if err := os.RemoveAll(out); err != nil {
			return err
		}
		c.T.TokenizerDir = tokenizerDir
		return c.T.ExportMerged(out)
	}}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// TrainCheckpoints is TrainOnce that also exports the merged model at k checkpoint steps
// (CheckpointSteps of cfg.MaxSteps, which must be set). It is the same run as TrainOnce's (RunDir), so a
// later TrainOnce reuses it; a cached run without these checkpoints is trained again. Returns the run dir,
// the checkpoint steps and the loss history.
func TrainCheckpoints(c *cache.Cache, modelDir, tokenizerDir string, exs []sft.Example, cfg finetune.Config, k int, onStep func(finetune.Entry)) (string, []int, []finetune.Entry, error) {
	if cfg.MaxSteps < 1 || k < 1 {
		return "", nil, nil, fmt.Errorf("experiment: checkpoints: %d checkpoints of a run of %d steps: want both ≥ 1", k, cfg.MaxSteps)
	}
	steps := CheckpointSteps(cfg.MaxSteps, k)
	dir, err := RunDir(c, modelDir, tokenizerDir, exs, cfg)
	if err != nil {
		return "", nil, nil, err
	}
	merged := filepath.Join(dir, "merged")
	have, _ := Checkpoints(dir)
	_, err = os.Stat(filepath.Join(merged, "config.json"))
	if err != nil || !containsAll(have, steps) {
		if err := train(modelDir, dir, merged, exs, cfg, []finetune.Hook{CheckpointHook(dir, "", steps)}, onStep); err != nil {
			return "", nil, nil, err
		}
	}
	hist, err := RunHistory(dir)
	return dir, steps, hist, err
}

func containsAll(have, want []int) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// Forgetting measures how far fine-tuned models moved from the settings' model (docs/paper.md §8.1): RAS and
// its baselines on neuron sets, from blocks.L.mlp.hook_post max-pooled over the request tokens of harmful
// and math prompts (Settings.PooledMLP), and KL(π₀‖π_τ) per math prompt token (ras.TokenMean). The base
// model's side is computed once, by NewForgetting; Measure does one fine-tuned model.
type Forgetting struct {
	s                  Settings
	harm, math         []data.Prompt
	sets               []neuronSet
	baseSafe, baseMath [][]float64 // [samples][layers·dMLP]
	baseLogits         [][]float32
	vocab              int
}

type neuronSet struct {
	name string
	size int   // 0: all MLP neurons
	dims []int // nil: all
}

// NewForgetting prepares Forgetting on the harmful prompts harm and the math prompts math for the neuron sets
// A_safe (sn), as many random neurons per layer (neurons.RandomControl, seed Seed) and, with all, every
// MLP neuron, in that order.
func (s Settings) NewForgetting(harm, math []data.Prompt, sn *SafetyNeurons, all bool) (*Forgetting, error) {
	random, err := neurons.RandomControl(sn.Set, sn.Widths, Seed)
	if err != nil {
		return nil, err
	}
	f := &Forgetting{s: s, harm: harm, math: math}
	for _, set := range []struct {
		name string
		ns   []neurons.Neuron
	}{{fmt.Sprintf("A_safe (q = %g)", sn.Q), sn.Set}, {"random (same per-layer counts)", random}} {
		dims, err := neurons.Flat(set.ns, sn.Widths)
		if err != nil {
			return nil, err
		}
		f.sets = append(f.sets, neuronSet{set.name, len(set.ns), dims})
	}
	if all {
		f.sets = append(f.sets, neuronSet{name: "all MLP neurons"})
	}
	if f.baseSafe, f.baseMath, err = f.acts(s.ModelDir()); err != nil {
		return nil, err
	}
	f.baseLogits, f.vocab, err = s.PromptLogits(s.ModelDir(), math)
	return f, err
}

// acts are the pooled activations of the model in dir on the harmful and on the math prompts.
func (f *Forgetting) acts(dir string) (safe, math [][]float64, err error) {
	a, err := f.s.PooledMLP(dir, f.harm, nil, "user")
	if err != nil {
		return nil, nil, err
	}
	b, err := f.s.PooledMLP(dir, f.math, nil, "user")
	return Flat(a), Flat(b), err
}

// Measure returns RAS and its baselines (rim/analysis/ras, default options) per neuron set, in
// NewForgetting's order, and KL(π₀‖π_τ) for the fine-tuned model in dir.
func (f *Forgetting) Measure(dir string) ([]RASRow, float64, error) {
	safe, math, err := f.acts(dir)
	if err != nil {
		return nil, 0, err
	}
	var rows []RASRow
	for _, set := range f.sets {
		res, err := ras.Compute(f.baseSafe, safe, f.baseMath, math, set.dims, ras.Options{})
		if err != nil {
			return nil, 0, fmt.Errorf("experiment: ras on %s: %w", set.name, err)
		}
		rows = append(rows, RASRow{Neurons: set.name, Size: set.size, Result: res})
	}
	tl, _, err := f.s.PromptLogits(dir, f.math)
	if err != nil {
		return nil, 0, err
	}
	kl, err := ras.MeanKL(f.baseLogits, tl, f.vocab, ras.TokenMean)
	return rows, kl, err
}

// Predictor is one metric over a checkpoint series and its Pearson correlation with the misalignment rate
// (a cell of Table 3, docs/paper.md §8.3). Corr is nil when r is undefined, with the reason in Undefined.
type Predictor struct {
	Metric    string             `json:"metric"`
	X         []float64          `json:"x"`
	Corr      *stats.Correlation `json:"corr,omitempty"`
	Undefined string             `json:"undefined,omitempty"`
}

// Correlate is Pearson r and its two-sided p-value (stats.Pearson) between metric's values x and y over the
// same checkpoints. Fewer than 3 checkpoints, or a series that does not change, leave r undefined: the
// Predictor then says why instead of carrying a NaN.
func Correlate(metric string, x, y []float64, yName string) Predictor {
	p := Predictor{Metric: metric, X: x}
	switch {
	case len(x) != len(y):
		p.Undefined = fmt.Sprintf("%d values of %s for %d of %s", len(x), metric, len(y), yName)
	case len(x) < 3:
		p.Undefined = fmt.Sprintf("only %d checkpoints: Pearson r needs at least 3", len(x))
	case stats.Constant(y):
		p.Undefined = fmt.Sprintf("%s is %.4g at every checkpoint", yName, y[0])
	case stats.Constant(x):
		p.Undefined = fmt.Sprintf("%s is %.4g at every checkpoint", metric, x[0])
	default:
		c, err := stats.Pearson(x, y)
		if err != nil {
			p.Undefined = strings.TrimPrefix(err.Error(), "stats: ")
			break
		}
		p.Corr = &c
	}
	return p
}
