package experiment

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/paper"
)

func TestCheckpointSteps(t *testing.T) {
	for _, c := range []struct {
		total, k int
		want     []int
	}{{8, 4, []int{2, 4, 6, 8}}, {10, 4, []int{3, 5, 8, 10}}, {2, 4, []int{1, 2}}, {96, 8, []int{12, 24, 36, 48, 60, 72, 84, 96}}, {5, 1, []int{5}}} {
		if got := CheckpointSteps(c.total, c.k); !slices.Equal(got, c.want) {
			t.Errorf("CheckpointSteps(%d, %d) = %v, want %v", c.total, c.k, got, c.want)
		}
	}
}

// Correlate reproduces Fig 8's r from the paper's points and says why r is undefined instead of giving NaN.
func TestCorrelate(t *testing.T) {
	var ras, y []float64
	for _, p := range paper.Fig8 {
		ras, y = append(ras, p.RASTarget), append(y, p.MRate)
	}
	p := Correlate("RAS", ras, y, "the misalignment rate")
	if p.Corr == nil || math.Abs(p.Corr.R-0.891) > 5e-4 || math.Abs(p.Corr.P-0.003) > 5e-4 || p.Undefined != "" {
		t.Fatalf("paper points: %+v", p)
	}
	for _, c := range []struct {
		x, y []float64
		want string
	}{
		{[]float64{1, 2}, []float64{3, 4}, "only 2 checkpoints"},
		{[]float64{1, 2, 3}, []float64{5, 5, 5}, "the misalignment rate is 5 at every checkpoint"},
		{[]float64{0, 0, 0}, []float64{1, 2, 3}, "RAS is 0 at every checkpoint"},
		{[]float64{1, math.NaN(), 3}, []float64{1, 2, 3}, "x[1] is NaN"},
	} {
		p := Correlate("RAS", c.x, c.y, "the misalignment rate")
		if p.Corr != nil || !strings.Contains(p.Undefined, c.want) {
			t.Errorf("%v, %v: %+v, want undefined with %q", c.x, c.y, p, c.want)
		}
	}
}
