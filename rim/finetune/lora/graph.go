package lora

import (
	"github.com/gomlx/gomlx/core/graph"
)

// Factors are the graph nodes of one module's A [r, in] and B [out, r].
type Factors struct{ A, B *graph.Node }

// WrapLinear returns a projection function (the shape of rim/model's Linear:
// HF module name and x [..., in] → [..., out]) that adds s·(x·Aᵀ)·Bᵀ to base
// for every module in factors and passes the others through. Computing x·Aᵀ
// first keeps the cost at O(r·(in+out)) per token. dropout, when non-nil,
// is applied to x on the LoRA branch only (PEFT's lora_dropout).
func WrapLinear(base func(string, *graph.Node) *graph.Node, factors map[string]Factors, scaling float64,
	dropout func(*graph.Node) *graph.Node) func(string, *graph.Node) *graph.Node {
	return func(name string, x *graph.Node) *graph.Node {
		y := base(name, x)
		f, ok := factors[name]
		if !ok {
			return y
		}
		xl := x
		if dropout != nil {
			xl = dropout(x)
		}
		rank := xl.Rank()
		h := graph.DotGeneral(xl, []int{rank - 1}, nil, f.A, []int{1}, nil) // [..., r]
		d := graph.DotGeneral(h, []int{rank - 1}, nil, f.B, []int{1}, nil)  // [..., out]
		return graph.Add(y, graph.MulScalar(d, scaling))
	}
}
