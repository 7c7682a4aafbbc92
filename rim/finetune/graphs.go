package finetune

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
)

// Graph building and execution helpers of the trainer.

// buildForward builds the forward of the current weights inside a graph
// whose first inputs are the model parameters then the mode's extra inputs
// (LoRA factors). rng, when non-nil, is the RNG state of LoRA dropout
// (training only). It returns the outputs and the nodes to differentiate by.
func (t *Trainer) buildForward(in []*graph.Node, gi model.GraphInputs, plan model.Plan, rng *graph.Node) (*model.GraphOutputs, []*graph.Node) {
	np := len(t.mNames)
	// bf16-stored weights are converted to the compute dtype (exactly, for
	// float32); full mode's float32 trainables are used as they are.
	pm := t.Model.ParamsFromInputs(in[:np])
	has := func(n string) bool { _, ok := pm[n]; return ok }
	lin, wrt := t.mode.linear(model.DefaultLinear(t.Model.Config, pm, has), in[:np], in[np:np+len(t.mode.extraInputs())], rng)
	if l, ok := t.mode.(*loraMode); ok && !l.adaptsExperts() {
		plan.ExpertsPlain = true // sparse experts under an adapter without expert targets
	}
	return t.Model.Build(pm, lin, gi, plan), wrt
}

func (t *Trainer) nInputs() int { return len(t.mNames) + len(t.mode.extraInputs()) }

func (t *Trainer) weightArgs() []any {
	var args []any
	for _, p := range t.modelParams() {
		args = append(args, p)
	}
	for _, p := range t.mode.extraInputs() {
		args = append(args, p)
	}
	return args
}

// compile creates the executables of the forward+backward (each caches one
// compilation per input shape): grad: weights + batch → [Σ token losses,
// aux loss, #trained, grads of Σ...]; acc: element-wise sums of two
// gradient lists. The update is t.upd's.
func (t *Trainer) compile() error {
	if t.gradExec != nil {
		return nil
	}
	b := t.Model.Backend()
	nw := t.nInputs()
	var err error
	t.gradExec, err = graph.NewExec(b, func(in []*graph.Node) []*graph.Node {
		ids, mask, pos, labels, rng := in[nw], in[nw+1], in[nw+2], in[nw+3], in[nw+4]
		out, wrt := t.buildForward(in, model.GraphInputs{InputIDs: ids, KeyMask: mask, PositionIDs: pos}, t.trainPlan(), rng)
		g := ids.Graph()
		// labels are the shifted targets (see batchTensors).
		count := graph.ReduceAllSum(graph.ConvertDType(graph.NotEqual(labels, graph.Const(g, int32(sft.IgnoreIndex))), dtypes.Float32))
		sum := model.SumTokenLoss(out.Logits, labels)
		total := sum
		aux := graph.ScalarZero(g, dtypes.Float32)
		if t.auxCoef > 0 && len(out.RouterLogits) > 0 {
			aux = model.LoadBalancingLoss(out.RouterLogits, mask, t.Model.Config.NumExperts, t.Model.Config.TopK)
			total = graph.Add(sum, graph.Mul(graph.MulScalar(aux, t.auxCoef), graph.StopGradient(count)))
		}
		return append([]*graph.Node{sum, aux, count}, graph.Gradient(total, wrt...)...)
	})
	if err != nil {
		return err
	}
	t.gradExec.SetMaxCache(64)
	t.accExec, err = graph.NewExec(b, func(in []*graph.Node) []*graph.Node {
		n := len(in) / 2
		out := make([]*graph.Node, n)
		for i := range out {
			out[i] = graph.Add(in[i], in[n+i])
		}
		return out
	})
	if err != nil {
		return err
	}
	return err
}

// trainPlan is the plan of the training forward: with Cfg.GradCheckpoint
// every decoder layer is a rematerialised block (GoMLX Node.Checkpoint at
// each blocks.L.hook_resid_pre, StopCheckpoint after the last layer), so
// the backward recomputes a layer's activations instead of keeping them.
func (t *Trainer) trainPlan() model.Plan {
	if !t.Cfg.GradCheckpoint {
		return model.Plan{}
	}
	pre, post, last := hook.ResidPre(0).Point, hook.ResidPost(0).Point, t.Model.Config.NumLayers-1
	return model.Plan{Intervene: func(s hook.Site, x *graph.Node) *graph.Node {
		switch {
		case s.Point == pre:
			return x.Checkpoint()
		case s.Point == post && s.Layer == last:
			return x.StopCheckpoint()
		}
		return x
	}}
}

// materialize puts tensors on the model's device (no-op when already there).
func (t *Trainer) materialize(args []any) error {
	for _, a := range args {
		if x, ok := a.(*tensors.Tensor); ok {
			if err := x.MaterializeOnDevice(t.Model.Backend(), false, 0); err != nil {
				return fmt.Errorf("finetune: %w", err)
			}
		}
	}
	return nil
}

// dropoutSeed derives the dropout RNG seed of a micro-batch from the run
// seed and its position, so that a resumed run draws the same masks without
// saving RNG state (splitmix64 finaliser).
func dropoutSeed(seed uint64, step, micro int) uint64 {
	z := seed + 0x9e3779b97f4a7c15*uint64(step*1024+micro+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return (z ^ (z >> 31)) >> 1
}

// batchTensors pads a micro-batch and returns ids, mask, positions and the
// shifted targets [B,S] int32: target[b,t] = label[b,t+1], -100 at t = S-1
// (the HF shift, done on the host).
func (t *Trainer) batchTensors(idx []int) ([]any, int, error) {
	exs := make([]sft.Example, len(idx))
	for i, j := range idx {
		exs[i] = t.Data[j]
	}
	p := sft.Pad(exs, t.PadID, t.Cfg.PadMultiple, 0)
	B, S := len(p.IDs), len(p.IDs[0])
	ids, mask, pos, lab := make([]int32, B*S), make([]int32, B*S), make([]int32, B*S), make([]int32, B*S)
	real := 0
	for b := 0; b < B; b++ {
		for s := 0; s < S; s++ {
			k := b*S + s
			ids[k], mask[k], lab[k] = int32(p.IDs[b][s]), int32(p.Mask[b][s]), sft.IgnoreIndex
			if s+1 < S {
				lab[k] = int32(p.Labels[b][s+1])
			}
			real += p.Mask[b][s]
		}
	}
	copy(pos, model.DefaultPositions(mask, B, S))
	return []any{tensors.FromFlatDataAndDimensions(ids, B, S), tensors.FromFlatDataAndDimensions(mask, B, S),
		tensors.FromFlatDataAndDimensions(pos, B, S), tensors.FromFlatDataAndDimensions(lab, B, S)}, real, nil
}

func scalar(t *tensors.Tensor) float64 { return float64(tensors.MustCopyFlatData[float32](t)[0]) }
