package stats_test

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/stats"
)

// Fig 8: RAS on safety-critical neurons tracks the misalignment rate over the
// Qwen3-4B GSM8k checkpoints.
func ExamplePearson() {
	var ras, mrate []float64
	for _, p := range paper.Fig8 {
		ras, mrate = append(ras, p.RASTarget), append(mrate, p.MRate)
	}
	c, err := stats.Pearson(ras, mrate)
	if err != nil {
		panic(err)
	}
	fmt.Printf("r = %.3f, p = %.3f (n = %d)\n", c.R, c.P, c.N)
	// Output: r = 0.891, p = 0.003 (n = 8)
}
