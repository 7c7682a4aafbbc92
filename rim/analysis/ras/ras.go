// Package ras computes the Reciprocal Activation Shift and its baselines
// (paper §4.1, Fig 7, Table 3; docs/paper.md §8.1).
//
// With base model π₀, fine-tuned model π_τ and activation vectors a ∈ ℝⁿ
// recorded on safety requests and on math requests, the paper prints
//
//	δ⁻_safe = (1/n) Σ_j [(a^safe_{π0,j} − a^safe_{πτ,j}) / a^safe_{πτ,j}] · a^safe_{π0,j}   for j with a^safe_{π0,j} > a^safe_{πτ,j}
//	δ⁺_math = (1/n) Σ_j [(a^math_{πτ,j} − a^math_{π0,j}) / a^math_{π0,j}] · a^math_{πτ,j}   for j with a^math_{πτ,j} > a^math_{π0,j}
//	RAS     = 2·δ⁻_safe·δ⁺_math / (δ⁻_safe + δ⁺_math)
//
// Both δs are the same "shift" of a pair (hi, lo) with hi > lo:
// (hi − lo)/lo · hi, summed over the qualifying dims — with hi = base,
// lo = tuned for safety (shrinking dims) and hi = tuned, lo = base for math
// (growing dims). Ambiguities and the defaults chosen (docs/analysis.md):
// the normaliser (Norm), non-positive denominators (Guard), and whether
// samples are averaged before the formula (Aggregate).
package ras

import (
	"fmt"
	"math"
)

// Norm chooses the 1/n normaliser of δ (docs/paper.md §8.1 ambiguity 1).
type Norm int

const (
	// NormAll divides by n = all dims in the set; non-qualifying dims add 0
	// (the formula as printed; default).
	NormAll Norm = iota
	// NormQualifying divides by the number of qualifying dims (those that
	// shrink for safety / grow for math and pass the guard).
	NormQualifying
)

// Guard chooses what happens when the denominator lo of a qualifying dim is
// ≤ Eps (zero or negative activations, e.g. SwiGLU; docs/paper.md §8.1 ambiguity 3 —
// the paper does not handle it).
type Guard int

const (
	// GuardSkip drops such dims: they add 0 (still counted by NormAll) and
	// are reported in Delta.Skipped. Default. Identical to the printed
	// formula whenever all activations are positive.
	GuardSkip Guard = iota
	// GuardAbs divides by max(|lo|, Eps) instead of lo.
	GuardAbs
	// GuardError fails, naming the first such dim.
	GuardError
	// GuardNone applies the formula literally; a non-finite result is an error.
	GuardNone
)

// Aggregate chooses how per-sample activations are combined (docs/paper.md §8.1
// ambiguity 2).
type Aggregate int

const (
	// MeanFirst averages the activation vectors over samples, then applies
	// the formula once (default; the fixed `rim analyze ras` form).
	MeanFirst Aggregate = iota
	// PerSample applies the formula to each sample (safety sample i of base
	// vs safety sample i of the tuned model, same for math) and averages the δs.
	PerSample
)

// Options selects among the readings of the formula. The zero value is the
// default: NormAll, GuardSkip, MeanFirst, Eps = DefaultEps.
type Options struct {
	Norm      Norm
	Guard     Guard
	Aggregate Aggregate
	Eps       float64 // denominators ≤ Eps are guarded; 0 means DefaultEps
}

// DefaultEps is the guard threshold used when Options.Eps is 0.
const DefaultEps = 1e-8

func (o Options) eps() float64 {
	if o.Eps == 0 {
		return DefaultEps
	}
	return o.Eps
}

// Delta is one δ with its bookkeeping.
type Delta struct {
	Value      float64 `json:"value"`
	N          int     `json:"n"`          // dims in the set
	Qualifying int     `json:"qualifying"` // dims with hi > lo that entered the sum
	Skipped    int     `json:"skipped"`    // dims with hi > lo dropped by GuardSkip
}

