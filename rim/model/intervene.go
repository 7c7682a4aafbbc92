package model

import (
	"fmt"
	"strings"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/hook"
)

// preparedIVs is a set of interventions turned into graph inputs. Every
// kind is x' = x·(1 - m + m·scale) + m·payload with m = positions ⊗ features
// (masks and vectors are inputs), so the compiled graph depends
// only on each intervention's site and on whether its payload is a full
// patch: a sweep over heads, neurons, vectors or kinds reuses one executable.
type preparedIVs struct {
	key    string            // structure key: same key ⇒ same graph
	inputs []*tensors.Tensor // 4 per intervention: posMask [B,S], featMask [F], scale [], payload [F] or [B,S,F]
	sites  []hook.Site
}

func (p *preparedIVs) apply(in []*Node) func(hook.Site, *Node) *Node {
	if len(p.sites) == 0 {
		return nil
	}
	return func(s hook.Site, x *Node) *Node {
		for i, is := range p.sites {
			if is != s {
				continue
			}
			pos, feat, scale, payload := in[4*i], in[4*i+1], in[4*i+2], in[4*i+3]
			dims := x.Shape().Dimensions
			B, S := dims[0], dims[1]
			F := x.Shape().Size() / (B * S)
			xf := Reshape(x, B, S, F)
			m := Mul(Reshape(pos, B, S, 1), Reshape(feat, 1, 1, F))
			a := Add(OneMinus(m), Mul(m, scale))
			if payload.Rank() == 1 {
				payload = Reshape(payload, 1, 1, F)
			}
			x = Reshape(Add(Mul(xf, a), Mul(m, payload)), dims...)
		}
		return x
	}
}

// prepareInterventions validates ivs against the model and a call of B rows
// of S positions, and builds their graph inputs.
func (m *Model) prepareInterventions(ivs []hook.Intervention, B, S int) (*preparedIVs, error) {
	p := &preparedIVs{}
	var keys []string
	d := m.Dims()
	for _, iv := range ivs {
		site, err := iv.ParseSite()
		if err != nil {
			return nil, err
		}
		if err := site.Validate(d); err != nil {
			return nil, err
		}
		shape := site.Shape(d, B, S, S)
		F := 1
		for _, x := range shape[2:] {
			F *= x
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("rim: intervention %s at %s: %s", iv.Kind, iv.Site, fmt.Sprintf(format, args...))
		}
		// Positions.
		pos := make([]float32, B*S)
		if iv.RowPositions != nil {
			if len(iv.RowPositions) != B {
				return nil, fail("row_positions has %d rows, the call has %d", len(iv.RowPositions), B)
			}
			for b, row := range iv.RowPositions {
				for _, t := range row {
					if t < 0 || t >= S {
						return nil, fail("row %d position %d outside the %d positions of this call", b, t, S)
					}
					pos[b*S+t] = 1
				}
			}
		} else if iv.Positions == nil {
			for i := range pos {
				pos[i] = 1
			}
		}
		if iv.RowPositions == nil {
			for _, t := range iv.Positions {
				if t < 0 || t >= S {
					return nil, fail("position %d outside the %d positions of this call", t, S)
				}
				for b := 0; b < B; b++ {
					pos[b*S+t] = 1
				}
			}
		}
		// Rows (nil = all): the others' position mask is cleared, so the
		// selection enters the graph as mask values (no recompilation).
		if iv.Rows != nil {
			keep := make([]bool, B)
			for _, b := range iv.Rows {
				if b < 0 || b >= B {
					return nil, fail("row %d outside the %d rows of this call", b, B)
				}
				keep[b] = true
			}
			for b := 0; b < B; b++ {
				if !keep[b] {
					clear(pos[b*S : (b+1)*S])
				}
			}
		}
		// Features.
		feat := make([]float32, F)
		isHeads := len(shape) == 4
		switch {
		case iv.Heads != nil && iv.Neurons != nil:
			return nil, fail("set heads or neurons, not both")
		case iv.Heads != nil:
			if !isHeads {
				return nil, fail("heads apply to per-head sites (hook_q/k/v/z); use neurons")
			}
			nh, dh := shape[2], shape[3]
			for _, h := range iv.Heads {
				if h < 0 || h >= nh {
					return nil, fail("head %d: site has %d heads", h, nh)
				}
				for j := 0; j < dh; j++ {
					feat[h*dh+j] = 1
				}
			}
		case iv.Neurons != nil:
			if isHeads {
				return nil, fail("neurons apply to [batch, seq, width] sites; use heads")
			}
			for _, n := range iv.Neurons {
				if n < 0 || n >= F {
					return nil, fail("neuron %d: site has width %d", n, F)
				}
				feat[n] = 1
			}
		default:
			for i := range feat {
				feat[i] = 1
			}
		}
		var scale float32
		payload := make([]float32, F)
		full := false
		switch iv.Kind {
		case hook.KindZero:
		case hook.KindScale:
			scale = float32(iv.Scale)
		case hook.KindMean:
			if len(iv.Vector) != F {
				return nil, fail("vector has width %d, site needs %d", len(iv.Vector), F)
			}
			copy(payload, iv.Vector)
		case hook.KindAdd:
			scale = 1
			if len(iv.Vector) != F {
				return nil, fail("vector has width %d, site needs %d", len(iv.Vector), F)
			}
			for i, v := range iv.Vector {
				payload[i] = float32(iv.Scale) * v
			}
		case hook.KindPatch:
			if len(iv.Patch) != B*S*F {
				return nil, fail("patch has %d values, site %v needs %d", len(iv.Patch), shape, B*S*F)
			}
			full = true
		}
		var pl *tensors.Tensor
		if full {
			pl = tensors.FromFlatDataAndDimensions(append([]float32(nil), iv.Patch...), B, S, F)
		} else {
			pl = tensors.FromFlatDataAndDimensions(payload, F)
		}
		p.inputs = append(p.inputs, tensors.FromFlatDataAndDimensions(pos, B, S),
			tensors.FromFlatDataAndDimensions(feat, F), tensors.FromScalar(scale), pl)
		p.sites = append(p.sites, site)
		k := site.String()
		if full {
			k += ":patch"
		}
		keys = append(keys, k)
	}
	p.key = strings.Join(keys, ",")
	return p, nil
}
