package heads

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// HeadCount is one bubble of Fig 4b: a head, its pattern count and the
// fraction of prompts (the paper's printed labels are count/180).
type HeadCount struct {
	Head
	Name     string  `json:"name"`
	Count    int     `json:"count"`
	Fraction float64 `json:"fraction"`
}

// Ranked lists the heads with a positive count, by count descending, then
// layer and head ascending (Fig 4b).
func Ranked(c *Counts) []HeadCount {
	var out []HeadCount
	for lh, n := range c.N {
		if n > 0 {
			h := Head{Layer: lh / c.Heads, Head: lh % c.Heads}
			out = append(out, HeadCount{Head: h, Name: h.String(), Count: n, Fraction: float64(n) / float64(c.Samples)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		if out[i].Layer != out[j].Layer {
			return out[i].Layer < out[j].Layer
		}
		return out[i].Head.Head < out[j].Head.Head
	})
	return out
}

// Select returns the heads with count ≥ minCount (minCount ≥ 1; the paper
// does not say which heads it ablates — all detected heads is minCount 1).
func Select(ranked []HeadCount, minCount int) ([]Head, error) {
	if minCount < 1 {
		return nil, fmt.Errorf("heads: min count %d must be ≥ 1", minCount)
	}
	var out []Head
	for _, r := range ranked {
		if r.Count >= minCount {
			out = append(out, r.Head)
		}
	}
	return out, nil
}

// RandomControl draws, with a seeded generator, a random head set with the
// same number of heads in each layer as target (Fig 5's control), from the
// heads of that layer not in target. It fails when a layer has fewer
// non-target heads than target heads. The result is sorted by layer, head.
func RandomControl(target []Head, layers, heads int, seed uint64) ([]Head, error) {
	perLayer := map[int]int{}
	in := map[Head]bool{}
	for _, h := range target {
		if h.Layer < 0 || h.Layer >= layers || h.Head < 0 || h.Head >= heads {
			return nil, fmt.Errorf("heads: %v outside %d layers × %d heads", h, layers, heads)
		}
		if in[h] {
			return nil, fmt.Errorf("heads: %v listed twice", h)
		}
		in[h] = true
		perLayer[h.Layer]++
	}
	rng := rand.New(rand.NewPCG(seed, 0x4ead))
	var out []Head
	for l := range layers {
		k := perLayer[l]
		if k == 0 {
			continue
		}
		var pool []Head
		for h := range heads {
			if !in[Head{l, h}] {
				pool = append(pool, Head{l, h})
			}
		}
		if len(pool) < k {
			return nil, fmt.Errorf("heads: layer %d has %d target heads but only %d others to draw a control from", l, k, len(pool))
		}
		rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		sel := pool[:k]
		sort.Slice(sel, func(i, j int) bool { return sel[i].Head < sel[j].Head })
		out = append(out, sel...)
	}
	return out, nil
}

// Bin is one bar of the Fig A3 histogram.
type Bin struct {
	Offset int `json:"offset"` // argmax position minus the anchor position
	Count  int `json:"count"`
}

// RelativeHistogram pools the argmax positions of every head and sample,
// relative to the first key labelled anchor in each sample (`assistant` in
// Fig A3, where offset 0 is `assistant` and, in no-think mode, +3 the empty
// think span). Bins are sorted by offset. A sample without the anchor is an
// error naming it.
func RelativeHistogram(samples []Sample, anchor string) ([]Bin, error) {
	counts := map[int]int{}
	for i := range samples {
		s := &samples[i]
		if err := s.check(i); err != nil {
			return nil, err
		}
		pos := -1
		for k, r := range s.Regions {
			if r == anchor {
				pos = k
				break
			}
		}
		if pos < 0 {
			return nil, fmt.Errorf("heads: sample %d has no key labelled %q", i, anchor)
		}
		ks, err := s.Argmax()
		if err != nil {
			return nil, fmt.Errorf("sample %d: %w", i, err)
		}
		for _, k := range ks {
			counts[k-pos]++
		}
	}
	out := make([]Bin, 0, len(counts))
	for o, n := range counts {
		out = append(out, Bin{Offset: o, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Offset < out[j].Offset })
	return out, nil
}
