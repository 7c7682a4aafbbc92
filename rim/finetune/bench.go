package finetune

import (
	"fmt"
	"runtime"
	"time"

	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
)

// BenchResult is the timing of training steps (forward + backward + AdamW).
type BenchResult struct {
	Mode          string
	Batch, Seq    int
	Micro, Conc   int // micro-batch size and concurrent micro-batches
	Steps         int
	FirstStep     time.Duration // includes compilation
	PerStep       time.Duration
	TrainableM    float64 // trainable parameters, millions
	PeakRSSMB     float64
	TokensPerStep int
	FwdBwd        time.Duration // per step: forward + backward (+ accumulation)
	Update        time.Duration // per step: scaling, clipping and AdamW
	Forward       time.Duration // one forward of the same batch (logits only), for the fwd+bwd/fwd ratio
}

// TokensPerSec is tokens processed per second of steady-state steps.
func (r BenchResult) TokensPerSec() float64 {
	return float64(r.TokensPerStep) / r.PerStep.Seconds()
}

func (r BenchResult) String() string {
	return fmt.Sprintf("train %-5s batch %dx%d (micro %d x%d concurrent)  trainable %.2fM  %8.1f ms/step (fwd+bwd %.1f, update %.1f; forward alone %.1f)  %8.1f tok/s  first step %.2fs  peak RSS %.0f MB",
		r.Mode, r.Batch, r.Seq, r.Micro, r.Conc, r.TrainableM, float64(r.PerStep.Microseconds())/1e3, float64(r.FwdBwd.Microseconds())/1e3,
		float64(r.Update.Microseconds())/1e3, float64(r.Forward.Microseconds())/1e3, r.TokensPerSec(), r.FirstStep.Seconds(), r.PeakRSSMB)
}

// Bench times steps of cfg on a batch of the given examples (one optimiser
// step per batch, no accumulation unless cfg says so): one step to compile,
// then steps timed. ids [batch][seq]; every token is trained.
func Bench(m *model.Model, ids [][]int, cfg Config, steps int) (BenchResult, error) {
	var data []sft.Example
	for _, row := range ids {
		data = append(data, sft.Example{IDs: row, Labels: row})
	}
	cfg.BatchSize = len(ids)
	if cfg.MicroBatch == 0 || cfg.MicroBatch > cfg.BatchSize {
		cfg.MicroBatch = cfg.BatchSize
	}
	if c := cfg.Concurrent; c != 1 && cfg.MicroBatch == cfg.BatchSize {
		// Split the batch so that concurrent micro-batches can use every
		// core (same tokens, same summed gradient).
		if c == 0 {
			c = runtime.NumCPU()
		}
		cfg.MicroBatch = max(1, (cfg.BatchSize+c-1)/c)
	}
	cfg.MaxSteps, cfg.Epochs, cfg.PadMultiple = steps+1, 0, 1
	t, err := New(m, data, 0, cfg)
	if err != nil {
		return BenchResult{}, err
	}
	r := BenchResult{Mode: cfg.Mode, Batch: len(ids), Seq: len(ids[0]), Steps: steps, Micro: cfg.MicroBatch, Conc: t.concurrent()}
	for _, p := range t.params().values {
		r.TrainableM += float64(p.Shape().Size()) / 1e6
	}
	t0 := time.Now()
	e, err := t.Step()
	if err != nil {
		return r, err
	}
	r.FirstStep = time.Since(t0)
	r.TokensPerStep = e.Tokens
	t0 = time.Now()
	for i := 0; i < steps; i++ {
		if _, err := t.Step(); err != nil {
			return r, err
		}
		r.FwdBwd += t.lastFwdBwd / time.Duration(steps)
		r.Update += t.lastUpdate / time.Duration(steps)
	}
	r.PerStep = time.Since(t0) / time.Duration(max(steps, 1))
	in := model.Input{InputIDs: ids}
	for i := 0; i < 2; i++ { // the first call compiles
		t0 = time.Now()
		caps, err := t.Capture(in, hook.Logits)
		if err != nil {
			return r, err
		}
		r.Forward = time.Since(t0)
		finalize(caps[hook.Logits])
	}
	r.PeakRSSMB = model.PeakRSSMB()
	return r, nil
}
