package finetune

import (
	"os"
	"testing"

	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/modeltest"
)

// BenchSpec is rim's ~42M-parameter Qwen3-shaped benchmark model (the
// same spec as rim/model's benchmarks).
var BenchSpec = modeltest.Spec{ModelType: "qwen3", Vocab: 32000, Hidden: 512, Layers: 8, Heads: 8, KVHeads: 4,
	HeadDim: 64, Intermediate: 1536, Tied: true, Seed: 7}

func benchTrain(b *testing.B, mode string) {
	dir := b.TempDir()
	if err := modeltest.Write(dir, BenchSpec); err != nil {
		b.Fatal(err)
	}
	m, err := model.Load(dir, model.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	cfg := Paper()
	cfg.Mode = mode
	steps := 2
	if os.Getenv("RIM_BENCH_STEPS") != "" {
		steps = 5
	}
	r, err := Bench(m, model.RandomIDs(8, 128, m.Config.Vocab, 1), cfg, steps)
	if err != nil {
		b.Fatal(err)
	}
	b.Log(r)
	b.ReportMetric(r.TokensPerSec(), "tok/s")
}

func BenchmarkTrainFull8x128(b *testing.B) { benchTrain(b, "full") }
func BenchmarkTrainLoRA8x128(b *testing.B) { benchTrain(b, "lora") }
