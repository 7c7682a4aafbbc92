package model

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/hook"
)

// Cache is a fixed-shape KV cache: per layer K and V of shape
// [batch, nKVHeads, maxLen, dHead]. Len tokens (the same for every row,
// padding included) have been written. Step donates the buffers to the
// computation and replaces them with the updated ones, so one compiled
// executable serves every decode step.
type Cache struct {
	Batch, MaxLen int
	Len           int
	K, V          []*tensors.Tensor

	hist *ropeHistory // longrope_step.go: tokens written (phi3/phimoe longrope only)
}

// NewCache allocates an empty cache for batch rows of up to maxLen tokens.
func (m *Model) NewCache(batch, maxLen int) (*Cache, error) {
	if batch <= 0 || maxLen <= 0 {
		return nil, fmt.Errorf("rim: cache needs batch > 0 and maxLen > 0, got %d, %d", batch, maxLen)
	}
	c := m.Config
	cache := &Cache{Batch: batch, MaxLen: maxLen}
	n := batch * c.NumKVHeads * maxLen * c.HeadDim
	for L := 0; L < c.NumLayers; L++ {
		cache.K = append(cache.K, tensors.FromFlatDataAndDimensions(make([]float32, n), batch, c.NumKVHeads, maxLen, c.HeadDim))
		cache.V = append(cache.V, tensors.FromFlatDataAndDimensions(make([]float32, n), batch, c.NumKVHeads, maxLen, c.HeadDim))
	}
	return cache, nil
}

// StepInput is one Step call: n new tokens per row written at cache index
// c.Len … c.Len+n-1 (n = prompt length for a prefill, 1 for a decode step).
type StepInput struct {
	InputIDs    [][]int // [batch][n]
	PositionIDs [][]int // [batch][n]; nil = c.Len+i for every row (no padding)
	// KeyMask [batch][maxLen]: 1 where the cache slot holds a real token (the
	// caller tracks padding); nil = all ones. Slots at or beyond c.Len+n are
	// never attended (causal), whatever the mask says.
	KeyMask [][]int
}

