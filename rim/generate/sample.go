package generate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Sampling selects the next token from a row of logits [vocab].
//
// Temperature 0 is greedy decoding (argmax, first index on ties; the paper's
// setting, docs/paper.md §4.3); TopK and TopP are then ignored. Otherwise the
// logits go through Hugging Face's logits-processor order — temperature,
// then top-k, then top-p — and a token is drawn from the softmax of what is
// left:
//
//	temperature: x ← x / T
//	top-k:       remove x_i < (k-th largest x)   (ties with the k-th are kept)
//	top-p:       sort ascending, c = cumsum(softmax(x)); remove tokens with
//	             c ≤ 1 − p, always keeping the largest one
//
// TopK 0 and TopP 0 or 1 switch those filters off. Each row draws from its
// own PCG stream seeded with (Seed, row index + Options.RowOffset), so a row's samples do not
// depend on the other rows of the batch. The draws cannot equal torch's
// multinomial bit for bit; the filtering does (up to float rounding at the
// top-p boundary, which is computed in float64 here).
type Sampling struct {
	Temperature float64 `json:"temperature"`
	TopK        int     `json:"top_k,omitempty"`
	TopP        float64 `json:"top_p,omitempty"`
	Seed        uint64  `json:"seed,omitempty"`
}

// Greedy reports whether s is greedy decoding.
func (s Sampling) Greedy() bool { return s.Temperature == 0 }

// Validate checks the ranges.
func (s Sampling) Validate() error {
	switch {
	case math.IsNaN(s.Temperature) || s.Temperature < 0 || math.IsInf(s.Temperature, 0):
		return fmt.Errorf("generate: temperature %v: must be a finite number >= 0 (0 = greedy)", s.Temperature)
	case s.TopK < 0:
		return fmt.Errorf("generate: top_k %d: must be >= 0 (0 = off)", s.TopK)
	case math.IsNaN(s.TopP) || s.TopP < 0 || s.TopP > 1:
		return fmt.Errorf("generate: top_p %v: must be in [0, 1] (0 or 1 = off)", s.TopP)
	}
	return nil
}

// sampler holds the per-row random streams and scratch space.
type sampler struct {
	s    Sampling
	rngs []*rand.Rand
	x    []float64
	tmp  []float64
	idx  []int
}

func newSampler(s Sampling, rows, offset int) *sampler {
	idx := make([]int, rows)
	for i := range idx {
		idx[i] = offset + i
	}
	return newSamplerRows(s, idx)
}

// newSamplerRows gives row i the stream (Seed, idx[i]).
func newSamplerRows(s Sampling, idx []int) *sampler {
	sm := &sampler{s: s}
	if !s.Greedy() {
		sm.rngs = make([]*rand.Rand, len(idx))
		for i := range sm.rngs {
			sm.rngs[i] = rand.New(rand.NewPCG(s.Seed, uint64(idx[i])))
		}
	}
	return sm
}

// Argmax returns the index of the largest value (the first one on ties),
// ignoring NaN. It returns -1 for an empty or all-NaN row.
func Argmax(logits []float32) int {
	best := -1
	var bv float32
	for i, v := range logits {
		if v != v {
			continue
		}
		if best < 0 || v > bv {
			best, bv = i, v
		}
	}
	return best
}

// next picks the token of row from logits [vocab].
func (sm *sampler) next(row int, logits []float32) (int, error) {
	if sm.s.Greedy() {
		id := Argmax(logits)
		if id < 0 {
			return 0, fmt.Errorf("generate: row %d: logits are empty or all NaN", row)
		}
		return id, nil
	}
	probs, err := sm.Filter(logits)
	if err != nil {
		return 0, fmt.Errorf("generate: row %d: %w", row, err)
	}
	u := sm.rngs[row].Float64()
	acc := 0.0
	last := -1
	for i, p := range probs {
		if p == 0 {
			continue
		}
		last = i
		acc += p
		if u < acc {
			return i, nil
		}
	}
	return last, nil // rounding left u just above the total
}

// Filter applies temperature, top-k and top-p to logits and returns the
// resulting probabilities [vocab] (zeros for removed tokens). It reuses
// internal scratch space: the result is valid until the next call.
func (sm *sampler) Filter(logits []float32) ([]float64, error) {
	n := len(logits)
	if cap(sm.x) < n {
		sm.x = make([]float64, n)
		sm.tmp = make([]float64, n)
		sm.idx = make([]int, n)
	}
	x := sm.x[:n]
	inv := 1 / sm.s.Temperature
	finite := 0
	for i, v := range logits {
		f := float64(v)
		if f != f {
			f = math.Inf(-1)
		}
		x[i] = f * inv
		if !math.IsInf(x[i], -1) {
			finite++
		}
	}
	if finite == 0 {
		return nil, fmt.Errorf("logits are empty, all NaN or all -inf")
	}
	if k := sm.s.TopK; k > 0 && k < n {
		kth := kthLargest(x, k, sm.tmp[:n])
		for i := range x {
			if x[i] < kth {
				x[i] = math.Inf(-1)
			}
		}
	}
	softmaxInPlace(x)
	if p := sm.s.TopP; p > 0 && p < 1 {
		// Only tokens with a non-zero probability can be kept or change the
		// cumulative sums (removed ones add 0), so only they are sorted.
		idx := sm.idx[:0]
		for i, v := range x {
			if v > 0 {
				idx = append(idx, i)
			}
		}
		// Ascending by probability, ties by index (torch.sort is not stable;
		// any fixed order is as good).
		sort.Slice(idx, func(a, b int) bool {
			if x[idx[a]] != x[idx[b]] {
				return x[idx[a]] < x[idx[b]]
			}
			return idx[a] < idx[b]
		})
		c := 0.0
		for j, i := range idx {
			c += x[i]
			if c <= 1-p && j < len(idx)-1 {
				x[i] = 0
			}
		}
		total := 0.0
		for _, v := range x {
			total += v
		}
		for i := range x {
			x[i] /= total
		}
	}
	return x, nil
}

// kthLargest returns the k-th largest value of x (1-based) by quickselect
// on a copy (O(vocab) per call; a full sort cost ~1 ms per row and step).
func kthLargest(x []float64, k int, scratch []float64) float64 {
	a := append(scratch[:0], x...)
	want := len(a) - k // index in ascending order
	lo, hi := 0, len(a)-1
	for lo < hi {
		pivot := a[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case want <= j:
			hi = j
		case want >= i:
			lo = i
		default:
			return a[want]
		}
	}
	return a[want]
}

// softmaxInPlace turns x into probabilities (-inf entries become 0).
func softmaxInPlace(x []float64) {
	m := math.Inf(-1)
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	s := 0.0
	for i, v := range x {
		e := math.Exp(v - m)
		x[i] = e
		s += e
	}
	for i := range x {
		x[i] /= s
	}
}
