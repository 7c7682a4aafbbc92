package model

import (
	"strings"

	"github.com/gomlx/compute"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph building reads better unqualified
)

// Matmul shapes for the Go backend's small kernel.
//
// gomlx/compute v0.1.14's Go backend sends a product of fewer than
// GoSmallMatMulFLOPs multiply-adds (batch·M·N·K; its
// internal/gobackend/dot/matmul/nosimd.go: SmallMatMulSizeThreshold) to an
// unpacked "small" kernel, and larger ones to a packed (BLIS-style) kernel.
// Three properties of that pair, measured on the project's 2-core AVX-512
// machine (`go test -bench MatMul ./rim/model`, docs/performance.md), make
// a decode step slow if its products are written the plain way:
//
//  1. The small kernel computes 4×4 output tiles; rows beyond a multiple of
//     4 take a scalar path that is 4–5× slower than a whole tile
//     ([1,512]·[1536,512]ᵀ 0.57 ms against 0.11 ms for 4 rows). A batch-1
//     decode multiplies one row: this was most of the 4× decode regression
//     of the move from compute v0.1.6.
//  2. The small kernel runs on one core unless the product has a batch
//     axis, which it splits over the workers. Batch-1 decoding is bound by
//     memory bandwidth (every weight is read once per token), and one core
//     does not saturate it.
//  3. The packed kernel re-packs the weight matrix on every call (only graph
//     constants are packed once), which costs as much as the product itself
//     for a few rows (batch-16 decoding).
//
// matmulXWt therefore pads the rows to a multiple of 4 (zeros: every output
// row depends only on its own input row, so real rows are bit-identical),
// and for products that fit the small kernel views the weight [N,K] as
// [P, N/P, K] (a free reshape of the row-major buffer) with the rows
// broadcast over P, so the kernel's batch split spreads the weight rows over
// the cores; up to smallRowGroupMax rows go in groups of 4 rows (each group
// streams the weights, but nothing is packed). The XLA backends compile
// plain products and are left alone.
const (
	// GoSmallMatMulFLOPs is the Go backend's small-kernel bound (batch·M·N·K).
	GoSmallMatMulFLOPs = 4 * 1024 * 1024
	smallRowGroupMax   = 16
)

// IsGoBackend reports whether b is the Go backend (whose matmul paths the
// row padding here and rim/generate's split lm_head are shaped for).
func IsGoBackend(b compute.Backend) bool {
	return b != nil && strings.HasPrefix(strings.ToLower(b.Name()), "go")
}

func isGoBackend(g *Graph) bool { return IsGoBackend(g.Backend()) }

// matmulXWt computes x·Wᵀ: x [..., K], w [N, K] → [..., N] (see above).
func matmulXWt(x, w *Node) *Node {
	dims := x.Shape().Dimensions
	K := dims[len(dims)-1]
	N := w.Shape().Dimensions[0]
	M := x.Shape().Size() / max(K, 1)
	Mp := (M + 3) / 4 * 4
	if !isGoBackend(x.Graph()) {
		return DotGeneral(x, []int{x.Rank() - 1}, nil, w, []int{1}, nil)
	}
	if M == 0 || Mp > smallRowGroupMax || 4*K*N >= GoSmallMatMulFLOPs {
		// Rows flattened to [M, K]: the product's gradients are then 2-D
		// transposes, which the Go backend has a fast kernel for; with
		// x [B, S, K] autodiff transposes [B, S, N] → [N, B, S], which takes
		// its generic element-by-element path (~15% of a training step).
		x2 := x
		if x.Rank() != 2 {
			x2 = Reshape(x, M, K)
		}
		y := DotGeneral(x2, []int{1}, nil, w, []int{1}, nil)
		if x.Rank() == 2 {
			return y
		}
		return Reshape(y, append(append([]int{}, dims[:len(dims)-1]...), N)...)
	}
	x2 := Reshape(x, M, K)
	if Mp != M {
		x2 = Concatenate([]*Node{x2, Zeros(x.Graph(), makeShape(x.DType(), Mp-M, K))}, 0)
	}
	var groups []*Node
	for r := 0; r < Mp; r += 4 {
		xg := x2
		if Mp > 4 {
			xg = Slice(x2, AxisRange(r, r+4))
		}
		groups = append(groups, DotGeneral(xg, []int{1}, nil, w, []int{1}, nil)) // [4, N]
	}
	y := groups[0]
	if len(groups) > 1 {
		y = Concatenate(groups, 0)
	}
	if Mp != M {
		y = Slice(y, AxisRange(0, M))
	}
	return Reshape(y, append(append([]int{}, dims[:len(dims)-1]...), N)...)
}

// batchedRowsMatMul is the attention product of every (batch, kvHead) pair:
// x [B, KV, R, C] contracted on its last axis with y [B, KV, …] on axis yC
// (3: y is [B, KV, N, C], the scores q·kᵀ; 2: y is [B, KV, C, N], the
// mixing p·v) → [B, KV, R, N]. In a decode step R = G·S is the query heads
// per KV head (often 2), so on the Go backend's small kernel the rows are
// padded to a multiple of 4 as in matmulXWt (padded rows are zeros and are
// sliced off; real rows are unchanged).
func batchedRowsMatMul(x, y *Node, yC int) *Node {
	d := x.Shape().Dimensions
	B, KV, R, C := d[0], d[1], d[2], d[3]
	N := y.Shape().Dimensions[5-yC] // the non-contracting axis of y (2 or 3)
	Rp := (R + 3) / 4 * 4
	if Rp == R || !isGoBackend(x.Graph()) || B*KV*Rp*C*N >= GoSmallMatMulFLOPs {
		return DotGeneral(x, []int{3}, []int{0, 1}, y, []int{yC}, []int{0, 1})
	}
	x = Concatenate([]*Node{x, Zeros(x.Graph(), makeShape(x.DType(), B, KV, Rp-R, C))}, 2)
	out := DotGeneral(x, []int{3}, []int{0, 1}, y, []int{yC}, []int{0, 1}) // [B, KV, Rp, N]
	return Slice(out, AxisRange(), AxisRange(), AxisRange(0, R), AxisRange())
}
