package generate

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestArgmaxFirstOnTiesAndNaN(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct {
		in   []float32
		want int
	}{
		{[]float32{1, 3, 3, 2}, 1},
		{[]float32{nan, -1, -2}, 1},
		{[]float32{nan, nan}, -1},
		{nil, -1},
		{[]float32{float32(math.Inf(-1)), -5}, 1},
	} {
		if got := Argmax(c.in); got != c.want {
			t.Errorf("Argmax(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}

func logitsOf(p ...float64) []float32 {
	out := make([]float32, len(p))
	for i, v := range p {
		out[i] = float32(math.Log(v))
	}
	return out
}

func nonzero(p []float64) []int {
	var out []int
	for i, v := range p {
		if v > 0 {
			out = append(out, i)
		}
	}
	return out
}

func TestFilterTopP(t *testing.T) {
	// HF TopPLogitsWarper: ascending cumsum 0.1 0.3 0.6 1.0; remove c <= 1-p.
	for _, c := range []struct {
		p    float64
		keep []int
	}{
		{0.5, []int{2, 3}}, // removes c <= 0.5: 0.1, 0.3
		{0.3, []int{3}},    // removes c <= 0.7: 0.1 0.3 0.6
		{0.75, []int{1, 2, 3}},
		{0.01, []int{3}}, // always keeps the top token
		{1, []int{0, 1, 2, 3}},
	} {
		sm := newSampler(Sampling{Temperature: 1, TopP: c.p}, 1, 0)
		p, err := sm.Filter(logitsOf(0.1, 0.2, 0.3, 0.4))
		if err != nil {
			t.Fatal(err)
		}
		if got := nonzero(p); !equalInts(got, c.keep) {
			t.Errorf("top_p %v keeps %v, want %v", c.p, got, c.keep)
		}
		sum := 0.0
		for _, v := range p {
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("top_p %v: probabilities sum to %v", c.p, sum)
		}
	}
}

func TestFilterTopKKeepsTiesAndOrder(t *testing.T) {
	sm := newSampler(Sampling{Temperature: 1, TopK: 2}, 1, 0)
	p, _ := sm.Filter([]float32{1, 5, 3, 3, 0})
	if got := nonzero(p); !equalInts(got, []int{1, 2, 3}) {
		t.Errorf("top_k 2 keeps %v, want the max and both tied second values [1 2 3]", got)
	}
	// Top-k before top-p: after top-k 3 of (.4 .3 .2 .1) the renormalised
	// ascending cumsum is 2/9 5/9 1 and top-p 0.7 removes c <= 0.3: token 2.
	sm = newSampler(Sampling{Temperature: 1, TopK: 3, TopP: 0.7}, 1, 0)
	p, _ = sm.Filter(logitsOf(0.4, 0.3, 0.2, 0.1))
	if got := nonzero(p); !equalInts(got, []int{0, 1}) {
		t.Errorf("top_k 3 then top_p 0.7 keeps %v, want [0 1]", got)
	}
}

func TestFilterTemperature(t *testing.T) {
	sm := newSampler(Sampling{Temperature: 2}, 1, 0)
	p, _ := sm.Filter([]float32{0, 2})
	want := 1 / (1 + math.Exp(-1)) // softmax of (0, 1)
	if math.Abs(p[1]-want) > 1e-12 {
		t.Errorf("temperature 2: p[1] = %v, want %v", p[1], want)
	}
}

func TestSamplingFrequenciesAndSeeds(t *testing.T) {
	logits := logitsOf(0.5, 0.3, 0.15, 0.05)
	draw := func(seed uint64, row int, n int) []int {
		sm := newSampler(Sampling{Temperature: 1, TopP: 0.9, Seed: seed}, row+1, 0)
		out := make([]int, n)
		for i := range out {
			id, err := sm.next(row, logits)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = id
		}
		return out
	}
	a, b := draw(42, 0, 20000), draw(42, 0, 20000)
	if !equalInts(a, b) {
		t.Fatal("same seed gave different draws")
	}
	if equalInts(a[:50], draw(43, 0, 50)) || equalInts(a[:50], draw(42, 1, 50)) {
		t.Fatal("different seed or row gave the same draws")
	}
	// top_p 0.9 removes the 0.05 token; the rest renormalise to 0.5/0.95 ...
	counts := make([]float64, 4)
	for _, id := range a {
		counts[id]++
	}
	if counts[3] != 0 {
		t.Errorf("filtered token drawn %v times", counts[3])
	}
	for i, p := range []float64{0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95} {
		got := counts[i] / float64(len(a))
		if se := math.Sqrt(p * (1 - p) / float64(len(a))); math.Abs(got-p) > 5*se {
			t.Errorf("token %d frequency %.4f, want %.4f ± %.4f", i, got, p, 5*se)
		}
	}
}

func TestSamplingValidate(t *testing.T) {
	for _, s := range []Sampling{{Temperature: -1}, {Temperature: math.NaN()}, {Temperature: math.Inf(1)}, {TopK: -1}, {TopP: 1.5}, {TopP: -0.1}} {
		if err := s.Validate(); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
	if err := (Sampling{Temperature: 0.7, TopK: 20, TopP: 0.8}).Validate(); err != nil {
		t.Error(err)
	}
	sm := newSampler(Sampling{Temperature: 1}, 1, 0)
	if _, err := sm.next(0, []float32{float32(math.NaN())}); err == nil {
		t.Error("all-NaN logits: no error")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestKthLargest(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		n := 1 + r.IntN(50)
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(r.IntN(10)) // many ties
			if r.IntN(10) == 0 {
				x[i] = math.Inf(-1)
			}
		}
		sorted := append([]float64(nil), x...)
		sort.Float64s(sorted)
		k := 1 + r.IntN(n)
		if got, want := kthLargest(x, k, make([]float64, n)), sorted[n-k]; got != want {
			t.Fatalf("trial %d: kthLargest(%v, %d) = %v, want %v", trial, x, k, got, want)
		}
	}
}
