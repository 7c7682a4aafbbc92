package generate

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rimlab/rim/rim/modeltest"
)

// BenchModelSpec is rim's generation benchmark model: Qwen3-shaped,
// ~42M parameters (8 layers, hidden 512, 8 heads, 4 KV heads, head_dim 64,
// intermediate 1536, vocab 32000, tied embeddings), random weights.
var BenchModelSpec = modeltest.Spec{ModelType: "qwen3", Vocab: 32000, Hidden: 512, Layers: 8, Heads: 8, KVHeads: 4,
	HeadDim: 64, Intermediate: 1536, Tied: true, Seed: 7}

// BenchResult is one generation benchmark.
type BenchResult struct {
	Batch, PromptLen, NewTokens int
	// Prefill is the prefill time; Decode the time of the decoding steps
	// (sampling included) that follow it.
	Prefill, Decode time.Duration
	// TokensPerSec is Batch*NewTokens over Prefill+Decode; DecodeTokensPerSec
	// counts only the decode steps (Batch*(NewTokens-1) tokens, as the first
	// new token comes from the prefill).
	TokensPerSec, DecodeTokensPerSec float64
	// FirstRow are the greedy tokens generated for the first prompt (to
	// check that another framework timed the same work).
	FirstRow []int
}

func (r BenchResult) String() string {
	return fmt.Sprintf("batch %d, prompt %d, %d new tokens: prefill %v, decode %v, %.1f tokens/s overall, %.1f tokens/s decoding",
		r.Batch, r.PromptLen, r.NewTokens, r.Prefill.Round(time.Millisecond), r.Decode.Round(time.Millisecond), r.TokensPerSec, r.DecodeTokensPerSec)
}

// timedStepper measures the time spent before and after the prefill.
type timedStepper struct {
	Stepper
	start, prefilled time.Time
}

func (t *timedStepper) Prefill(ids, mask [][]int, capacity int) ([][]float32, error) {
	t.start = time.Now()
	l, err := t.Stepper.Prefill(ids, mask, capacity)
	t.prefilled = time.Now()
	return l, err
}

// BenchPrompts returns batch random prompts of promptLen ids in [lo, hi).
func BenchPrompts(batch, promptLen, lo, hi int, seed uint64) [][]int {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]int, batch)
	for i := range out {
		out[i] = make([]int, promptLen)
		for j := range out[i] {
			out[i][j] = lo + r.IntN(hi-lo)
		}
	}
	return out
}

// Benchmark generates exactly newTokens greedy tokens for every prompt (no
// EOS, no stop strings), once to compile and warm up and once timed.
func Benchmark(s Stepper, dec Decoder, prompts [][]int, newTokens int) (BenchResult, error) {
	ts := &timedStepper{Stepper: s}
	opt := Options{MaxNewTokens: newTokens}
	var outs []Output
	for range 2 {
		var err error
		if outs, err = Run(ts, dec, prompts, opt); err != nil {
			return BenchResult{}, err
		}
	}
	end := time.Now()
	T := 0
	for _, p := range prompts {
		T = max(T, len(p))
	}
	r := BenchResult{Batch: len(prompts), PromptLen: T, NewTokens: newTokens,
		Prefill: ts.prefilled.Sub(ts.start), Decode: end.Sub(ts.prefilled), FirstRow: outs[0].IDs}
	r.TokensPerSec = float64(r.Batch*newTokens) / end.Sub(ts.start).Seconds()
	if newTokens > 1 {
		r.DecodeTokensPerSec = float64(r.Batch*(newTokens-1)) / r.Decode.Seconds()
	}
	return r, nil
}
