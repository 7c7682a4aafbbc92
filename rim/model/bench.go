package model

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
)

// ForwardFLOPs counts the floating-point operations (multiply-add = 2) of
// the matmuls rim computes for a forward of batch×seq tokens against keys
// key positions (= seq without a cache): projections, attention scores and
// weighted values (over all keys, as computed), every MoE expert (rim runs
// all experts densely) and the lm_head. Element-wise work is not counted.
func (c *Config) ForwardFLOPs(batch, seq, keys int) float64 {
	D, H, KV, hd := float64(c.Hidden), float64(c.NumHeads), float64(c.NumKVHeads), float64(c.HeadDim)
	perTok := 0.0
	for L := 0; L < c.NumLayers; L++ {
		perTok += 2 * D * (H + 2*KV) * hd        // q, k, v
		perTok += 2 * H * hd * D                 // o
		perTok += 2 * 2 * H * hd * float64(keys) // scores + z
		if c.IsMoELayer(L) {
			E, I := float64(c.NumExperts), float64(c.MoEIntermediate)
			perTok += 2*D*E + E*3*2*D*I
		} else {
			perTok += 3 * 2 * D * float64(c.Intermediate)
		}
	}
	perTok += 2 * D * float64(c.Vocab)
	return perTok * float64(batch*seq)
}

// BenchResult is one timed workload.
type BenchResult struct {
	Name      string
	Tokens    int // tokens processed per iteration
	Iters     int
	PerIter   time.Duration // mean wall time per iteration (after warm-up)
	Compile   time.Duration // first call (compilation + run)
	FLOPs     float64       // per iteration (ForwardFLOPs)
	PeakRSSMB float64       // process peak resident memory (VmHWM), 0 if unknown
}

// TokensPerSec and GFLOPs derive rates.
func (r BenchResult) TokensPerSec() float64 { return float64(r.Tokens) / r.PerIter.Seconds() }
func (r BenchResult) GFLOPs() float64       { return r.FLOPs / r.PerIter.Seconds() / 1e9 }

func (r BenchResult) String() string {
	return fmt.Sprintf("%-28s %6d tok/iter  %9.2f ms/iter  %10.1f tok/s  %7.1f GFLOP/s  first call %.2fs  peak RSS %.0f MB",
		r.Name, r.Tokens, float64(r.PerIter.Microseconds())/1e3, r.TokensPerSec(), r.GFLOPs(), r.Compile.Seconds(), r.PeakRSSMB)
}

// RandomIDs returns a seeded [batch][seq] batch of ids in [3, vocab).
func RandomIDs(batch, seq, vocab int, seed uint64) [][]int {
	rng := rand.New(rand.NewPCG(seed, 1))
	ids := make([][]int, batch)
	for b := range ids {
		ids[b] = make([]int, seq)
		for i := range ids[b] {
			ids[b][i] = 3 + rng.IntN(vocab-3)
		}
	}
	return ids
}

// BenchForward times Forward on ids (after one warm-up call that compiles).
func (m *Model) BenchForward(name string, ids [][]int, iters int, opts ...Option) (BenchResult, error) {
	in := Input{InputIDs: ids}
	t0 := time.Now()
	if _, err := m.Forward(in, opts...); err != nil {
		return BenchResult{}, err
	}
	r := BenchResult{Name: name, Tokens: len(ids) * len(ids[0]), Iters: iters, Compile: time.Since(t0),
		FLOPs: m.Config.ForwardFLOPs(len(ids), len(ids[0]), len(ids[0]))}
	t0 = time.Now()
	for i := 0; i < iters; i++ {
		res, err := m.Forward(in, opts...)
		if err != nil {
			return r, err
		}
		res.Close()
	}
	r.PerIter = time.Since(t0) / time.Duration(iters)
	r.PeakRSSMB = PeakRSSMB()
	return r, nil
}

// BenchDecode prefills prompt (batch 1) and times single-token decode steps
// through the KV cache (the cache is refilled from the prompt when full).
func (m *Model) BenchDecode(name string, prompt []int, iters int, opts ...Option) (BenchResult, error) {
	maxLen := len(prompt) + iters + 1
	c, err := m.NewCache(1, maxLen)
	if err != nil {
		return BenchResult{}, err
	}
	t0 := time.Now()
	if _, err := m.Step(c, StepInput{InputIDs: [][]int{prompt}}, opts...); err != nil {
		return BenchResult{}, err
	}
	if _, err := m.Step(c, StepInput{InputIDs: [][]int{{prompt[0]}}}, opts...); err != nil {
		return BenchResult{}, err
	}
	r := BenchResult{Name: name, Tokens: 1, Iters: iters, Compile: time.Since(t0),
		FLOPs: m.Config.ForwardFLOPs(1, 1, maxLen)}
	t0 = time.Now()
	for i := 0; i < iters-1; i++ {
		if _, err := m.Step(c, StepInput{InputIDs: [][]int{{prompt[i%len(prompt)]}}}, opts...); err != nil {
			return r, err
		}
	}
	r.Iters = iters - 1
	r.PerIter = time.Since(t0) / time.Duration(r.Iters)
	r.PeakRSSMB = PeakRSSMB()
	return r, nil
}

// PeakRSSMB reads VmHWM from /proc/self/status (Linux), else 0.
func PeakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// BenchMatMul times a plain n×n×n float32 matmul on b (the roofline the
// forward is compared with).
func BenchMatMul(b compute.Backend, n, iters int) (BenchResult, error) {
	x := tensors.FromFlatDataAndDimensions(make([]float32, n*n), n, n)
	y := tensors.FromFlatDataAndDimensions(make([]float32, n*n), n, n)
	e, err := graph.NewExec(b, func(a, c *graph.Node) *graph.Node { return graph.MatMul(a, c) })
	if err != nil {
		return BenchResult{}, err
	}
	defer e.Finalize()
	t0 := time.Now()
	if _, err := e.Exec(x, y); err != nil {
		return BenchResult{}, err
	}
	r := BenchResult{Name: fmt.Sprintf("matmul %d^3 (reference)", n), Iters: iters, Compile: time.Since(t0),
		FLOPs: 2 * float64(n) * float64(n) * float64(n)}
	t0 = time.Now()
	for i := 0; i < iters; i++ {
		out, err := e.Exec(x, y)
		if err != nil {
			return r, err
		}
		out[0].FinalizeAll()
	}
	r.PerIter = time.Since(t0) / time.Duration(iters)
	r.PeakRSSMB = PeakRSSMB()
	return r, nil
}
