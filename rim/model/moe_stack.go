package model

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Stacked expert weights (issue 14 part 1).
//
// Load stores the weights of one projection of every expert of an MoE layer
// as one tensor [E, out, in] under the name "<moe>.experts.<proj>.weight"
// (e.g. "model.layers.0.mlp.experts.gate_proj.weight" holds every
// "model.layers.0.mlp.experts.<e>.gate_proj.weight", expert e at index e):
// the HF per-expert tensors are decoded straight into their slot, so the
// weights exist once in memory. The sparse experts (moe_sparse.go) gather
// the routed experts' weights from the stack without copying all of them
// per call; the dense reference path, per-expert LoRA and expert hook sites
// read expert e by its HF name, which ParamMap.Param resolves to a slice
// of the stack in the graph.
//
// Names: ParamNames, Param and the graph inputs (ParamsFromInputs, RunGraph)
// use the stored (stacked) names; HFParamNames lists the HF names of the
// checkpoint (per expert); HasParam, ParamShape, ParamFloat32 and
// LossAndGrads accept both; StackMembers maps a stack to its HF names in
// expert order (rim/finetune writes checkpoints and exports under them).

// reExpertWeight matches an HF per-expert weight: prefix "….experts.", expert
// index, projection name (gate_proj, up_proj, down_proj, w1, w2, w3).
var reExpertWeight = regexp.MustCompile(`^(.*\.experts\.)([0-9]+)\.([A-Za-z0-9_]+)\.weight$`)

// splitExpertWeight maps an HF per-expert weight name
// "<p>experts.<e>.<proj>.weight" to its stack name "<p>experts.<proj>.weight"
// and expert index e.
func splitExpertWeight(name string) (stack string, e int, ok bool) {
	m := reExpertWeight.FindStringSubmatch(name)
	if m == nil {
		return "", 0, false
	}
	e, err := strconv.Atoi(m[2])
	if err != nil {
		return "", 0, false
	}
	return m[1] + m[3] + ".weight", e, true
}

// expertRef locates an HF per-expert weight in its stack.
type expertRef struct {
	stack string
	e     int
}

// StackMembers returns the HF names of the per-expert weights the stored
// parameter name holds, in expert order (its [E, out, in] rows), or nil when
// name is not an expert stack.
func (m *Model) StackMembers(name string) []string { return slices.Clone(m.stacks[name]) }

// ExpertWeight reports where the HF per-expert weight name is stored: the
// stack's name and the expert's index in it.
func (m *Model) ExpertWeight(name string) (stack string, e int, ok bool) {
	r, ok := m.experts[name]
	return r.stack, r.e, ok
}

// HFParamNames lists the parameters under their checkpoint (HF) names, each
// expert's weights separately: ParamNames' order, a stack replaced by its
// members in expert order.
func (m *Model) HFParamNames() []string {
	var out []string
	for _, n := range m.names {
		if ms := m.stacks[n]; ms != nil {
			out = append(out, ms...)
		} else {
			out = append(out, n)
		}
	}
	return out
}

// HasParam reports whether name is a parameter of the model, stored or HF
// per-expert name.
func (m *Model) HasParam(name string) bool {
	if _, ok := m.params[name]; ok {
		return true
	}
	_, ok := m.experts[name]
	return ok
}

// ParamShape returns the shape of parameter name (stored or HF per-expert
// name: [out, in] for an expert, [E, out, in] for its stack), nil if absent.
func (m *Model) ParamShape(name string) []int {
	if t := m.params[name]; t != nil {
		return t.Shape().Dimensions
	}
	if r, ok := m.experts[name]; ok {
		return slices.Clone(m.params[r.stack].Shape().Dimensions[1:])
	}
	return nil
}

// expertSlice is expert e of a stack node [E, out, in] → [out, in]. It is
// a Gather of one index, which the Go backend copies as one contiguous
// block; its Slice copies element by element (a dense decode step with an
// expert hook, qwen3_moe 64 experts D 512: 52–61 ms against 107–128 ms).
func expertSlice(stack *graph.Node, e int) *graph.Node {
	return graph.Gather(stack, graph.Const(stack.Graph(), []int32{int32(e)}))
}

// newWeight allocates a weight tensor of dtype dt and shape on m's backend
// (in a shared buffer where the backend has them).
func newWeight(m *Model, dt dtypes.DType, shape []int) *tensors.Tensor {
	t, err := tensors.FromShapeForBackend(m.backend, 0, shapes.Make(dt, shape...))
	if err != nil {
		t = tensors.FromShape(shapes.Make(dt, shape...))
	}
	return t
}

// checkStack verifies that the stack tensor t [E, out, in] receives member
// e of shape [out, in].
func checkStack(name, member string, t *tensors.Tensor, e int, shape []int) error {
	d := t.Shape().Dimensions
	if e < 0 || e >= d[0] || !slices.Equal(d[1:], shape) {
		return fmt.Errorf("rim: %s: expert %d of shape %v does not fit the stack %s %v", member, e, shape, name, d)
	}
	return nil
}