// Step runs n tokens per row against the cache, updates it (c.Len += n)
// and returns the captured sites for the new positions (default: logits
// [batch, n, vocab]). Attention sites have K = maxLen keys. Interventions
// with Positions refer to the n new positions.
func (m *Model) Step(c *Cache, in StepInput, opts ...Option) (*Result, error) {
	o, err := m.options(opts)
	if err != nil {
		return nil, err
	}
	if len(in.InputIDs) != c.Batch {
		return nil, fmt.Errorf("rim: step has %d rows, cache has %d", len(in.InputIDs), c.Batch)
	}
	if err := checkIDs(in.InputIDs, m.Config.Vocab); err != nil {
		return nil, err
	}
	n := len(in.InputIDs[0])
	if n == 0 {
		return nil, fmt.Errorf("rim: step with no tokens")
	}
	if c.Len+n > c.MaxLen {
		return nil, fmt.Errorf("rim: cache full: %d tokens + %d new > maxLen %d", c.Len, n, c.MaxLen)
	}
	pos := in.PositionIDs
	if pos == nil {
		pos = make([][]int, c.Batch)
		for b := range pos {
			pos[b] = make([]int, n)
			for i := range pos[b] {
				pos[b][i] = c.Len + i
			}
		}
	}
	if res, ok, err := m.longropeStep(c, in, pos, opts); ok { // longrope_step.go
		return res, err
	}
	ids, _, posT, B, S, err := batchTensors(Input{InputIDs: in.InputIDs, PositionIDs: pos})
	if err != nil {
		return nil, err
	}
	km := make([]int32, c.Batch*c.MaxLen)
	for b := 0; b < c.Batch; b++ {
		if in.KeyMask != nil && len(in.KeyMask[b]) != c.MaxLen {
			return nil, fmt.Errorf("rim: key mask row %d has length %d, cache maxLen %d", b, len(in.KeyMask[b]), c.MaxLen)
		}
		for j := 0; j < c.MaxLen; j++ {
			if in.KeyMask == nil || in.KeyMask[b][j] != 0 {
				km[b*c.MaxLen+j] = 1
			}
		}
	}
	if in.KeyMask != nil && len(in.KeyMask) != c.Batch {
		return nil, fmt.Errorf("rim: key mask has %d rows, cache has %d", len(in.KeyMask), c.Batch)
	}
	iv, err := m.prepareInterventions(o.ivs, B, S)
	if err != nil {
		return nil, err
	}
	nL := m.Config.NumLayers
	nP := len(m.names)
	key := fmt.Sprintf("step|%s|%s|last=%v", siteKey(o.capture), iv.key, o.lastOnly)
	e, err := m.exec(key, func(inputs []*Node) []*Node {
		params := m.ParamsFromInputs(inputs)
		x := inputs[nP:]
		gi := GraphInputs{InputIDs: x[0], KeyMask: x[1], PositionIDs: x[2], Offset: x[3],
			CacheK: x[4 : 4+nL], CacheV: x[4+nL : 4+2*nL]}
		plan := Plan{Capture: map[hook.Site]bool{}, Intervene: iv.apply(x[4+2*nL:]), LastOnly: o.lastOnly}
		for _, s := range o.capture {
			plan.Capture[s] = true
		}
		out := BuildForward(m.Config, params, m.hasParam, nil, gi, plan)
		res := make([]*Node, 0, len(o.capture)+2*nL)
		for _, s := range o.capture {
			res = append(res, out.Sites[s])
		}
		res = append(res, out.CacheK...)
		return append(res, out.CacheV...)
	})
	if err != nil {
		return nil, err
	}
	args := append(m.paramInputs(), ids, tensors.FromFlatDataAndDimensions(km, c.Batch, c.MaxLen), posT,
		tensors.FromScalar(int32(c.Len)))
	for _, t := range append(append([]*tensors.Tensor{}, c.K...), c.V...) {
		d, err := DonateTensorBuffer(t, m.backend, 0)
		if err != nil {
			args = append(args, t) // backend without donation: pass (copied)
			continue
		}
		args = append(args, d)
	}
	for _, t := range iv.inputs {
		args = append(args, t)
	}
	outs, err := callExec(e, args)
	if err != nil {
		return nil, fmt.Errorf("%w (the cache is no longer usable)", err)
	}
	nc := len(o.capture)
	copy(c.K, outs[nc:nc+nL])
	copy(c.V, outs[nc+nL:nc+2*nL])
	c.Len += n
	res := &Result{Sites: o.capture, Tensors: map[hook.Site]*tensors.Tensor{}}
	for i, s := range o.capture {
		res.Tensors[s] = outs[i]
	}
	return res, nil
}

// Greedy is a minimal greedy decoder over Step (no padding, batch 1): it
// returns prompt + maxNew tokens and the logits [maxNew][vocab] each new
// token was chosen from. rim/generate has the full generator.
func (m *Model) Greedy(prompt []int, maxNew int) ([]int, [][]float32, error) {
	c, err := m.NewCache(1, len(prompt)+maxNew)
	if err != nil {
		return nil, nil, err
	}
	out := append([]int{}, prompt...)
	var steps [][]float32
	next := prompt
	V := m.Config.Vocab
	for s := 0; s < maxNew; s++ {
		res, err := m.Step(c, StepInput{InputIDs: [][]int{next}}, LastLogitsOnly())
		if err != nil {
			return nil, nil, err
		}
		lg, shape, err := res.Logits()
		if err != nil {
			return nil, nil, err
		}
		last := append([]float32{}, lg[(shape[1]-1)*V:shape[1]*V]...)
		res.Close()
		steps = append(steps, last)
		best := 0
		for i, v := range last {
			if v > last[best] {
				best = i
			}
		}
		out = append(out, best)
		next = []int{best}
	}
	return out, steps, nil
}
