package verify

import (
	"fmt"
	"math"
)

// tol is |a-b| <= Abs + Rel·|b|.
type tol struct{ Abs, Rel float64 }

func (t tol) String() string {
	if t.Rel == 0 {
		return fmt.Sprintf("%.0e", t.Abs)
	}
	return fmt.Sprintf("%.0e+%.0e|b|", t.Abs, t.Rel)
}

// Tolerances suggested by shared/fixtures/hf-tiny/README.md for float32.
var (
	tolActs  = tol{1e-4, 1e-4} // logits, hidden states, MLP/MoE activations, router logits, step logits
	tolProbs = tol{2e-5, 0}    // attention probabilities, router probabilities, routing weights
	tolLoss  = tol{1e-5, 0}
	tolGrad  = tol{2e-5, 1e-3}
)

// cmpResult is one compared tensor.
type cmpResult struct {
	MaxDiff float64
	Bad     int // elements outside tolerance
	N       int // elements compared
}

// compareRows compares got and want ([rows, width] flattened) on rows where keep(row).
func compareRows(got, want []float32, width int, keep func(row int) bool, t tol) cmpResult {
	var r cmpResult
	if len(got) != len(want) {
		r.Bad = -1
		return r
	}
	for i := range want {
		if keep != nil && !keep(i/width) {
			continue
		}
		a, b := float64(got[i]), float64(want[i])
		d := math.Abs(a - b)
		r.N++
		r.MaxDiff = worse(r.MaxDiff, d)
		if !(d <= t.Abs+t.Rel*math.Abs(b)) {
			r.Bad++
		}
	}
	return r
}

// worse is the running max |diff|; a NaN (NaN output or reference) sticks,
// so the report prints NaN (and FAIL, as NaN is within no tolerance)
// instead of a misleading +Inf or a finite max.
func worse(max, d float64) float64 {
	if math.IsNaN(max) || math.IsNaN(d) {
		return math.NaN()
	}
	return math.Max(max, d)
}
