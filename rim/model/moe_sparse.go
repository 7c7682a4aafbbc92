package model

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive

	"github.com/rimlab/rim/rim/hook"
)

// Sparse MoE experts (issue 14 part 1): each token runs only its k routed
// experts, with static shapes and no capacity limit (exact).
//
// The T·k (token, slot) assignments are grouped by expert into chunks of C
// rows that each belong to one expert: expert e gets ceil(count_e/C) chunks,
// so N = ceil((T·k + E·(C−1))/C) chunks always suffice. Each chunk gathers
// its C token rows and its expert's weights (from the layer's expert
// stacks [E, out, in], moe_stack.go) and runs the SwiGLU expert as a batched matmul; every
// assignment then gathers its output row back and the k rows of a token are
// summed with the routing weights. Only integer index arithmetic is not
// differentiable (it does not need to be); tokens, weights and routing
// weights flow through Gather/DotGeneral, so the same graph serves
// backward (full fine-tuning, router gradients).
//
// Matmul FLOPs per layer: 3·2·D·I·N·C ≈ 3·2·D·I·(T·k + E·C) against
// 3·2·D·I·T·E for the dense reference (moe.go), plus a gather of N
// experts' weights from the stacks Load keeps (moe_stack.go).
//
// The sparse path is used when Config.MoE is MoESparse and the forward
// neither captures nor intervenes on an expert's hook_post (those sites are
// defined for every token, which only the dense path computes) and uses
// the model's own linear layers (a custom Linear, e.g. LoRA, is applied by
// module name, per expert: the dense path).

// MoEMode selects how MoE experts are computed.
type MoEMode string

const (
	// MoEDense evaluates every expert on every token, weighted by its routing
	// weight (0 where not selected): the reference.
	MoEDense MoEMode = "dense"
	// MoESparse runs each token through its top-k experts only: the
	// default (faster than dense on the Go backend with the experts stored
	// stacked, docs/engine.md "Sparse MoE").
	MoESparse MoEMode = "sparse"
)

// ParseMoEMode maps "sparse", "" (sparse, the default) or "dense" to a MoEMode.
func ParseMoEMode(s string) (MoEMode, error) {
	switch s {
	case "", "sparse":
		return MoESparse, nil
	case "dense":
		return MoEDense, nil
	}
	return "", fmt.Errorf("rim: moe mode %q is not supported (dense or sparse)", s)
}

// stackedExpertsOK reports whether layer L may compute its experts from
// the stacks (sparse, or dense without slicing them): the model's own
// linear for the experts (or Plan.ExpertsPlain), no expert hook site
// captured or intervened on, no expert biases.
func (f *fwd) stackedExpertsOK(L int, p string, x *Node) bool {
	if f.customLin && !f.plan.ExpertsPlain {
		return false
	}
	dims := x.Shape().Dimensions
	var probe *Node
	for e := 0; e < f.cfg.NumExperts; e++ {
		s := hook.ExpertPost(L, e)
		if f.plan.Capture[s] {
			return false
		}
		if f.plan.Intervene != nil {
			if probe == nil {
				probe = BroadcastToDims(ScalarZero(x.Graph(), dtypes.Float32), dims[0], dims[1], f.cfg.MoEIntermediate)
			}
			if f.plan.Intervene(s, probe) != probe {
				return false
			}
		}
		g, u, d := expertNames(f.arch, p, e)
		if f.has(g+".bias") || f.has(u+".bias") || f.has(d+".bias") {
			return false
		}
	}
	return true
}

