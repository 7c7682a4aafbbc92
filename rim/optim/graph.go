package optim

import (
	"github.com/gomlx/gomlx/core/graph"
)

// GraphStep builds one AdamW update inside a GoMLX graph: the same arithmetic
// as Step, element-wise on p, g, m, v (any shape, all alike, float32). The
// three scalar nodes carry Scalars for this step (fed as graph inputs so one
// compiled executable serves every step and every learning rate):
//
//	decay = 1 - lr*wd, stepSize = lr/(1-beta1^t), bc2Sqrt = sqrt(1-beta2^t).
//
// It returns the new parameter and moments.
func (a AdamW) GraphStep(p, g, m, v, decay, stepSize, bc2Sqrt *graph.Node) (newP, newM, newV *graph.Node) {
	dt := p.DType()
	cv := func(x *graph.Node) *graph.Node {
		if x.DType() != dt {
			return graph.ConvertDType(x, dt)
		}
		return x
	}
	decay, stepSize, bc2Sqrt = cv(decay), cv(stepSize), cv(bc2Sqrt)
	newM = graph.Add(graph.MulScalar(m, a.Beta1), graph.MulScalar(g, 1-a.Beta1))
	newV = graph.Add(graph.MulScalar(v, a.Beta2), graph.MulScalar(graph.Mul(g, g), 1-a.Beta2))
	denom := graph.AddScalar(graph.Div(graph.Sqrt(newV), bc2Sqrt), a.Eps)
	upd := graph.Div(graph.Mul(graph.Neg(stepSize), newM), denom)
	newP = graph.Add(graph.Mul(p, decay), upd)
	return
}

// GraphGlobalNorm returns the L2 norm over all the gradient nodes, a scalar
// (computed in the gradients' dtype).
func GraphGlobalNorm(grads []*graph.Node) *graph.Node {
	var total *graph.Node
	for _, g := range grads {
		s := graph.ReduceAllSum(graph.Mul(g, g))
		if total == nil {
			total = s
		} else {
			total = graph.Add(total, s)
		}
	}
	return graph.Sqrt(total)
}

// GraphClipGradNorm scales grads by min(1, maxNorm/(norm+1e-6)) where norm is
// their global norm (torch clip_grad_norm_), returning the clipped gradients
// and the norm before clipping. maxNorm is a scalar node.
func GraphClipGradNorm(grads []*graph.Node, maxNorm *graph.Node) ([]*graph.Node, *graph.Node) {
	norm := GraphGlobalNorm(grads)
	if maxNorm.DType() != norm.DType() {
		maxNorm = graph.ConvertDType(maxNorm, norm.DType())
	}
	coef := graph.MinScalar(graph.Div(maxNorm, graph.AddScalar(norm, 1e-6)), 1.0)
	out := make([]*graph.Node, len(grads))
	for i, g := range grads {
		out[i] = graph.Mul(g, coef)
	}
	return out, norm
}
