package probe

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/rimlab/rim/rim/data"
)

// CV is a k-fold cross-validation result.
type CV struct {
	Accuracy float64   `json:"accuracy"` // mean of the fold accuracies
	Folds    []float64 `json:"folds"`
}

// CrossValidate returns the stratified k-fold accuracy of fit on pos and neg
// (the paper reports 5-fold CV accuracy 0.923 / 0.929 for its probes, paper §3.1,
// B.1). Each class is shuffled with seed and dealt round-robin into k folds;
// fold i is held out while the rest trains. A class with fewer than k
// samples is an error.
func CrossValidate(pos, neg [][]float64, k int, seed uint64, fit FitFunc) (CV, error) {
	if k < 2 {
		return CV{}, fmt.Errorf("probe: cv: %d folds, need at least 2", k)
	}
	if len(pos) < k {
		return CV{}, fmt.Errorf("probe: cv: positive class has %d samples, fewer than %d folds", len(pos), k)
	}
	if len(neg) < k {
		return CV{}, fmt.Errorf("probe: cv: negative class has %d samples, fewer than %d folds", len(neg), k)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	fp, fn := deal(len(pos), k, rng), deal(len(neg), k, rng)
	var cv CV
	for f := range k {
		trP, teP := pick(pos, fp, f)
		trN, teN := pick(neg, fn, f)
		c, err := fit(trP, trN)
		if err != nil {
			return CV{}, fmt.Errorf("probe: cv fold %d: %w", f, err)
		}
		acc := Accuracy(c, teP, teN)
		cv.Folds = append(cv.Folds, acc)
		cv.Accuracy += acc / float64(k)
	}
	return cv, nil
}

// deal assigns a fold to each of n shuffled items.
func deal(n, k int, rng *rand.Rand) []int {
	perm := rng.Perm(n)
	fold := make([]int, n)
	for i, p := range perm {
		fold[p] = i % k
	}
	return fold
}

func pick(rows [][]float64, fold []int, f int) (train, test [][]float64) {
	for i, r := range rows {
		if fold[i] == f {
			test = append(test, r)
		} else {
			train = append(train, r)
		}
	}
	return train, test
}

// Split returns a seeded random train/test split of n indices with
// round(trainFrac·n) in train (the paper uses 6:4, trainFrac = 0.6, paper §3.1).
// Both index lists are sorted. It ignores classes; for labelled samples use
// StratifiedSplit (as rim analyze probe does).
func Split(n int, trainFrac float64, seed uint64) (train, test []int, err error) {
	if !(trainFrac > 0 && trainFrac < 1) {
		return nil, nil, fmt.Errorf("probe: train fraction %v not in (0, 1)", trainFrac)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	perm := rng.Perm(n)
	nt := int(float64(n)*trainFrac + 0.5)
	in := make([]bool, n)
	for _, i := range perm[:nt] {
		in[i] = true
	}
	for i := range n {
		if in[i] {
			train = append(train, i)
		} else {
			test = append(test, i)
		}
	}
	return train, test, nil
}

// StratifiedSplit splits sample indices train:test = trainFrac:(1−trainFrac)
// within each class (positive[i]), so both halves keep the class balance:
// the paper's 6:4 probe split over 300 harmful + 300 harmless prompts
// (docs/paper.md §6.1) is per class, as data.ProbeSet builds it. It reuses
// data.SplitFrac (seeded shuffle, round(frac·n) first items) per class
// rather than a second shuffle implementation; positives use seed, negatives
// seed+1. Indices come back ascending.
func StratifiedSplit(positive []bool, trainFrac float64, seed uint64) (train, test []int, err error) {
	if !(trainFrac > 0 && trainFrac < 1) {
		return nil, nil, fmt.Errorf("probe: train fraction %v not in (0, 1)", trainFrac)
	}
	var byClass [2][]int // 0: positive, 1: negative
	for i, p := range positive {
		if p {
			byClass[0] = append(byClass[0], i)
		} else {
			byClass[1] = append(byClass[1], i)
		}
	}
	for c, idx := range byClass {
		tr, te, err := data.SplitFrac(idx, trainFrac, seed+uint64(c))
		if err != nil {
			return nil, nil, err
		}
		train, test = append(train, tr...), append(test, te...)
	}
	sort.Ints(train)
	sort.Ints(test)
	return train, test, nil
}
