package probe

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkLayerPaperSize: one layer of the paper's probe setting (600
// samples, 360 train, Qwen3-4B d = 2560) with 5-fold CV.
func BenchmarkLayerPaperSize(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	u := unit(rng, 2560)
	rows := append(planted(rng, u, 300, 1, 0.5), planted(rng, u, 300, -1, 0.5)...)
	samples := make([]Sample, 600)
	for i := range samples {
		samples[i] = Sample{Positive: i < 300, Group: "g", Train: i%5 < 3}
	}
	for b.Loop() {
		if _, err := Layers(1, func(int) ([][]float64, error) { return rows, nil }, samples, Config{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLogisticPaperSize: the extension probe on 360 × 2560.
func BenchmarkLogisticPaperSize(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	u := unit(rng, 2560)
	pos, neg := planted(rng, u, 180, 1, 0.5), planted(rng, u, 180, -1, 0.5)
	for b.Loop() {
		if _, err := FitLogistic(pos, neg, 0.01); err != nil {
			b.Fatal(err)
		}
	}
}
