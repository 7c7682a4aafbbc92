// Package probe implements the paper's steering-vector probes by token region
// (paper §3.1 and App. B.1; docs/paper.md §6.1), their 5-fold
// cross-validated accuracy, and — as an extension that is NOT the paper's
// method — an L2-regularised logistic-regression probe (logistic.go).
//
// For one layer l with N positive and N negative training activations x:
//
//	d⁺ˡ  = (1/N) Σ_j (x^{l,j,+} − x^{l,j,−})              steering vector (mean difference)
//	sˡ(y) = y · d⁺ˡ                                        raw dot product, no normalisation
//	τˡ   = (1/2N) Σ_j (sˡ(x^{l,j,+}) + sˡ(x^{l,j,−}))      threshold = mean of class means
//	score(group, l) = |{y ∈ group_test : sˡ(y) > τˡ}| / |group_test|
//
// With unequal class sizes (the refusal probe: ~21 "fulfill" samples in
// no-think mode) the paired formulas are read as their class-mean forms,
// d = mean(x⁺) − mean(x⁻) and τ = (mean s(x⁺) + mean s(x⁻))/2, which equal
// the printed ones when the counts are equal.
package probe

import (
	"fmt"
	"math"

	"github.com/rimlab/rim/rim/analysis/stats"
)

// Classifier is a fitted binary probe: Positive reports whether x falls on
// the positive side.
type Classifier interface {
	Positive(x []float64) bool
}

// FitFunc fits a classifier on positive and negative rows [samples, d].
type FitFunc func(pos, neg [][]float64) (Classifier, error)

// Steering is the paper's probe for one layer (paper §3.1).
type Steering struct {
	Direction []float64 `json:"-"`         // d⁺ = mean(x⁺) − mean(x⁻), [d]
	Threshold float64   `json:"threshold"` // τ = (mean s(x⁺) + mean s(x⁻)) / 2
	PosMean   float64   `json:"pos_mean"`  // mean training score of the positive class
	NegMean   float64   `json:"neg_mean"`  // mean training score of the negative class
}

// checkRows validates a class: non-empty, all rows of width d, finite.
func checkRows(name string, rows [][]float64, d int) (int, error) {
	if len(rows) == 0 {
		return 0, fmt.Errorf("probe: no %s samples", name)
	}
	if d < 0 {
		d = len(rows[0])
	}
	if d == 0 {
		return 0, fmt.Errorf("probe: %s samples have 0 dims", name)
	}
	for i, r := range rows {
		if len(r) != d {
			return 0, fmt.Errorf("probe: %s sample %d has %d dims, want %d", name, i, len(r), d)
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("probe: %s sample %d dim %d is %v", name, i, j, v)
			}
		}
	}
	return d, nil
}

// FitSteering fits the paper's steering-vector probe (paper §3.1) on positive and
// negative activations [samples, d] of one layer and token region.
func FitSteering(pos, neg [][]float64) (*Steering, error) {
	d, err := checkRows("positive", pos, -1)
	if err != nil {
		return nil, err
	}
	if _, err := checkRows("negative", neg, d); err != nil {
		return nil, err
	}
	mp, mn := stats.MeanRows(pos), stats.MeanRows(neg)
	dir := make([]float64, d)
	for j := range dir {
		dir[j] = mp[j] - mn[j]
	}
	p := &Steering{Direction: dir}
	for _, x := range pos {
		p.PosMean += p.Score(x)
	}
	for _, x := range neg {
		p.NegMean += p.Score(x)
	}
	p.PosMean /= float64(len(pos))
	p.NegMean /= float64(len(neg))
	p.Threshold = (p.PosMean + p.NegMean) / 2
	return p, nil
}

// Score is sˡ(y) = y · d⁺ˡ, the raw dot product (paper §3.1).
func (p *Steering) Score(y []float64) float64 {
	var s float64
	for j, v := range y {
		s += v * p.Direction[j]
	}
	return s
}

// Positive reports s(y) > τ (strictly, as the paper's "above threshold").
func (p *Steering) Positive(y []float64) bool { return p.Score(y) > p.Threshold }

// SteeringFit adapts FitSteering to FitFunc.
func SteeringFit(pos, neg [][]float64) (Classifier, error) { return FitSteering(pos, neg) }

// GroupScore is the dataset-level probe score (paper §3.1, Fig 3): the fraction of
// a group's test samples [samples, d] on the positive side. An empty group
// is an error naming it (the paper's no-think "fulfill" group had only ~21).
func GroupScore(c Classifier, name string, group [][]float64) (float64, error) {
	if len(group) == 0 {
		return 0, fmt.Errorf("probe: group %q has no test samples", name)
	}
	n := 0
	for _, y := range group {
		if c.Positive(y) {
			n++
		}
	}
	return float64(n) / float64(len(group)), nil
}

// Accuracy is the fraction of pos on the positive side plus neg on the
// negative side, over all of them.
func Accuracy(c Classifier, pos, neg [][]float64) float64 {
	ok := 0
	for _, y := range pos {
		if c.Positive(y) {
			ok++
		}
	}
	for _, y := range neg {
		if !c.Positive(y) {
			ok++
		}
	}
	return float64(ok) / float64(len(pos)+len(neg))
}
