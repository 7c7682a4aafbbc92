// Package heads finds the paper's refusal attention heads (paper §3.2 and
// App. B.2; docs/paper.md §6.2) from the attention rows of the first
// generated token in think and no-think mode.
//
// For each calibration prompt, layer l and head h, take the key position
// with the maximum attention weight of the first generated token,
//
//	k*_{l,h} = argmax_k A_{l,h}[k]   (first maximum on ties, like numpy)
//
// and map it to its token region. A head shows the "refusal pattern" on a
// prompt when k* lies on `assistant` in think mode and on the empty think
// span (the "\n\n" between <think></think>) in no-think mode; the paper
// counts, per head, the prompts showing it (Fig 4b) and pools the argmax
// positions relative to `assistant` into a histogram (Fig A3). The ablation
// control samples the same number of random heads per layer (Fig 5).
//
// Region names are free strings per key position; the defaults follow
// rim/chat: "role" for the `assistant` token (chat.PosRole) and "think" for
// the think region (chat.KindThink), which in no-think mode is the empty span.
package heads

import (
	"fmt"
	"math"
)

// Default region names (rim/chat vocabulary).
const (
	RegionAssistant = "role"  // the `assistant` token of the final header
	RegionThink     = "think" // between <think> and </think>: the empty "\n\n" in no-think mode
)

// Head identifies one attention head.
type Head struct {
	Layer int `json:"layer"`
	Head  int `json:"head"`
}

// String spells a head the paper's way, "L6-H20".
func (h Head) String() string { return fmt.Sprintf("L%d-H%d", h.Layer, h.Head) }

// Sample is one prompt's first-generated-token attention.
type Sample struct {
	// Attn holds the attention rows [layers, heads, keys] row-major.
	Attn                []float32
	Layers, Heads, Keys int
	// Regions labels key positions 0..len(Regions)−1; positions at or beyond
	// len(Regions) are padding and never chosen by the argmax.
	Regions []string
}

func (s *Sample) check(i int) error {
	if s.Layers <= 0 || s.Heads <= 0 || s.Keys <= 0 {
		return fmt.Errorf("heads: sample %d: shape [%d, %d, %d] has an empty dimension", i, s.Layers, s.Heads, s.Keys)
	}
	if len(s.Attn) != s.Layers*s.Heads*s.Keys {
		return fmt.Errorf("heads: sample %d: %d attention weights for shape [%d, %d, %d]", i, len(s.Attn), s.Layers, s.Heads, s.Keys)
	}
	if len(s.Regions) == 0 || len(s.Regions) > s.Keys {
		return fmt.Errorf("heads: sample %d: %d region labels for %d keys", i, len(s.Regions), s.Keys)
	}
	return nil
}

// Argmax returns k*_{l,h} for every head, [layers·heads] indexed l·heads+h,
// over the labelled key positions. A NaN weight is an error.
func (s *Sample) Argmax() ([]int, error) {
	if err := s.check(0); err != nil {
		return nil, err
	}
	out := make([]int, s.Layers*s.Heads)
	n := len(s.Regions)
	for lh := range out {
		row := s.Attn[lh*s.Keys : lh*s.Keys+n]
		best := 0
		for k, v := range row {
			if math.IsNaN(float64(v)) {
				return nil, fmt.Errorf("heads: L%d-H%d key %d is NaN", lh/s.Heads, lh%s.Heads, k)
			}
			if v > row[best] {
				best = k
			}
		}
		out[lh] = best
	}
	return out, nil
}

// Counts holds, per head, how many prompts show the refusal pattern.
type Counts struct {
	Layers  int   `json:"layers"`
	Heads   int   `json:"heads"`
	Samples int   `json:"samples"` // number of prompt pairs examined
	N       []int `json:"counts"`  // [layers·heads], indexed l·heads+h
}

// At returns the count of head (l, h).
func (c *Counts) At(l, h int) int { return c.N[l*c.Heads+h] }

// Pattern counts, per head, the prompts whose argmax region is from in think
// mode and to in no-think mode (§6.2 steps 3–5; from = `assistant`, to = the
// empty think span by default). think[i] and noThink[i] are the same prompt.
func Pattern(think, noThink []Sample, from, to string) (*Counts, error) {
	if len(think) != len(noThink) {
		return nil, fmt.Errorf("heads: %d think samples but %d no-think samples", len(think), len(noThink))
	}
	if len(think) == 0 {
		return nil, fmt.Errorf("heads: no samples")
	}
	c := &Counts{Layers: think[0].Layers, Heads: think[0].Heads, Samples: len(think)}
	c.N = make([]int, c.Layers*c.Heads)
	for i := range think {
		a, b := &think[i], &noThink[i]
		for _, s := range []*Sample{a, b} {
			if err := s.check(i); err != nil {
				return nil, err
			}
			if s.Layers != c.Layers || s.Heads != c.Heads {
				return nil, fmt.Errorf("heads: sample %d has %d layers × %d heads, want %d × %d", i, s.Layers, s.Heads, c.Layers, c.Heads)
			}
		}
		ka, err := a.Argmax()
		if err != nil {
			return nil, fmt.Errorf("think sample %d: %w", i, err)
		}
		kb, err := b.Argmax()
		if err != nil {
			return nil, fmt.Errorf("no-think sample %d: %w", i, err)
		}
		for lh := range c.N {
			if a.Regions[ka[lh]] == from && b.Regions[kb[lh]] == to {
				c.N[lh]++
			}
		}
	}
	return c, nil
}
