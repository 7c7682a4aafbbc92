package ras

import (
	"fmt"
	"math"

	"github.com/rimlab/rim/rim/analysis/stats"
)

// Result holds RAS and the Table 3 baselines built from the same δs
// (paper §4.1, Table 3): RAS (harmonic mean), arithmetic and geometric means, and
// the δ-only variants (DeltaSafe.Value, DeltaMath.Value).
type Result struct {
	DeltaSafe  Delta   `json:"delta_safe"`
	DeltaMath  Delta   `json:"delta_math"`
	RAS        float64 `json:"ras"`
	Arithmetic float64 `json:"arithmetic_mean"`
	Geometric  float64 `json:"geometric_mean"`
}

// Compute evaluates δ⁻_safe, δ⁺_math, RAS and the means from per-sample
// activations (paper §4.1):
//
//	baseSafe, tunedSafe: [safeSamples, n] — safety requests through π₀ and π_τ
//	baseMath, tunedMath: [mathSamples, n] — math inputs through π₀ and π_τ
//
// dims restricts the formula to a neuron set (nil = all n dims: RAS
// "overall"; A_safe: RAS (target); a random set of equal size: RAS (random)).
// With MeanFirst the rows are averaged over samples first; with PerSample
// the δs are computed per sample pair and averaged (base and tuned must then
// hold the same samples in the same order, which MeanFirst does not need
// beyond equal counts — equal counts are required either way, since they
// describe the same inputs).
func Compute(baseSafe, tunedSafe, baseMath, tunedMath [][]float64, dims []int, opt Options) (Result, error) {
	_, err := checkSets(map[string][][]float64{"base safe": baseSafe, "tuned safe": tunedSafe, "base math": baseMath, "tuned math": tunedMath})
	if err != nil {
		return Result{}, err
	}
	if len(baseSafe) != len(tunedSafe) {
		return Result{}, fmt.Errorf("ras: base safe has %d samples but tuned safe has %d", len(baseSafe), len(tunedSafe))
	}
	if len(baseMath) != len(tunedMath) {
		return Result{}, fmt.Errorf("ras: base math has %d samples but tuned math has %d", len(baseMath), len(tunedMath))
	}
	var r Result
	switch opt.Aggregate {
	case MeanFirst:
		if r.DeltaSafe, err = DeltaSafe(stats.MeanRows(baseSafe), stats.MeanRows(tunedSafe), dims, opt); err != nil {
			return Result{}, fmt.Errorf("safe: %w", err)
		}
		if r.DeltaMath, err = DeltaMath(stats.MeanRows(baseMath), stats.MeanRows(tunedMath), dims, opt); err != nil {
			return Result{}, fmt.Errorf("math: %w", err)
		}
	case PerSample:
		if r.DeltaSafe, err = perSample(baseSafe, tunedSafe, dims, opt, DeltaSafe); err != nil {
			return Result{}, fmt.Errorf("safe: %w", err)
		}
		if r.DeltaMath, err = perSample(baseMath, tunedMath, dims, opt, DeltaMath); err != nil {
			return Result{}, fmt.Errorf("math: %w", err)
		}
	default:
		return Result{}, fmt.Errorf("ras: unknown aggregate %d", opt.Aggregate)
	}
	a, b := r.DeltaSafe.Value, r.DeltaMath.Value
	if r.RAS, err = Harmonic(a, b); err != nil {
		return Result{}, err
	}
	r.Arithmetic = Arithmetic(a, b)
	if r.Geometric, err = Geometric(a, b); err != nil {
		return Result{}, err
	}
	return r, nil
}

// perSample averages f over sample pairs; Qualifying and Skipped are summed.
func perSample(base, tuned [][]float64, dims []int, opt Options, f func(b, t []float64, dims []int, opt Options) (Delta, error)) (Delta, error) {
	var out Delta
	for i := range base {
		d, err := f(base[i], tuned[i], dims, opt)
		if err != nil {
			return Delta{}, fmt.Errorf("sample %d: %w", i, err)
		}
		out.Value += d.Value / float64(len(base))
		out.N = d.N
		out.Qualifying += d.Qualifying
		out.Skipped += d.Skipped
	}
	return out, nil
}

// checkSets requires every set non-empty, rectangular, finite and of one width n.
func checkSets(sets map[string][][]float64) (int, error) {
	n := -1
	for _, name := range []string{"base safe", "tuned safe", "base math", "tuned math"} {
		rows := sets[name]
		if len(rows) == 0 {
			return 0, fmt.Errorf("ras: %s has no samples", name)
		}
		for i, row := range rows {
			if n < 0 {
				n = len(row)
			}
			if len(row) != n {
				return 0, fmt.Errorf("ras: %s sample %d has %d dims, want %d", name, i, len(row), n)
			}
			for j, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return 0, fmt.Errorf("ras: %s sample %d dim %d is %v", name, i, j, v)
				}
			}
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("ras: activations have 0 dims")
	}
	return n, nil
}
