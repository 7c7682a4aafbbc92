// Package neurons selects the paper's safety-critical neurons (paper §4.1.1;
// docs/paper.md §7.1) and random control sets of equal size and
// per-layer distribution (paper §4.1.2, Fig 6).
//
// For the k-th HEx-PHI request D^(k) and its refusal-eliciting counterfactual
// D̃^(k) (HEx-PHI-MI), the MLP activations of every neuron j are max-pooled
// over the tokens of request + response, and
//
//	A_safe^(k) = Top-m_j ( f(a_j; D̃^(k)) − f(a_j; D^(k)) )    (m largest signed differences)
//	A_safe     = ∩_{k=1..𝒦} A_safe^(k)
//
// Top-m is taken per layer or over all layers (Scope; the paper does not
// say). Because a strict intersection over hundreds of pairs is often empty,
// Selection also gives the frequency-threshold variant: a neuron is kept if
// it is in the top-m of at least q·𝒦 pairs (q = 1 is the strict intersection).
package neurons

import (
	"fmt"
	"math"
	"sort"
)

// Neuron is one MLP dimension: the Index-th unit of layer Layer
// (`blocks.{L}.mlp.hook_post`, the input of down_proj, in rim/hook terms).
type Neuron struct {
	Layer int `json:"layer"`
	Index int `json:"index"`
}

func (n Neuron) String() string { return fmt.Sprintf("L%d.N%d", n.Layer, n.Index) }

// MaxPool is f(a_{j,l}) = max_t a_{j,l,t} over the half-open token range
// [start, end) of activations [tokens, width] (paper §4.1.1: over the |T| tokens
// of request + response).
func MaxPool(acts [][]float64, start, end int) ([]float64, error) {
	if start < 0 || end > len(acts) || start >= end {
		return nil, fmt.Errorf("neurons: token range [%d, %d) is empty or outside the %d tokens", start, end, len(acts))
	}
	out := append([]float64(nil), acts[start]...)
	for t := start; t < end; t++ {
		if len(acts[t]) != len(out) {
			return nil, fmt.Errorf("neurons: token %d has %d dims, want %d", t, len(acts[t]), len(out))
		}
		for j, v := range acts[t] {
			if math.IsNaN(v) {
				return nil, fmt.Errorf("neurons: token %d dim %d is NaN", t, j)
			}
			out[j] = math.Max(out[j], v)
		}
	}
	return out, nil
}

// Diff is f(a; D̃^(k)) − f(a; D^(k)) per layer, [layers][width]: the
// counterfactual (refusal-eliciting) minus the original request's pooled
// activations.
func Diff(counterfactual, original [][]float64) ([][]float64, error) {
	if len(counterfactual) != len(original) {
		return nil, fmt.Errorf("neurons: counterfactual has %d layers but original has %d", len(counterfactual), len(original))
	}
	out := make([][]float64, len(original))
	for l := range original {
		if len(counterfactual[l]) != len(original[l]) {
			return nil, fmt.Errorf("neurons: layer %d: counterfactual has %d neurons but original has %d", l, len(counterfactual[l]), len(original[l]))
		}
		out[l] = make([]float64, len(original[l]))
		for j := range out[l] {
			out[l][j] = counterfactual[l][j] - original[l][j]
		}
	}
	return out, nil
}

// Scope says where Top-m is taken.
type Scope int

const (
	PerLayer Scope = iota // the m largest differences of each layer (m·layers neurons per pair)
	Global                // the m largest differences over all layers jointly
)

func (s Scope) String() string {
	if s == Global {
		return "global"
	}
	return "layer"
}

// ParseScope reads "layer" or "global".
func ParseScope(s string) (Scope, error) {
	switch s {
	case "layer", "per-layer":
		return PerLayer, nil
	case "global":
		return Global, nil
	}
	return 0, fmt.Errorf("neurons: unknown scope %q (want layer or global)", s)
}

// TopM returns A_safe^(k): the m neurons with the largest signed difference
// (paper §4.1.1), per layer or globally; ties go to the lower (layer, index).
// m larger than a layer's width (PerLayer) or than all neurons (Global) is
// an error, as is a NaN difference. The result is sorted by layer, index.
func TopM(diff [][]float64, m int, scope Scope) ([]Neuron, error) {
	if m < 1 {
		return nil, fmt.Errorf("neurons: top-m %d must be ≥ 1", m)
	}
	total := 0
	for l, row := range diff {
		if scope == PerLayer && m > len(row) {
			return nil, fmt.Errorf("neurons: top-m %d is larger than layer %d's width %d", m, l, len(row))
		}
		total += len(row)
	}
	if scope == Global && m > total {
		return nil, fmt.Errorf("neurons: top-m %d is larger than the %d neurons of all layers", m, total)
	}
	var out []Neuron
	var h topHeap
	for l, row := range diff {
		if scope == PerLayer {
			h = h[:0]
		}
		for j, v := range row {
			if math.IsNaN(v) {
				return nil, fmt.Errorf("neurons: layer %d neuron %d difference is NaN", l, j)
			}
			h.offer(cand{Neuron{l, j}, v}, m)
		}
		if scope == PerLayer {
			for _, c := range h {
				out = append(out, c.n)
			}
		}
	}
	if scope == Global {
		for _, c := range h {
			out = append(out, c.n)
		}
	}
	sortNeurons(out)
	return out, nil
}

type cand struct {
	n Neuron
	v float64
}

// better orders candidates: larger value first, ties to the lower (layer, index).
func better(a, b cand) bool {
	if a.v != b.v {
		return a.v > b.v
	}
	if a.n.Layer != b.n.Layer {
		return a.n.Layer < b.n.Layer
	}
	return a.n.Index < b.n.Index
}

// topHeap keeps the m best candidates with the worst at the root, so a full
// layer (Qwen3-4B: 9728 neurons) costs O(w log m) instead of a sort.
type topHeap []cand

func (h *topHeap) offer(c cand, m int) {
	s := *h
	if len(s) < m {
		s = append(s, c)
		for i := len(s) - 1; i > 0; { // sift up: parents are worse than children
			p := (i - 1) / 2
			if !better(s[p], s[i]) {
				break
			}
			s[p], s[i] = s[i], s[p]
			i = p
		}
		*h = s
		return
	}
	if !better(c, s[0]) {
		return
	}
	s[0] = c
	for i := 0; ; { // sift down
		w, l, r := i, 2*i+1, 2*i+2
		if l < len(s) && better(s[w], s[l]) {
			w = l
		}
		if r < len(s) && better(s[w], s[r]) {
			w = r
		}
		if w == i {
			break
		}
		s[i], s[w] = s[w], s[i]
		i = w
	}
}

func sortNeurons(ns []Neuron) {
	sort.Slice(ns, func(a, b int) bool {
		if ns[a].Layer != ns[b].Layer {
			return ns[a].Layer < ns[b].Layer
		}
		return ns[a].Index < ns[b].Index
	})
}
