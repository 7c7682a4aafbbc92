package neurons

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkCounterAddQwen3_4B: one pair's Top-m (m = 100 per layer) over
// Qwen3-4B's 36 layers × 9728 MLP neurons.
func BenchmarkCounterAddQwen3_4B(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	widths := make([]int, 36)
	diff := make([][]float64, 36)
	for l := range widths {
		widths[l] = 9728
		diff[l] = make([]float64, 9728)
		for j := range diff[l] {
			diff[l][j] = rng.NormFloat64()
		}
	}
	c, err := NewCounter(widths, 100, PerLayer)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := c.Add(diff); err != nil {
			b.Fatal(err)
		}
	}
}
