package model

import (
	"fmt"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/backend"
)

// BenchmarkMatMulRows times x·Wᵀ for the few-row products of decoding
// (matmul.go): the plain DotGeneral against matmulXWt's row padding and
// 4-row groups, on the 42M benchmark model's MLP shape. Run:
//
//	GOEXPERIMENT=simd go test -run - -bench MatMulRows ./rim/model
func BenchmarkMatMulRows(b *testing.B) {
	be, err := backend.Default()
	if err != nil {
		b.Fatal(err)
	}
	K, N := 512, 1536
	w := tensors.FromFlatDataAndDimensions(make([]float32, N*K), N, K)
	for _, M := range []int{1, 4, 16} {
		x := tensors.FromFlatDataAndDimensions(make([]float32, M*K), M, K)
		for _, v := range []struct {
			name string
			fn   func(x, w *Node) *Node
		}{
			{"plain", func(x, w *Node) *Node { return DotGeneral(x, []int{1}, nil, w, []int{1}, nil) }},
			{"rim", matmulXWt},
		} {
			e := MustNewExec(be, v.fn)
			b.Run(fmt.Sprintf("rows=%d/%s", M, v.name), func(b *testing.B) {
				e.MustExec(x, w)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					e.MustExec(x, w)
				}
				b.ReportMetric(float64(2*M*N*K)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestMatMulXWtMatchesPlain checks the row padding and row groups against a
// plain product on the Go backend for every row count they treat
// differently: padded rows never leak into real ones.
func TestMatMulXWtMatchesPlain(t *testing.T) {
	be, err := backend.Default()
	if err != nil {
		t.Fatal(err)
	}
	K, N := 64, 96
	wf := make([]float32, N*K)
	for i := range wf {
		wf[i] = float32((i*7)%13-6) / 8
	}
	w := tensors.FromFlatDataAndDimensions(wf, N, K)
	for _, M := range []int{1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 40} {
		xf := make([]float32, M*K)
		for i := range xf {
			xf[i] = float32((i*5)%11-5) / 4
		}
		x := tensors.FromFlatDataAndDimensions(xf, 1, M, K)
		got := MustNewExec(be, matmulXWt).MustExec(x, w)[0]
		if d := got.Shape().Dimensions; len(d) != 3 || d[0] != 1 || d[1] != M || d[2] != N {
			t.Fatalf("rows %d: shape %v", M, d)
		}
		g := tensors.MustCopyFlatData[float32](got)
		for r := 0; r < M; r++ {
			for n := 0; n < N; n++ {
				var want float32
				for k := 0; k < K; k++ {
					want += xf[r*K+k] * wf[n*K+k]
				}
				// Inputs are multiples of 1/32 with small sums: exact in float32.
				if g[r*N+n] != want {
					t.Fatalf("rows %d: [%d,%d] = %v, want %v", M, r, n, g[r*N+n], want)
				}
			}
		}
	}
}
