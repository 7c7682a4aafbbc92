package finetune

import (
	"fmt"
	"slices"

	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/safetensors"
)

// The model stores each MoE layer's experts stacked, one [E, out, in]
// tensor per projection (rim/model/moe_stack.go); checkpoints and exports
// keep the HF per-expert names and shapes, so stacks are split on writing
// and reassembled on reading.

// hfPart is one checkpoint tensor of a parameter: its HF name, shape and
// values (a sub-slice of the parameter's values).
type hfPart struct {
	name string
	dims []int
	vals []float32
}

// hfParts splits the values (shaped dims) of the trained or stored
// parameter name into its checkpoint tensors: itself, or one [out, in]
// tensor per expert of an expert stack, under the HF names.
func hfParts(m *model.Model, name string, dims []int, vals []float32) []hfPart {
	members := m.StackMembers(name)
	if members == nil {
		return []hfPart{{name, dims, vals}}
	}
	n := len(vals) / len(members)
	out := make([]hfPart, len(members))
	for e, hf := range members {
		out[e] = hfPart{hf, dims[1:], vals[e*n : (e+1)*n]}
	}
	return out
}

// hfTensors is hfParts as float32 tensors named prefix+HF name.
func hfTensors(m *model.Model, prefix, name string, dims []int, vals []float32) []safetensors.Tensor {
	var out []safetensors.Tensor
	for _, p := range hfParts(m, name, dims, vals) {
		out = append(out, safetensors.F32(prefix+p.name, p.dims, p.vals))
	}
	return out
}

// readHF reads the values of parameter name (shaped dims) written by
// hfTensors with prefix: the tensor itself, or its experts' tensors
// concatenated in expert order. A missing or mis-shaped tensor is an error
// naming it.
func readHF(m *model.Model, get func(string) ([]float32, []int, error), prefix, name string, dims []int) ([]float32, error) {
	members := m.StackMembers(name)
	if members == nil {
		v, shape, err := get(prefix + name)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(shape, dims) {
			return nil, fmt.Errorf("tensor %s has shape %v, want %v", prefix+name, shape, dims)
		}
		return v, nil
	}
	var out []float32
	for _, hf := range members {
		v, shape, err := get(prefix + hf)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(shape, dims[1:]) {
			return nil, fmt.Errorf("tensor %s has shape %v, want %v", prefix+hf, shape, dims[1:])
		}
		out = append(out, v...)
	}
	return out, nil
}
