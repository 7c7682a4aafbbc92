package model

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
)

// RunGraph compiles (once per key and input shapes) and runs a custom graph
// over the model's parameters: build receives every parameter by HF name and
// the extra inputs, and returns the outputs. This is the building block for
// packages that need their own graphs (losses, probes, fine-tuning steps).
func (m *Model) RunGraph(key string, build func(p ParamMap, extra []*Node) []*Node, extra ...*tensors.Tensor) ([]*tensors.Tensor, error) {
	nP := len(m.names)
	e, err := m.exec("custom|"+key, func(inputs []*Node) []*Node {
		return build(m.ParamsFromInputs(inputs), inputs[nP:])
	})
	if err != nil {
		return nil, err
	}
	args := m.paramInputs()
	for _, t := range extra {
		args = append(args, t)
	}
	return callExec(e, args)
}

// Build is BuildForward for this model with its parameters p (DefaultLinear when lin is nil).
func (m *Model) Build(p Params, lin Linear, in GraphInputs, plan Plan) *GraphOutputs {
	return BuildForward(m.Config, p, m.hasParam, lin, in, plan)
}

// LossAndGrads runs the causal-LM loss of a batch (labels [batch][seq], -100
// ignored) and its gradients with respect to the named parameters (GoMLX
// autodiff). names are stored or HF per-expert names (moe_stack.go). It
// returns the loss and one tensor per name, shaped like the parameter.
func (m *Model) LossAndGrads(in Input, labels [][]int, names ...string) (float32, []*tensors.Tensor, error) {
	for _, n := range names {
		if !m.HasParam(n) {
			return 0, nil, fmt.Errorf("rim: no parameter %q in this model", n)
		}
	}
	if err := checkIDs(in.InputIDs, m.Config.Vocab); err != nil {
		return 0, nil, err
	}
	ids, mask, pos, B, S, err := batchTensors(in)
	if err != nil {
		return 0, nil, err
	}
	for b, row := range labels {
		for t, l := range row {
			if l != IgnoreIndex && (l < 0 || l >= m.Config.Vocab) {
				return 0, nil, fmt.Errorf("rim: labels[%d][%d] = %d is neither -100 nor in [0, %d)", b, t, l, m.Config.Vocab)
			}
		}
	}
	lab, _, _, _, _, err := batchTensors(Input{InputIDs: labels})
	if err != nil {
		return 0, nil, fmt.Errorf("rim: labels: %w", err)
	}
	if lab.Shape().Dimensions[0] != B || lab.Shape().Dimensions[1] != S {
		return 0, nil, fmt.Errorf("rim: labels shape %v, input_ids [%d %d]", lab.Shape().Dimensions, B, S)
	}
	key := fmt.Sprintf("loss-grads|%v", names)
	outs, err := m.RunGraph(key, func(p ParamMap, x []*Node) []*Node {
		// An expert's gradient is its row of its stack's gradient: the
		// sparse experts read the stack, not the expert's slice. A stack
		// differentiated is converted to the compute dtype first (float32
		// gradients of bf16-stored weights, as for the other parameters).
		cd := m.ComputeDType()
		wrtNames := make([]string, len(names))
		for i, n := range names {
			wrtNames[i] = n
			if r, ok := m.experts[n]; ok {
				wrtNames[i] = r.stack
			}
			if w := p[wrtNames[i]]; w.DType() != cd {
				p[wrtNames[i]] = ConvertDType(w, cd)
			}
		}
		out := m.Build(p, nil, GraphInputs{InputIDs: x[0], KeyMask: x[1], PositionIDs: x[2]}, Plan{})
		loss := CausalLMLoss(out.Logits, x[3])
		wrt := make([]*Node, len(names))
		for i, n := range wrtNames {
			wrt[i] = p[n]
		}
		grads := Gradient(loss, wrt...)
		for i, n := range names {
			if r, ok := m.experts[n]; ok {
				grads[i] = expertSlice(grads[i], r.e)
			}
		}
		return append([]*Node{loss}, grads...)
	}, ids, mask, pos, lab)
	if err != nil {
		return 0, nil, err
	}
	loss := tensors.MustCopyFlatData[float32](outs[0])[0]
	return loss, outs[1:], nil
}

// RouterAuxLoss is the MoE load-balancing aux loss of a batch (HF
// outputs.aux_loss with output_router_logits, not multiplied by the coefficient).
func (m *Model) RouterAuxLoss(in Input) (float32, error) {
	if m.Config.NumExperts == 0 {
		return 0, fmt.Errorf("rim: %s has no MoE layers", m.Config.ModelType)
	}
	ids, mask, pos, _, _, err := batchTensors(in)
	if err != nil {
		return 0, err
	}
	outs, err := m.RunGraph("aux", func(p ParamMap, x []*Node) []*Node {
		out := m.Build(p, nil, GraphInputs{InputIDs: x[0], KeyMask: x[1], PositionIDs: x[2]}, Plan{})
		return []*Node{LoadBalancingLoss(out.RouterLogits, x[1], m.Config.NumExperts, m.Config.TopK)}
	}, ids, mask, pos)
	if err != nil {
		return 0, err
	}
	return tensors.MustCopyFlatData[float32](outs[0])[0], nil
}
