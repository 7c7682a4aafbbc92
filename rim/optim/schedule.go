package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning-rate multiplier for an optimiser step, with the
// semantics of torch's LambdaLR as the Hugging Face Trainer drives it: update
// number k (0-based) uses lr = base * Factor(k), so with warmup the very first
// update runs at lr 0.
type Schedule struct {
	Kind        string  // "cosine" (default when empty), "linear" or "constant"
	WarmupSteps int     // linear warmup 0 → 1 over these steps
	TotalSteps  int     // num_training_steps
	NumCycles   float64 // cosine only; 0 means transformers' default 0.5 (half a cosine)
}

// WarmupSteps returns the number of warmup steps for a warmup ratio exactly as
// transformers.TrainingArguments.get_warmup_steps does: ceil(total * ratio).
func WarmupSteps(totalSteps int, ratio float64) int {
	return int(math.Ceil(float64(totalSteps) * ratio))
}

// Validate rejects schedules transformers would mis-handle silently.
func (s Schedule) Validate() error {
	switch s.Kind {
	case "", "cosine", "linear", "constant":
	default:
		return fmt.Errorf("optim: schedule kind %q: want cosine, linear or constant", s.Kind)
	}
	if s.WarmupSteps < 0 {
		return fmt.Errorf("optim: schedule: warmup steps %d < 0", s.WarmupSteps)
	}
	if s.TotalSteps < 1 && s.Kind != "constant" {
		return fmt.Errorf("optim: schedule: total steps %d must be >= 1", s.TotalSteps)
	}
	return nil
}

// Factor returns the multiplier for 0-based update k, transcribing
// transformers.optimization's lr lambdas (v4.51):
//
//	warmup (k < W):  k / max(1, W)
//	cosine:  max(0, 0.5*(1 + cos(pi * cycles * 2 * (k-W)/max(1, T-W))))
//	linear:  max(0, (T-k) / max(1, T-W))
//	constant (with warmup): 1
func (s Schedule) Factor(k int) float64 {
	if k < s.WarmupSteps {
		return float64(k) / float64(max(1, s.WarmupSteps))
	}
	switch s.Kind {
	case "constant":
		return 1
	case "linear":
		return math.Max(0, float64(s.TotalSteps-k)/float64(max(1, s.TotalSteps-s.WarmupSteps)))
	}
	cycles := s.NumCycles
	if cycles == 0 {
		cycles = 0.5
	}
	progress := float64(k-s.WarmupSteps) / float64(max(1, s.TotalSteps-s.WarmupSteps))
	return math.Max(0, 0.5*(1+math.Cos(math.Pi*cycles*2*progress)))
}
