// Package capture turns tensors captured by rim/model (model.Result.Float32:
// flat float32 data and a shape, in rim/hook's layouts) into the inputs of
// the analyses, without importing the engine (analysis stays GoMLX-free).
//
//	blocks.L.hook_resid_post, blocks.L.mlp.hook_post: [batch, seq, d]  → TokenRows
//	blocks.L.attn.hook_pattern:                       [batch, nHeads, q, k] → QueryRow, HeadSample
package capture

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/heads"
)

// Tensor is a captured float32 tensor and its shape.
type Tensor struct {
	Data  []float32
	Shape []int
}

func (t Tensor) check(rank int, what string) error {
	if len(t.Shape) != rank {
		return fmt.Errorf("capture: %s has shape %v, want rank %d", what, t.Shape, rank)
	}
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	if n != len(t.Data) {
		return fmt.Errorf("capture: %s: %d values for shape %v", what, len(t.Data), t.Shape)
	}
	return nil
}

// TokenRows returns batch item b of a [batch, seq, d] capture as [seq][d]
// float64 rows — the input of probe.PoolMean and neurons.MaxPool.
func TokenRows(t Tensor, b int) ([][]float64, error) {
	if err := t.check(3, "token activations [batch, seq, d]"); err != nil {
		return nil, err
	}
	B, S, D := t.Shape[0], t.Shape[1], t.Shape[2]
	if b < 0 || b >= B {
		return nil, fmt.Errorf("capture: batch item %d of %d", b, B)
	}
	out := make([][]float64, S)
	for s := range out {
		out[s] = make([]float64, D)
		for j := range D {
			out[s][j] = float64(t.Data[(b*S+s)*D+j])
		}
	}
	return out, nil
}

// QueryRow returns the attention of query position q of batch item b,
// [nHeads·k] (head-major), from a [batch, nHeads, q, k] pattern capture.
func QueryRow(t Tensor, b, q int) ([]float32, error) {
	if err := t.check(4, "attention pattern [batch, nHeads, q, k]"); err != nil {
		return nil, err
	}
	B, H, Q, K := t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]
	if b < 0 || b >= B || q < 0 || q >= Q {
		return nil, fmt.Errorf("capture: batch item %d, query %d outside [%d, %d]", b, q, B, Q)
	}
	out := make([]float32, 0, H*K)
	for h := range H {
		off := ((b*H+h)*Q + q) * K
		out = append(out, t.Data[off:off+K]...)
	}
	return out, nil
}

// HeadSample assembles the heads.Sample of batch item b from the per-layer
// pattern captures (layer order), taking query position q: for "the first
// generated token" (paper §3.2) this is the last prompt position, whose
// output is that token (HF generate's attentions[0][..., −1, :]; see
// docs/analysis.md). regions labels the key positions (regions.Labels).
func HeadSample(layers []Tensor, b, q int, regions []string) (heads.Sample, error) {
	if len(layers) == 0 {
		return heads.Sample{}, fmt.Errorf("capture: no layers")
	}
	var s heads.Sample
	for l, t := range layers {
		row, err := QueryRow(t, b, q)
		if err != nil {
			return heads.Sample{}, fmt.Errorf("layer %d: %w", l, err)
		}
		if l == 0 {
			s.Heads, s.Keys = t.Shape[1], t.Shape[3]
		} else if t.Shape[1] != s.Heads || t.Shape[3] != s.Keys {
			return heads.Sample{}, fmt.Errorf("capture: layer %d pattern %v differs from layer 0's heads/keys", l, t.Shape)
		}
		s.Attn = append(s.Attn, row...)
	}
	s.Layers = len(layers)
	if len(regions) == 0 || len(regions) > s.Keys {
		return heads.Sample{}, fmt.Errorf("capture: %d region labels for %d keys", len(regions), s.Keys)
	}
	s.Regions = regions
	return s, nil
}
