package stats

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestPearsonKnown(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5}
	y := []float64{2, 4, 6, 8, 10}
	c, err := Pearson(x, y)
	if err != nil || c.R != 1 || c.P != 0 {
		t.Fatalf("perfect line: %+v %v", c, err)
	}
	c, _ = Pearson(x, []float64{10, 8, 6, 4, 2})
	if c.R != -1 {
		t.Fatalf("perfect negative line: %+v", c)
	}
	// r = 8/sqrt(10·10) = 0.8 by hand; with df = 3 the t CDF has the closed
	// form F(t) = 1/2 + (u/(1+u²) + atan u)/π, u = t/√3.
	c, _ = Pearson(x, []float64{2, 1, 4, 3, 5})
	near(t, "r", c.R, 0.8, 1e-12)
	tt := 0.8 * math.Sqrt(3/(1-0.64))
	u := tt / math.Sqrt(3)
	wantP := 2 * (1 - (0.5 + (u/(1+u*u)+math.Atan(u))/math.Pi))
	near(t, "p", c.P, wantP, 1e-12)
}

func TestSpearman(t *testing.T) {
	// Monotone but nonlinear: rho = 1.
	x := []float64{1, 2, 3, 4, 5, 6}
	y := []float64{1, 8, 27, 64, 125, 216}
	c, err := Spearman(x, y)
	if err != nil || math.Abs(c.R-1) > 1e-12 {
		t.Fatalf("monotone: %+v %v", c, err)
	}
	// Ties: ranks x = 1, 2.5, 2.5, 4, 5 and y = 1, 3, 2, 5, 4 give
	// rho = 8.5/sqrt(9.5·10) by hand.
	c, _ = Spearman([]float64{1, 2, 2, 3, 4}, []float64{1, 3, 2, 5, 4})
	near(t, "rho", c.R, 8.5/math.Sqrt(95), 1e-12)
	near(t, "p", c.P, PValue(8.5/math.Sqrt(95), 5), 1e-15)
	// Anti-monotone with ties in both: rho = -1.
	c, _ = Spearman([]float64{1, 2, 2, 3, 4}, []float64{5, 3, 3, 2, 1})
	near(t, "rho", c.R, -1, 1e-12)
}

func TestRanksTies(t *testing.T) {
	got := Ranks([]float64{10, 20, 10, 30, 20, 20})
	want := []float64{1.5, 4, 1.5, 6, 4, 4}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ranks %v, want %v", got, want)
		}
	}
}

// TestPValueUniformUnderNull: with independent data, p < 0.05 about 5% of the time.
func TestPValueUniformUnderNull(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const trials, n = 4000, 10
	rej := 0
	for range trials {
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		c, err := Pearson(x, y)
		if err != nil {
			t.Fatal(err)
		}
		if c.P < 0.05 {
			rej++
		}
	}
	if f := float64(rej) / trials; f < 0.035 || f > 0.065 {
		t.Fatalf("null rejection rate %.3f, want ≈0.05", f)
	}
}

func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		x, y []float64
		msg  string
	}{
		{[]float64{1, 2, 3}, []float64{1, 2}, "x has 3 values but y has 2"},
		{[]float64{1, 2}, []float64{1, 2}, "at least 3 pairs"},
		{[]float64{1, math.NaN(), 3}, []float64{1, 2, 3}, "x[1] is NaN"},
		{[]float64{1, 2, 3}, []float64{1, math.Inf(1), 3}, "y[1] is +Inf"},
		{[]float64{1, 1, 1}, []float64{1, 2, 3}, "x is constant"},
	} {
		for _, f := range []func(x, y []float64) (Correlation, error){Pearson, Spearman} {
			_, err := f(c.x, c.y)
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%v %v: error %v, want %q", c.x, c.y, err, c.msg)
			}
		}
	}
	if _, err := Mean(nil); err == nil {
		t.Error("mean of nothing: no error")
	}
	if _, err := Mean([]float64{1, math.NaN()}); err == nil || !strings.Contains(err.Error(), "value 1 is NaN") {
		t.Errorf("mean with NaN: %v", err)
	}
}
