package probe

import (
	"fmt"
	"math"
)

// PoolMean averages token activations [seq, d] over the half-open token
// range [start, end) — the paper's "CoT tokens (averaged)" panel of Fig 3
// (paper §3.1); a single position p is the range [p, p+1). Ranges come from the
// chat renderer's regions (rim/chat Encoded.Spans).
func PoolMean(acts [][]float64, start, end int) ([]float64, error) {
	if start < 0 || end > len(acts) || start >= end {
		return nil, fmt.Errorf("probe: token range [%d, %d) is empty or outside the %d tokens", start, end, len(acts))
	}
	out := make([]float64, len(acts[start]))
	for t := start; t < end; t++ {
		if len(acts[t]) != len(out) {
			return nil, fmt.Errorf("probe: token %d has %d dims, want %d", t, len(acts[t]), len(out))
		}
		for j, v := range acts[t] {
			if math.IsNaN(v) {
				return nil, fmt.Errorf("probe: token %d dim %d is NaN", t, j)
			}
			out[j] += v
		}
	}
	for j := range out {
		out[j] /= float64(end - start)
	}
	return out, nil
}