// sparseExperts computes Σ_j w[t,j]·expert_{idx[t,j]}(x_t). x [B,S,D];
// idx k × [B,S] int32; wk [B,S,k] (float32 routing weights) → [B,S,D].
func (f *fwd) sparseExperts(p string, x *Node, idx []*Node, wk *Node) *Node {
	g := x.Graph()
	c := f.cfg
	E, k := c.NumExperts, len(idx)
	dims := x.Shape().Dimensions
	B, S, D := dims[0], dims[1], dims[2]
	T := B * S
	A := T * k
	C := max(1, min(64, (A+E-1)/E)) // ~ the mean rows per expert, so padding ≤ the work itself
	N := (A + E*(C-1) + C - 1) / C

	// Assignment a = t·k + j → expert.
	ex := StopGradient(Reshape(Stack(idx, -1), A))                                         // [A] int32
	oh := ConvertDType(Equal(Reshape(ex, A, 1), Iota(g, shapeI32(1, E), 1)), dtypes.Int32) // [A,E]
	counts := ReduceSum(oh, 0)                                                             // [E]
	// rank of each assignment among those of its expert: exclusive prefix sum over a.
	rank := ReduceSum(Mul(Sub(prefixSum(oh), oh), oh), -1) // [A]
	padded := Mul(DivScalar(AddScalar(counts, int32(C-1)), int32(C)), Const(g, int32(C)))
	ends := prefixSum(Reshape(padded, E, 1)) // inclusive [E,1]
	ends = Reshape(ends, E)
	offs := Sub(ends, padded)
	slot := Add(Gather(offs, Reshape(ex, A, 1)), rank) // [A], < N·C
	tok := DivScalar(Iota(g, shapeI32(A), 0), int32(k))
	// src[slot] = token of the assignment; unused slots read row 0 (their outputs are never gathered).
	src := Scatter(Reshape(slot, A, 1), tok, shapeI32(N*C), false, true)
	// chunk n belongs to the number of experts whose chunks end at or before n·C.
	start := MulScalar(Iota(g, shapeI32(N, 1), 0), int32(C))
	chunkE := ReduceSum(ConvertDType(LessOrEqual(Reshape(ends, 1, E), start), dtypes.Int32), -1) // [N]
	chunkE = Min(chunkE, Const(g, int32(E-1)))
	src, slot, chunkE = StopGradient(src), StopGradient(slot), StopGradient(chunkE)

	// Each chunk gathers its expert's weights from the layer's stack
	// [E, out, in] (moe_stack.go; stored dtype, converted after the gather):
	// [N, out, in], reading only the experts that have chunks.
	stack := func(which int) *Node {
		gn, un, dn := expertNames(f.arch, p, 0)
		st, _, _ := splitExpertWeight([]string{gn, un, dn}[which] + ".weight")
		w := Gather(f.p.Param(st), Reshape(chunkE, N, 1))
		if w.DType() != x.DType() {
			w = ConvertDType(w, x.DType())
		}
		return w
	}
	xs := Reshape(Gather(Reshape(x, T, D), Reshape(src, N*C, 1)), N, C, D)
	mm := func(h, w *Node) *Node { // [N,C,in] · [N,out,in]ᵀ → [N,C,out]
		return DotGeneral(h, []int{2}, []int{0}, w, []int{2}, []int{0})
	}
	h := Mul(silu(mm(xs, stack(0))), mm(xs, stack(1)))
	y := Reshape(mm(h, stack(2)), N*C, D)
	ya := Reshape(Gather(y, Reshape(slot, A, 1)), B, S, k, D)
	w := ConvertDType(wk, ya.DType()) // routing weights .to(hidden dtype) as HF
	return ReduceSum(Mul(ya, InsertAxes(w, -1)), 2)
}

// prefixSum is the inclusive prefix sum over axis 0 (Hillis–Steele: log2(n)
// shifted adds, basic ops only).
func prefixSum(x *Node) *Node {
	n := x.Shape().Dimensions[0]
	for s := 1; s < n; s *= 2 {
		rest := x.Shape().Dimensions[1:]
		zdims := append([]int{s}, rest...)
		z := BroadcastToDims(ScalarZero(x.Graph(), x.DType()), zdims...)
		shifted := Concatenate([]*Node{z, Slice(x, AxisRange(0, n-s))}, 0)
		x = Add(x, shifted)
	}
	return x
}

// validateRouter rejects router settings rim does not implement (before any
// weights are read): a scoring function other than softmax (e.g. DeepSeek's
// "sigmoid") or a top-k method other than greedy.
func (c *Config) validateRouter() error {
	if archs[c.ModelType].moe == moeNone {
		return nil
	}
	for key, ok := range map[string]string{"scoring_func": "softmax", "topk_method": "greedy"} {
		if v, present := c.raw[key]; present && v != nil && v != ok {
			return fmt.Errorf("%s %v is not supported for %s (rim routes with softmax top-k, or sparsemixer for phimoe)", key, v, c.ModelType)
		}
	}
	return nil
}
