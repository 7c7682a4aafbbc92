package neurons

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Counter accumulates, over counterfactual/original pairs, how often each
// neuron is in the pair's Top-m; it holds counts only, so pairs can be
// streamed from disk.
type Counter struct {
	widths []int
	m      int
	scope  Scope
	counts [][]int
	pairs  int
}

// NewCounter prepares a Counter for layers of the given widths.
func NewCounter(widths []int, m int, scope Scope) (*Counter, error) {
	if len(widths) == 0 {
		return nil, fmt.Errorf("neurons: no layers")
	}
	c := &Counter{widths: widths, m: m, scope: scope, counts: make([][]int, len(widths))}
	total := 0
	for l, w := range widths {
		if w < 1 {
			return nil, fmt.Errorf("neurons: layer %d has width %d", l, w)
		}
		if scope == PerLayer && m > w {
			return nil, fmt.Errorf("neurons: top-m %d is larger than layer %d's width %d", m, l, w)
		}
		c.counts[l] = make([]int, w)
		total += w
	}
	if m < 1 || m > total {
		return nil, fmt.Errorf("neurons: top-m %d must be in [1, %d]", m, total)
	}
	return c, nil
}

// Add counts one pair's difference [layers][width] (see Diff).
func (c *Counter) Add(diff [][]float64) error {
	if len(diff) != len(c.widths) {
		return fmt.Errorf("neurons: pair %d has %d layers, want %d", c.pairs, len(diff), len(c.widths))
	}
	for l, row := range diff {
		if len(row) != c.widths[l] {
			return fmt.Errorf("neurons: pair %d layer %d has %d neurons, want %d", c.pairs, l, len(row), c.widths[l])
		}
	}
	top, err := TopM(diff, c.m, c.scope)
	if err != nil {
		return fmt.Errorf("pair %d: %w", c.pairs, err)
	}
	for _, n := range top {
		c.counts[n.Layer][n.Index]++
	}
	c.pairs++
	return nil
}

// Selection is the outcome of Top-m selection over 𝒦 pairs.
type Selection struct {
	Pairs  int     `json:"pairs"` // 𝒦
	M      int     `json:"m"`
	Scope  string  `json:"scope"`
	Widths []int   `json:"widths"`
	Counts [][]int `json:"-"` // [layers][width]: pairs with the neuron in their top-m
}

// Selection returns what has been counted so far.
func (c *Counter) Selection() (*Selection, error) {
	if c.pairs == 0 {
		return nil, fmt.Errorf("neurons: no pairs counted")
	}
	return &Selection{Pairs: c.pairs, M: c.m, Scope: c.scope.String(), Widths: c.widths, Counts: c.counts}, nil
}

// MinPairs is the number of pairs a neuron must reach for fraction q:
// ceil(q·𝒦), so q = 1 is the strict intersection ∩_k A_safe^(k).
func (s *Selection) MinPairs(q float64) (int, error) {
	if !(q > 0 && q <= 1) {
		return 0, fmt.Errorf("neurons: frequency threshold %v not in (0, 1]", q)
	}
	return int(math.Ceil(q*float64(s.Pairs) - 1e-9)), nil
}

// AtLeast returns the neurons in the top-m of at least q·𝒦 pairs (q = 1:
// A_safe as printed, the strict intersection), sorted by layer and index.
func (s *Selection) AtLeast(q float64) ([]Neuron, error) {
	k, err := s.MinPairs(q)
	if err != nil {
		return nil, err
	}
	var out []Neuron
	for l, row := range s.Counts {
		for j, n := range row {
			if n >= k {
				out = append(out, Neuron{l, j})
			}
		}
	}
	return out, nil
}

// Size is the set size at one frequency threshold.
type Size struct {
	Q        float64 `json:"q"`
	MinPairs int     `json:"min_pairs"`
	Size     int     `json:"size"`
}

// Sizes reports |A_safe| for each threshold q (the paper does not give m or
// |A_safe|; this shows how the choice moves the set).
func (s *Selection) Sizes(qs []float64) ([]Size, error) {
	var out []Size
	for _, q := range qs {
		set, err := s.AtLeast(q)
		if err != nil {
			return nil, err
		}
		k, _ := s.MinPairs(q)
		out = append(out, Size{Q: q, MinPairs: k, Size: len(set)})
	}
	return out, nil
}

// PerLayerCounts counts a set's neurons in each of nLayers layers.
func PerLayerCounts(set []Neuron, nLayers int) []int {
	out := make([]int, nLayers)
	for _, n := range set {
		if n.Layer >= 0 && n.Layer < nLayers {
			out[n.Layer]++
		}
	}
	return out
}

// RandomControl draws a seeded random neuron set with the same number of
// neurons in each layer as set (paper §4.1.2: "the same number of randomly sampled
// neurons"; matching the per-layer distribution too), excluding set itself.
func RandomControl(set []Neuron, widths []int, seed uint64) ([]Neuron, error) {
	in := map[Neuron]bool{}
	per := make([]int, len(widths))
	for _, n := range set {
		if n.Layer < 0 || n.Layer >= len(widths) || n.Index < 0 || n.Index >= widths[n.Layer] {
			return nil, fmt.Errorf("neurons: %v outside the layer widths", n)
		}
		if in[n] {
			return nil, fmt.Errorf("neurons: %v listed twice", n)
		}
		in[n] = true
		per[n.Layer]++
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e11))
	var out []Neuron
	for l, k := range per {
		if k == 0 {
			continue
		}
		if widths[l]-k < k {
			return nil, fmt.Errorf("neurons: layer %d has %d selected neurons but only %d others to draw a control from", l, k, widths[l]-k)
		}
		// Rejection sampling: at least half the layer is eligible (checked above),
		// so it is fast without materialising the layer.
		got := map[int]bool{}
		for len(got) < k {
			j := rng.IntN(widths[l])
			if !in[Neuron{l, j}] {
				got[j] = true
			}
		}
		for j := range got {
			out = append(out, Neuron{l, j})
		}
	}
	sortNeurons(out)
	return out, nil
}

// Flat maps neurons to indices of the concatenation of all layers
// (offset of layer l = Σ_{l' < l} widths[l'] plus Index), e.g. to restrict
// ras.Compute to A_safe when activations are flattened to [samples, n].
func Flat(set []Neuron, widths []int) ([]int, error) {
	off := make([]int, len(widths)+1)
	for l, w := range widths {
		off[l+1] = off[l] + w
	}
	out := make([]int, len(set))
	for i, n := range set {
		if n.Layer < 0 || n.Layer >= len(widths) || n.Index < 0 || n.Index >= widths[n.Layer] {
			return nil, fmt.Errorf("neurons: %v outside the layer widths", n)
		}
		out[i] = off[n.Layer] + n.Index
	}
	return out, nil
}
