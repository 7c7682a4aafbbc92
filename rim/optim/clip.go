package optim

import (
	"fmt"
	"math"
)

// GlobalNorm returns the L2 norm of all gradients taken together, as
// torch.nn.utils.clip_grad_norm_ computes it (norm of the per-tensor norms).
// Accumulated in float64 (torch uses float32 per tensor; the two agree to
// float32 rounding, and float64 keeps large models stable).
func GlobalNorm(grads ...[]float32) float64 {
	var total float64
	for _, g := range grads {
		var s float64
		for _, x := range g {
			s += float64(x) * float64(x)
		}
		total += s
	}
	return math.Sqrt(total)
}

// ClipCoef is torch's clip coefficient: min(1, maxNorm/(norm + 1e-6)).
func ClipCoef(norm, maxNorm float64) float64 {
	return math.Min(1, maxNorm/(norm+1e-6))
}

// ClipGradNorm scales every gradient in place by ClipCoef(GlobalNorm, maxNorm)
// (torch.nn.utils.clip_grad_norm_ with norm_type 2) and returns the norm
// before clipping. A non-finite norm is an error and leaves grads unchanged,
// like torch's error_if_nonfinite=True.
func ClipGradNorm(maxNorm float64, grads ...[]float32) (float64, error) {
	if !(maxNorm > 0) {
		return 0, fmt.Errorf("optim: clip: max norm %g must be > 0", maxNorm)
	}
	norm := GlobalNorm(grads...)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm, fmt.Errorf("optim: clip: gradient norm is %g", norm)
	}
	c := float32(ClipCoef(norm, maxNorm))
	if c < 1 {
		for _, g := range grads {
			for i := range g {
				g[i] *= c
			}
		}
	}
	return norm, nil
}
