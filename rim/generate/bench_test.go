package generate

import (
	"sync"
	"testing"

	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/modeltest"
)

var benchSpec = BenchModelSpec

var (
	benchOnce  sync.Once
	benchModel *model.Model
	benchErr   error
)

// benchGenerate reports tokens/s for 64 greedy tokens after a 32-token
// prompt (go test -bench Generate -benchtime 1x ./rim/generate).
func benchGenerate(b *testing.B, batch int) {
	benchOnce.Do(func() {
		dir := b.TempDir()
		if benchErr = modeltest.Write(dir, benchSpec); benchErr == nil {
			benchModel, benchErr = model.Load(dir, model.Options{})
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	prompts := BenchPrompts(batch, 32, 0, benchSpec.Vocab, 1)
	for b.Loop() {
		r, err := Benchmark(NewModelStepper(benchModel), nil, prompts, 64)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.TokensPerSec, "tok/s")
		b.ReportMetric(r.DecodeTokensPerSec, "decode-tok/s")
	}
}

func BenchmarkGenerateBatch1(b *testing.B)  { benchGenerate(b, 1) }
func BenchmarkGenerateBatch16(b *testing.B) { benchGenerate(b, 16) }
