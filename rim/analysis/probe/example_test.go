package probe_test

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/probe"
)

// The paper's probe on one layer: mean-difference direction, dot-product
// score, threshold at the mean of class means, fraction of a test group above
// (by hand: scores 5.33, 4.27, 0 against τ = 28/9).
func ExampleFitSteering() {
	harmful := [][]float64{{2, 1}, {3, 1}, {2.5, 0}}
	harmless := [][]float64{{0, 1}, {-1, 0}, {0.5, 1}}
	p, err := probe.FitSteering(harmful, harmless)
	if err != nil {
		panic(err)
	}
	score, _ := probe.GroupScore(p, "harmful test", [][]float64{{2, 0}, {1.6, 1}, {0, 0}})
	fmt.Printf("d = %.2f, τ = %.3f, score = %.2f\n", p.Direction, p.Threshold, score)
	// Output: d = [2.67 0.00], τ = 3.111, score = 0.67
}
