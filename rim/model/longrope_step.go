package model

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/hook"
)

// Longrope across original_max_position_embeddings during decoding (issue 14
// part 3). Phi-3 and Phi-3.5-MoE choose the short or long RoPE factors per
// call by the sequence length, so keys cached while the sequence was short
// were rotated with the short factors. transformers 4.51.3
// (Phi3ForCausalLM / PhimoeForCausalLM.prepare_inputs_for_generation) drops
// the cache once, at the first generation step whose full input length
// reaches original_max_position_embeddings+1 while the cache holds at most
// original_max_position_embeddings tokens, and re-runs the whole sequence —
// from then on every key is a long-factor key. Step does the same for these
// two architectures: the cache remembers the ids and positions written to
// it, and the crossing step re-runs all of them from cache index 0 (a
// prefill of Len+n tokens) and returns the sites of the n new positions.
// Both lengths count cache slots, padding included, as transformers'
// input_ids.shape[1] and cache_position do.
//
// Interventions at that step: those with Positions / RowPositions still
// refer to the n new tokens (shifted onto the re-run); the others apply to
// every position of the re-run, as a forward hook would in transformers'
// re-run; Patch interventions are rejected there (their payload covers only
// the new tokens).

// ropeHistory is what a cache of a recomputing model has been fed.
type ropeHistory struct {
	ids, pos  [][]int // [batch][Len]
	replaying bool
}

// longropeRecomputes reports whether decoding re-runs the sequence when it
// crosses original_max_position_embeddings (phi3, phimoe with longrope).
func (m *Model) longropeRecomputes() bool {
	c := m.Config
	return c.Rope.Type == "longrope" && c.OrigMaxPos > 0 && (c.ModelType == "phi3" || c.ModelType == "phimoe")
}

// longropeStep is called by Step with a validated input (pos filled in). It
// records the history and, at the crossing step, runs the re-computation;
// handled reports whether it produced Step's result.
func (m *Model) longropeStep(c *Cache, in StepInput, pos [][]int, opts []Option) (res *Result, handled bool, err error) {
	if !m.longropeRecomputes() {
		return nil, false, nil
	}
	if c.hist == nil {
		c.hist = &ropeHistory{ids: make([][]int, c.Batch), pos: make([][]int, c.Batch)}
	}
	h := c.hist
	if h.replaying {
		return nil, false, nil
	}
	n, orig := len(in.InputIDs[0]), m.Config.OrigMaxPos
	complete := len(h.ids[0]) == c.Len
	if complete {
		for b := range h.ids {
			h.ids[b] = append(h.ids[b], in.InputIDs[b]...)
			h.pos[b] = append(h.pos[b], pos[b]...)
		}
	}
	if !(c.Len > 0 && c.Len <= orig && c.Len+n >= orig+1) {
		return nil, false, nil
	}
	if !complete {
		return nil, true, fmt.Errorf("rim: longrope: this step crosses original_max_position_embeddings %d, where the cache must be recomputed, but the cache does not hold the tokens written to it (a Cache copied without Cache.Resized?)", orig)
	}
	o, err := m.options(opts)
	if err != nil {
		return nil, true, err
	}
	T := c.Len + n
	shifted := *o
	shifted.ivs = make([]hook.Intervention, len(o.ivs))
	for i, iv := range o.ivs {
		if iv.Patch != nil {
			return nil, true, fmt.Errorf("rim: longrope: %s: a patch intervention cannot be applied at the step that crosses original_max_position_embeddings %d (the cache is recomputed there)", iv.Site, orig)
		}
		if iv.Positions != nil {
			iv.Positions = shiftInts(iv.Positions, T-n)
		}
		if iv.RowPositions != nil {
			rp := make([][]int, len(iv.RowPositions))
			for b, p := range iv.RowPositions {
				rp[b] = shiftInts(p, T-n)
			}
			iv.RowPositions = rp
		}
		shifted.ivs[i] = iv
	}
	full := StepInput{InputIDs: h.ids, PositionIDs: h.pos, KeyMask: in.KeyMask}
	c.Len = 0
	h.replaying = true
	res, err = m.Step(c, full, func(x *callOpts) { *x = shifted })
	h.replaying = false
	if err != nil {
		return nil, true, err
	}
	for s, t := range res.Tensors {
		nt, err := lastPositions(s, t, T, n)
		if err != nil {
			res.Close()
			return nil, true, err
		}
		if nt != t {
			t.FinalizeAll()
			res.Tensors[s] = nt
		}
	}
	return res, true, nil
}

func shiftInts(xs []int, d int) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = x + d
	}
	return out
}

// lastPositions keeps the last n of T positions of a captured site (axis 2
// for attention scores/pattern [B,H,S,K], else axis 1); a site without a
// sequence axis of length T (LastLogitsOnly logits) is returned as is.
func lastPositions(s hook.Site, t *tensors.Tensor, T, n int) (*tensors.Tensor, error) {
	dims := t.Shape().Dimensions
	axis := 1
	if s.Point == hook.PointAttnScores || s.Point == hook.PointPattern {
		axis = 2
	}
	if len(dims) <= axis || dims[axis] != T {
		return t, nil
	}
	outer, inner := 1, 1
	for _, d := range dims[:axis] {
		outer *= d
	}
	for _, d := range dims[axis+1:] {
		inner *= d
	}
	nd := append([]int{}, dims...)
	nd[axis] = n
	lo := func(o int) int { return (o*T + T - n) * inner }
	hi := func(o int) int { return (o*T + T) * inner }
	switch t.DType() {
	case dtypes.Float32:
		d, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, err
		}
		out := make([]float32, 0, outer*n*inner)
		for o := 0; o < outer; o++ {
			out = append(out, d[lo(o):hi(o)]...)
		}
		return tensors.FromFlatDataAndDimensions(out, nd...), nil
	case dtypes.Int32:
		d, err := tensors.CopyFlatData[int32](t)
		if err != nil {
			return nil, err
		}
		out := make([]int32, 0, outer*n*inner)
		for o := 0; o < outer; o++ {
			out = append(out, d[lo(o):hi(o)]...)
		}
		return tensors.FromFlatDataAndDimensions(out, nd...), nil
	}
	return nil, fmt.Errorf("rim: longrope: captured site %s has dtype %s", s, t.DType())
}

// Resized returns a cache of maxLen slots holding the buffers k and v (per
// layer [batch, nKVHeads, maxLen, dHead], the first Len slots copied from
// c by the caller) that keeps what c remembers of its tokens (longrope
// re-computation). rim/generate grows its cache with it.
func (c *Cache) Resized(maxLen int, k, v []*tensors.Tensor) *Cache {
	return &Cache{Batch: c.Batch, MaxLen: maxLen, Len: c.Len, K: k, V: v, hist: c.hist}
}