// Shift is the common body of δ⁻_safe and δ⁺_math (paper §4.1):
//
//	(1/n) Σ_{j ∈ dims, hi_j > lo_j} (hi_j − lo_j)/lo_j · hi_j
//
// over dims (nil = all of 0..len(hi)−1), with the normaliser and guard of opt.
func Shift(hi, lo []float64, dims []int, opt Options) (Delta, error) {
	if len(hi) != len(lo) {
		return Delta{}, fmt.Errorf("ras: vectors have %d and %d dims", len(hi), len(lo))
	}
	if dims == nil {
		dims = make([]int, len(hi))
		for i := range dims {
			dims[i] = i
		}
	}
	if len(dims) == 0 {
		return Delta{}, fmt.Errorf("ras: empty dim set")
	}
	eps := opt.eps()
	d := Delta{N: len(dims)}
	var sum float64
	for _, j := range dims {
		if j < 0 || j >= len(hi) {
			return Delta{}, fmt.Errorf("ras: dim %d out of range [0, %d)", j, len(hi))
		}
		h, l := hi[j], lo[j]
		if math.IsNaN(h) || math.IsNaN(l) || math.IsInf(h, 0) || math.IsInf(l, 0) {
			return Delta{}, fmt.Errorf("ras: dim %d has a non-finite activation (%v, %v)", j, h, l)
		}
		if !(h > l) {
			continue
		}
		den := l
		if den <= eps {
			switch opt.Guard {
			case GuardSkip:
				d.Skipped++
				continue
			case GuardAbs:
				den = math.Max(math.Abs(l), eps)
			case GuardError:
				return Delta{}, fmt.Errorf("ras: dim %d: denominator activation %g ≤ %g (choose another guard)", j, l, eps)
			case GuardNone:
			default:
				return Delta{}, fmt.Errorf("ras: unknown guard %d", opt.Guard)
			}
		}
		sum += (h - l) / den * h
		d.Qualifying++
	}
	switch opt.Norm {
	case NormAll:
		d.Value = sum / float64(d.N)
	case NormQualifying:
		if d.Qualifying > 0 {
			d.Value = sum / float64(d.Qualifying)
		}
	default:
		return Delta{}, fmt.Errorf("ras: unknown norm %d", opt.Norm)
	}
	if math.IsNaN(d.Value) || math.IsInf(d.Value, 0) {
		return Delta{}, fmt.Errorf("ras: δ is %v (a zero denominator with guard none)", d.Value)
	}
	return d, nil
}

// DeltaSafe is δ⁻_safe (paper §4.1): relative shrinkage of safety activations,
// weighted by the base activation, over dims where base > tuned.
func DeltaSafe(base, tuned []float64, dims []int, opt Options) (Delta, error) {
	return Shift(base, tuned, dims, opt)
}

// DeltaMath is δ⁺_math (paper §4.1): relative growth of math activations,
// weighted by the fine-tuned activation, over dims where tuned > base.
func DeltaMath(base, tuned []float64, dims []int, opt Options) (Delta, error) {
	return Shift(tuned, base, dims, opt)
}

func checkNonNeg(a, b float64) error {
	if a < 0 {
		return fmt.Errorf("ras: δ⁻_safe = %g is negative (negative activations under guard abs/none); the means need δ ≥ 0", a)
	}
	if b < 0 {
		return fmt.Errorf("ras: δ⁺_math = %g is negative (negative activations under guard abs/none); the means need δ ≥ 0", b)
	}
	return nil
}

// Harmonic is RAS = 2ab/(a+b) (paper §4.1), defined as 0 when a = b = 0 (nothing
// shrank and nothing grew). a, b must be ≥ 0.
func Harmonic(a, b float64) (float64, error) {
	if err := checkNonNeg(a, b); err != nil {
		return 0, err
	}
	if a+b == 0 {
		return 0, nil
	}
	return 2 * a * b / (a + b), nil
}

// Arithmetic is the Table 3 baseline (a+b)/2.
func Arithmetic(a, b float64) float64 { return (a + b) / 2 }

// Geometric is the Table 3 baseline sqrt(a·b); a, b must be ≥ 0.
func Geometric(a, b float64) (float64, error) {
	if err := checkNonNeg(a, b); err != nil {
		return 0, err
	}
	return math.Sqrt(a * b), nil
}
