package model_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/backend"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/modeltest"
)

// BenchSpec is rim's benchmark model (docs/engine.md): Qwen3-shaped, ~42M parameters.
var BenchSpec = modeltest.Spec{ModelType: "qwen3", Vocab: 32000, Hidden: 512, Layers: 8, Heads: 8, KVHeads: 4,
	HeadDim: 64, Intermediate: 1536, Tied: true, Seed: 7}

var (
	benchOnce  sync.Once
	benchModel *model.Model
	benchErr   error
)

func loadBench(b *testing.B) *model.Model {
	benchOnce.Do(func() {
		dir := b.TempDir()
		if benchErr = modeltest.Write(dir, BenchSpec); benchErr == nil {
			benchModel, benchErr = model.Load(dir, model.Options{})
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchModel
}

func benchForward(b *testing.B, batch, seq int, opts ...model.Option) {
	m := loadBench(b)
	ids := model.RandomIDs(batch, seq, m.Config.Vocab, 1)
	in := model.Input{InputIDs: ids}
	if _, err := m.Forward(in, opts...); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := m.Forward(in, opts...); err != nil {
			b.Fatal(err)
		}
	}
	s := time.Since(t0).Seconds() / float64(b.N)
	b.ReportMetric(float64(batch*seq)/s, "tok/s")
	b.ReportMetric(m.Config.ForwardFLOPs(batch, seq, seq)/s/1e9, "GFLOP/s")
}

func BenchmarkForward8x128(b *testing.B) { benchForward(b, 8, 128) }

func BenchmarkForward8x128Captures(b *testing.B) {
	benchForward(b, 8, 128, model.Capture(hook.Logits, hook.ResidPost(3), hook.Z(3), hook.MLPPost(3)))
}

func BenchmarkForward1Token(b *testing.B) { benchForward(b, 1, 1) }

func BenchmarkForward1TokenCaptures(b *testing.B) {
	benchForward(b, 1, 1, model.Capture(hook.Logits, hook.ResidPost(3), hook.Z(3), hook.MLPPost(3)))
}

func BenchmarkDecodeStep(b *testing.B) {
	m := loadBench(b)
	prompt := model.RandomIDs(1, 32, m.Config.Vocab, 2)[0]
	r, err := m.BenchDecode("decode", prompt, b.N+1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.TokensPerSec(), "tok/s")
	b.ReportMetric(r.GFLOPs(), "GFLOP/s")
}

// BenchmarkMatMul2048 is the roofline reference: a plain 2048³ float32 matmul.
func BenchmarkMatMul2048(b *testing.B) {
	be, err := backend.Default()
	if err != nil {
		b.Fatal(err)
	}
	const n = 2048
	x := tensors.FromFlatDataAndDimensions(make([]float32, n*n), n, n)
	y := tensors.FromFlatDataAndDimensions(make([]float32, n*n), n, n)
	e, err := graph.NewExec(be, func(a, c *graph.Node) *graph.Node { return graph.MatMul(a, c) })
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.Exec(x, y); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := e.Exec(x, y); err != nil {
			b.Fatal(err)
		}
	}
	s := time.Since(t0).Seconds() / float64(b.N)
	b.ReportMetric(2*n*n*n/s/1e9, "GFLOP/s")
}
