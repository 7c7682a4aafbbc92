package data

import (
	"fmt"
	"math/rand/v2"
)

// Permutation returns a deterministic permutation of 0..n-1 for seed
// (PCG seeded with (seed, n), Fisher–Yates). The same (n, seed) gives the
// same order on every platform and Go version that keeps math/rand/v2's PCG.
func Permutation(n int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// Shuffled returns a seeded shuffled copy of xs.
func Shuffled[T any](xs []T, seed uint64) []T {
	out := make([]T, len(xs))
	for i, j := range Permutation(len(xs), seed) {
		out[i] = xs[j]
	}
	return out
}

// SplitFrac shuffles xs with seed and returns the first round(frac·n) items
// as train and the rest as test. The paper's probe split is 6:4 (frac 0.6,
// docs/paper.md §6.1).
func SplitFrac[T any](xs []T, frac float64, seed uint64) (train, test []T, err error) {
	if frac < 0 || frac > 1 || frac != frac {
		return nil, nil, fmt.Errorf("data: split fraction %v is outside [0, 1]", frac)
	}
	s := Shuffled(xs, seed)
	k := int(frac*float64(len(xs)) + 0.5)
	return s[:k], s[k:], nil
}

// Sample returns n items of xs chosen without replacement by seed, in the
// shuffled order. Asking for more items than xs holds is an error.
func Sample[T any](xs []T, n int, seed uint64) ([]T, error) {
	if n < 0 || n > len(xs) {
		return nil, fmt.Errorf("data: cannot sample %d of %d items", n, len(xs))
	}
	return Shuffled(xs, seed)[:n], nil
}

// Labeled is a prompt with a binary class (the harmful-vs-harmless probe).
type Labeled struct {
	Prompt
	Harmful bool `json:"harmful"`
}

// ProbeSet builds the paper's probe data (docs/paper.md §3.1, §6.1): n harmful and n
// harmless prompts (300 + 300 in the paper: HEx-PHI and Alpaca), each sampled
// with seed, then shuffled together and split train:test = frac:(1−frac)
// (0.6 in the paper) stratified by class, so both halves keep the balance.
func ProbeSet(harmful, harmless []Prompt, n int, frac float64, seed uint64) (train, test []Labeled, err error) {
	h, err := Sample(harmful, n, seed)
	if err != nil {
		return nil, nil, fmt.Errorf("data: probe set harmful: %w", err)
	}
	b, err := Sample(harmless, n, seed+1)
	if err != nil {
		return nil, nil, fmt.Errorf("data: probe set harmless: %w", err)
	}
	for i, group := range [][]Prompt{h, b} {
		tr, te, err := SplitFrac(group, frac, seed+2)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range tr {
			train = append(train, Labeled{p, i == 0})
		}
		for _, p := range te {
			test = append(test, Labeled{p, i == 0})
		}
	}
	return Shuffled(train, seed+3), Shuffled(test, seed+4), nil
}
