// Package stats holds the correlation statistics the paper reports between
// forgetting metrics and the misalignment rate (paper §4.1, Table 3, Fig 8;
// docs/paper.md §8.3–§8.4): Pearson r with its two-sided t-test
// p-value and Spearman ρ, built on gonum.
package stats

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Correlation is a correlation coefficient with its two-sided p-value.
type Correlation struct {
	R float64 `json:"r"` // Pearson r or Spearman ρ
	P float64 `json:"p"` // two-sided p-value of H0: no correlation
	N int     `json:"n"` // number of pairs
}

// checkPairs validates paired samples: equal lengths, at least 3 pairs (df ≥ 1),
// all values finite, neither side constant.
func checkPairs(x, y []float64) error {
	if len(x) != len(y) {
		return fmt.Errorf("stats: x has %d values but y has %d", len(x), len(y))
	}
	if len(x) < 3 {
		return fmt.Errorf("stats: correlation needs at least 3 pairs, got %d", len(x))
	}
	for i := range x {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) {
			return fmt.Errorf("stats: x[%d] is %v", i, x[i])
		}
		if math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			return fmt.Errorf("stats: y[%d] is %v", i, y[i])
		}
	}
	if Constant(x) {
		return fmt.Errorf("stats: x is constant (%v): correlation undefined", x[0])
	}
	if Constant(y) {
		return fmt.Errorf("stats: y is constant (%v): correlation undefined", y[0])
	}
	return nil
}

// Constant reports whether every value of v equals the first (a series with no variance, whose correlation
// is undefined; a NaN is never equal, and is reported by checkPairs instead). v must not be empty.
func Constant(v []float64) bool {
	for _, a := range v[1:] {
		if a != v[0] {
			return false
		}
	}
	return true
}

// Pearson returns Pearson's r between x and y and the two-sided p-value of
// the t-test used by the paper (Table 3, Fig 8; α = 0.05):
//
//	t = r·sqrt((n−2)/(1−r²)),  p = 2·(1 − F_t(|t|; df = n−2))
//
// This is scipy.stats.pearsonr's p-value. Golden test: the Fig 8 points give
// r = 0.891, p = 0.003 (docs/paper.md §8.4).
func Pearson(x, y []float64) (Correlation, error) {
	if err := checkPairs(x, y); err != nil {
		return Correlation{}, err
	}
	r := stat.Correlation(x, y, nil)
	// Rounding can push |r| a hair above 1 for perfectly collinear data.
	r = math.Max(-1, math.Min(1, r))
	return Correlation{R: r, P: PValue(r, len(x)), N: len(x)}, nil
}

// PValue is the two-sided p-value of a correlation coefficient r over n pairs
// under the Student t approximation with df = n−2 (docs/paper.md §8.3):
// t = r·sqrt((n−2)/(1−r²)), p = 2·P(T > |t|). |r| = 1 gives p = 0.
// It returns NaN when n < 3.
func PValue(r float64, n int) float64 {
	if n < 3 || math.IsNaN(r) {
		return math.NaN()
	}
	if math.Abs(r) >= 1 {
		return 0
	}
	df := float64(n - 2)
	t := math.Abs(r) * math.Sqrt(df/(1-r*r))
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(t)
}

// Spearman returns Spearman's ρ (Pearson r of the ranks, ties given their
// average rank) and the two-sided p-value from the same t approximation with
// df = n−2, as scipy.stats.spearmanr computes it. gonum has no Spearman, so
// the ranking is done here and the correlation by gonum.
func Spearman(x, y []float64) (Correlation, error) {
	if err := checkPairs(x, y); err != nil {
		return Correlation{}, err
	}
	rx, ry := Ranks(x), Ranks(y)
	r := stat.Correlation(rx, ry, nil)
	r = math.Max(-1, math.Min(1, r))
	return Correlation{R: r, P: PValue(r, len(x)), N: len(x)}, nil
}

// Ranks returns the 1-based ranks of v, ties receiving the average of the
// ranks they span (scipy's "average" method).
func Ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	ranks := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			ranks[idx[k]] = avg
		}
		i = j + 1
	}
	return ranks
}

// Mean is the arithmetic mean of v; it errors on an empty slice or a
// non-finite value so that a NaN never reaches a reported average.
func Mean(v []float64) (float64, error) {
	if len(v) == 0 {
		return 0, fmt.Errorf("stats: mean of no values")
	}
	for i, a := range v {
		if math.IsNaN(a) || math.IsInf(a, 0) {
			return 0, fmt.Errorf("stats: value %d is %v", i, a)
		}
	}
	return stat.Mean(v, nil), nil
}

// MeanRows averages rows [samples, n] over samples → [n] (nil for no rows).
// It is the shared column mean of the probes (class means) and RAS (sample
// aggregation); rows must have equal lengths (callers check).
func MeanRows(rows [][]float64) []float64 {
	if len(rows) == 0 {
		return nil
	}
	out := make([]float64, len(rows[0]))
	for _, r := range rows {
		for j, v := range r {
			out[j] += v
		}
	}
	for j := range out {
		out[j] /= float64(len(rows))
	}
	return out
}
