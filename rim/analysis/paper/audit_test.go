package paper

import (
	"math"
	"testing"
)

// Fig A5's printed shares follow from the inferred counts: each share is count/N to the printed precision,
// the counts add up to N and the shares to 100%, largest first.
func TestFigA5SharesMatchCounts(t *testing.T) {
	if len(FigA5) != 2 || FigA5[0].Dataset != "GSM8K" || FigA5[1].Dataset != "HEx-PHI" {
		t.Fatalf("datasets %+v", FigA5)
	}
	for _, d := range FigA5 {
		sum, pct := 0, 0.0
		for i, s := range d.Shares {
			// shares under 1% are printed to 2 decimals, the rest to 1: half a unit of the last digit
			tol := 0.05
			if s.Percent < 1 {
				tol = 0.005
			}
			if got := 100 * float64(s.Count) / float64(d.N); math.Abs(got-s.Percent) > tol {
				t.Errorf("%s %s: %d/%d = %.3f%%, printed %.2f%%", d.Dataset, s.Category, s.Count, d.N, got, s.Percent)
			}
			if i > 0 && s.Count > d.Shares[i-1].Count {
				t.Errorf("%s: %s out of order", d.Dataset, s.Category)
			}
			sum, pct = sum+s.Count, pct+s.Percent
		}
		if sum != d.N || math.Abs(pct-100) > 0.05 {
			t.Errorf("%s: counts add up to %d (N %d), shares to %.2f%%", d.Dataset, sum, d.N, pct)
		}
	}
	if len(Fig2Quotes) != 6 {
		t.Errorf("%d Fig 2 quotes", len(Fig2Quotes))
	}
}
