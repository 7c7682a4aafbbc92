package ras_test

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/ras"
)

// Safety activations shrink on dim 0 (4 → 2), math activations grow on dim 0
// (1 → 2); n = 3 dims, mean over samples first, 1/n over all dims.
func ExampleCompute() {
	baseSafe := [][]float64{{4, 2, 1}}
	tunedSafe := [][]float64{{2, 2, 2}}
	baseMath := [][]float64{{1, 1, 3}}
	tunedMath := [][]float64{{2, 1, 1}}
	r, err := ras.Compute(baseSafe, tunedSafe, baseMath, tunedMath, nil, ras.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("δ⁻_safe=%.4f δ⁺_math=%.4f RAS=%.4f arithmetic=%.4f geometric=%.4f\n",
		r.DeltaSafe.Value, r.DeltaMath.Value, r.RAS, r.Arithmetic, r.Geometric)
	// Output: δ⁻_safe=1.3333 δ⁺_math=0.6667 RAS=0.8889 arithmetic=1.0000 geometric=0.9428
}
