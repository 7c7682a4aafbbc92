package finetune

import (
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/finetune/lora"
	"github.com/rimlab/rim/rim/model"
)

// loraMode trains a LoRA adapter (PEFT format) on the frozen base weights:
// the factors A [r,in] and B [out,r] of every adapted module are graph
// inputs after the model's parameters, and WrapLinear adds s·B·A·x (with
// PEFT's dropout on the branch input) to the adapted projections.
type loraMode struct {
	cfg     lora.Config
	adapter *lora.Adapter
	modules []lora.Module
	t       trainables
}

// newLoRAMode draws a fresh adapter (seeded) for the model's modules.
func newLoRAMode(cfg lora.Config, modules []lora.Module, seed uint64) (*loraMode, error) {
	a, err := lora.New(cfg, modules, seed)
	if err != nil {
		return nil, err
	}
	l := &loraMode{cfg: cfg, adapter: a, modules: modules}
	for _, p := range a.Pairs {
		an, bn := lora.TensorNames(p.Module.Name)
		l.t.names = append(l.t.names, an, bn)
		l.t.values = append(l.t.values, tensors.FromFlatDataAndDimensions(append([]float32(nil), p.A...), cfg.R, p.Module.In),
			tensors.FromFlatDataAndDimensions(append([]float32(nil), p.B...), p.Module.Out, cfg.R))
		l.t.decay = append(l.t.decay, true, true)
	}
	return l, nil
}

func (l *loraMode) trainables() *trainables { return &l.t }

func (l *loraMode) modelInputs(base []*tensors.Tensor) []*tensors.Tensor { return base }

func (l *loraMode) extraInputs() []*tensors.Tensor { return l.t.values }

func (l *loraMode) linear(lin model.Linear, _, extra []*graph.Node, rng *graph.Node) (model.Linear, []*graph.Node) {
	fs := map[string]lora.Factors{}
	for i, p := range l.adapter.Pairs {
		fs[p.Module.Name] = lora.Factors{A: extra[2*i], B: extra[2*i+1]}
	}
	var dropout func(*graph.Node) *graph.Node
	if p := l.cfg.Dropout; p > 0 && rng != nil {
		// PEFT's nn.Dropout(p) on the LoRA branch's input: keep with
		// probability 1-p, scaled by 1/(1-p). The state is threaded through
		// the calls in graph-building order.
		state := rng
		dropout = func(x *graph.Node) *graph.Node {
			var u *graph.Node
			state, u = graph.RandomUniform(state, x.Shape())
			keep := graph.GreaterOrEqual(u, graph.Scalar(x.Graph(), x.DType(), p))
			return graph.Where(keep, graph.MulScalar(x, 1/(1-p)), graph.ZerosLike(x))
		}
	}
	return lora.WrapLinear(lin, fs, l.cfg.Scaling(), dropout), extra
}

// adaptsExperts reports whether the adapter has a pair on an MoE expert
// projection (then the forward runs the experts through its Linear, dense).
func (l *loraMode) adaptsExperts() bool {
	for _, p := range l.adapter.Pairs {
		if strings.Contains(p.Module.Name, ".experts.") {
			return true
		}
	}
	return false
}

// current returns the adapter holding the current factors (copies).
func (l *loraMode) current() *lora.Adapter {
	for i, p := range l.adapter.Pairs {
		p.A = tensors.MustCopyFlatData[float32](l.t.values[2*i])
		p.B = tensors.MustCopyFlatData[float32](l.t.values[2*i+1])
	}
	return l.adapter
}

// writeWeights writes the PEFT adapter files.
func (l *loraMode) writeWeights(dir string) error { return l.current().Save(dir) }

func (l *loraMode) readWeights(dir string) (map[string][]float32, error) {
	a, err := lora.Load(dir, l.modules)
	if err != nil {
		return nil, err
	}
	vals := map[string][]float32{}
	for _, p := range a.Pairs {
		an, bn := lora.TensorNames(p.Module.Name)
		vals[an], vals[bn] = p.A, p.B
	}
	return vals, nil
}

// merge adds s·B·A to an adapted module's weight.
func (l *loraMode) merge(name string, w []float32) error {
	mod, isW := cutWeight(name)
	if !isW {
		return nil
	}
	if p, ok := l.adapter.Pair(mod); ok {
		return l.adapter.Merge(p, w)
	}
	return nil
}
