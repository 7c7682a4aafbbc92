package model

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive

	"github.com/rimlab/rim/rim/hook"
)

// moe is the sparse MoE block: router, top-k routing, experts, weighted sum.
// x [B,S,D] → [B,S,D]. Every expert is evaluated on every token and weighted
// by its routing weight (0 where not selected): exact for the selected
// experts, simple, differentiable; it costs nExperts/k times the sparse FLOPs.
// Options.MoE selects the sparse experts (moe_sparse.go) or this dense
// reference, computed from the stacks when no custom Linear or expert hook
// site needs each expert by name.
func (f *fwd) moe(L int, p string, x *Node) *Node {
	c := f.cfg
	E, k := c.NumExperts, c.TopK
	rl := f.lin(p+"gate", x)
	if rl.DType() != dtypes.Float32 { // router softmax/top-k in float32 (HF: softmax(..., dtype=torch.float))
		rl = ConvertDType(rl, dtypes.Float32)
	}
	logits := f.site(hook.RouterLogits(L), rl) // [B,S,E]
	f.out.RouterLogits = append(f.out.RouterLogits, logits)
	probs := f.site(hook.RouterProbs(L), Softmax(logits, -1))

	var idx []*Node     // k × [B,S] int32, decreasing
	var weights []*Node // k × [B,S]
	if f.arch.moe == moePhi {
		idx, weights = sparseMixer(logits, c.JitterEps)
	} else {
		rest := probs
		negInf := Infinity(x.Graph(), dtypes.Float32, -1)
		for i := 0; i < k; i++ {
			e := ArgMax(rest, -1, dtypes.Int32)
			oh := StopGradient(OneHot(e, E, dtypes.Float32))
			idx = append(idx, e)
			weights = append(weights, ReduceSum(Mul(probs, oh), -1))
			rest = Where(GreaterThan(oh, ScalarZero(x.Graph(), dtypes.Float32)), negInf, rest)
		}
		if f.arch.moe == moeMixtral || c.NormTopKProb {
			sum := weights[0]
			for i := 1; i < k; i++ {
				sum = Add(sum, weights[i])
			}
			for i := range weights {
				weights[i] = Div(weights[i], sum)
			}
		}
	}
	f.site(hook.TopKExperts(L), Stack(idx, -1))
	wk := f.site(hook.TopKWeights(L), Stack(weights, -1)) // [B,S,k]
	if f.stackedExpertsOK(L, p, x) {
		if f.cfg.MoE == MoESparse { // moe_sparse.go: only the routed experts
			return f.site(hook.MoEOut(L), f.sparseExperts(p, x, idx, wk))
		}
		return f.site(hook.MoEOut(L), f.denseStackedExperts(p, x, idx, wk))
	}

	// Per expert, by HF module name (a custom Linear such as LoRA, or
	// expert hook sites): expert e's weights are slices of the stacks.

	var out *Node
	for e := 0; e < E; e++ {
		gateN, upN, downN := expertNames(f.arch, p, e)
		h := Mul(silu(f.lin(gateN, x)), f.lin(upN, x))
		h = f.site(hook.ExpertPost(L, e), h)
		y := f.lin(downN, h)
		// weight of expert e per token: Σ_i wk[...,i]·[idx_i == e]
		var we *Node
		for i := 0; i < k; i++ {
			sel := ConvertDType(Equal(idx[i], Const(x.Graph(), int32(e))), dtypes.Float32)
			t := Mul(Slice(wk, AxisRange(), AxisRange(), AxisElem(i)), InsertAxes(sel, -1))
			if we == nil {
				we = t
			} else {
				we = Add(we, t)
			}
		}
		y = Mul(y, ConvertDType(we, y.DType())) // routing weights .to(hidden dtype) as HF
		if out == nil {
			out = y
		} else {
			out = Add(out, y)
		}
	}
	return f.site(hook.MoEOut(L), out)
}

// denseStackedExperts is the dense experts computed from the layer's stacks
// [E, out, in] (moe_stack.go) without slicing them: every expert on every
// token as three products against the whole stack, y [E, M, D], weighted
// by each token's routing weight of expert e (0 where not selected) and
// summed over e. x [B,S,D]; idx k × [B,S] int32; wk [B,S,k] → [B,S,D].
func (f *fwd) denseStackedExperts(p string, x *Node, idx []*Node, wk *Node) *Node {
	g := x.Graph()
	E, k := f.cfg.NumExperts, len(idx)
	dims := x.Shape().Dimensions
	B, S, D := dims[0], dims[1], dims[2]
	M := B * S
	gn, un, dn := expertNames(f.arch, p, 0)
	stack := func(hf string) *Node {
		st, _, _ := splitExpertWeight(hf + ".weight")
		w := f.p.Param(st)
		if w.DType() != x.DType() {
			w = ConvertDType(w, x.DType())
		}
		return w
	}
	x2 := Reshape(x, M, D)
	up := func(w *Node) *Node { return DotGeneral(x2, []int{1}, nil, w, []int{2}, nil) } // [M,E,I]
	h := Mul(silu(up(stack(gn))), up(stack(un)))
	y := DotGeneral(h, []int{2}, []int{1}, stack(dn), []int{2}, []int{0}) // [E,M,D]
	// we[e,t] = Σ_i wk[t,i]·[idx_i[t] == e]
	iota := Iota(g, shapeI32(E, 1), 0)
	wk2 := Reshape(wk, M, k)
	var we *Node
	for i := 0; i < k; i++ {
		sel := ConvertDType(Equal(Reshape(idx[i], 1, M), iota), dtypes.Float32) // [E,M]
		t := Mul(sel, Reshape(Slice(wk2, AxisRange(), AxisElem(i)), 1, M))
		if we == nil {
			we = t
		} else {
			we = Add(we, t)
		}
	}
	we = ConvertDType(we, y.DType()) // routing weights .to(hidden dtype) as HF
	return Reshape(ReduceSum(Mul(y, InsertAxes(we, -1)), 0), B, S, D)
}

// sparseMixer is Phi-3.5-MoE's top-2 routing in eval mode (transformers
// 4.51.3 `sparsemixer`): stage 1 keeps experts whose logit is within the
// relative band 2·eps of the max, w1 = softmax over those at the argmax;
// stage 2 repeats without the first expert. logits [B,S,E].
func sparseMixer(s *Node, eps float64) (idx, w []*Node) {
	g := s.Graph()
	E := s.Shape().Dimensions[2]
	negInf := Infinity(g, dtypes.Float32, -1)
	absS := Abs(s)
	stage := func(scores *Node) (*Node, *Node, *Node) {
		e := ArgMax(scores, -1, dtypes.Int32)
		m := StopGradient(ReduceAndKeep(scores, ReduceMax, -1))
		factor := Max(absS, m)
		drop := GreaterThan(Div(Sub(m, s), factor), Const(g, float32(2*eps)))
		gates := Softmax(Where(drop, negInf, scores), -1)
		oh := StopGradient(OneHot(e, E, dtypes.Float32))
		return e, ReduceSum(Mul(gates, oh), -1), oh
	}
	e1, w1, oh1 := stage(s)
	masked := Where(GreaterThan(oh1, ScalarZero(g, dtypes.Float32)), negInf, s)
	e2, w2, _ := stage(masked)
	return []*Node{e1, e2}, []*Node{w1, w2}
}
