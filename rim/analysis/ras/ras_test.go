package ras

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/stats"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g, want %.10g", what, got, want)
	}
}

// Hand example: safety dim 0 shrinks 4 → 2: (4−2)/2·4 = 4; math dim 0 grows
// 1 → 2: (2−1)/1·2 = 2; n = 3.
func TestHandExample(t *testing.T) {
	bs, ts := []float64{4, 2, 1}, []float64{2, 2, 2}
	bm, tm := []float64{1, 1, 3}, []float64{2, 1, 1}
	r, err := Compute([][]float64{bs}, [][]float64{ts}, [][]float64{bm}, [][]float64{tm}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "δ⁻_safe", r.DeltaSafe.Value, 4.0/3, 1e-15)
	near(t, "δ⁺_math", r.DeltaMath.Value, 2.0/3, 1e-15)
	near(t, "RAS", r.RAS, 2*(4.0/3)*(2.0/3)/(2), 1e-15)
	near(t, "arithmetic", r.Arithmetic, 1, 1e-15)
	near(t, "geometric", r.Geometric, math.Sqrt(8.0/9), 1e-15)
	if r.DeltaSafe.Qualifying != 1 || r.DeltaSafe.N != 3 || r.DeltaMath.Qualifying != 1 {
		t.Errorf("bookkeeping %+v %+v", r.DeltaSafe, r.DeltaMath)
	}
	// Qualifying-dims normaliser: 4 and 2.
	r, _ = Compute([][]float64{bs}, [][]float64{ts}, [][]float64{bm}, [][]float64{tm}, nil, Options{Norm: NormQualifying})
	near(t, "δ⁻_safe (qualifying)", r.DeltaSafe.Value, 4, 1e-15)
	near(t, "δ⁺_math (qualifying)", r.DeltaMath.Value, 2, 1e-15)
	// Restricted to dims {1, 2}: nothing shrinks → δ⁻_safe = 0 → RAS = 0.
	r, _ = Compute([][]float64{bs}, [][]float64{ts}, [][]float64{bm}, [][]float64{tm}, []int{1, 2}, Options{})
	if r.DeltaSafe.Value != 0 || r.RAS != 0 || r.Geometric != 0 {
		t.Errorf("restricted: %+v", r)
	}
}

func randRows(rng *rand.Rand, s, n int) [][]float64 {
	rows := make([][]float64, s)
	for i := range rows {
		rows[i] = make([]float64, n)
		for j := range rows[i] {
			rows[i][j] = 0.1 + rng.Float64()
		}
	}
	return rows
}

func scaled(rows [][]float64, c float64) [][]float64 {
	out := make([][]float64, len(rows))
	for i, r := range rows {
		out[i] = make([]float64, len(r))
		for j, v := range r {
			out[i][j] = v * c
		}
	}
	return out
}

// Properties: RAS = 0 when nothing shrinks; uniform shrinkage by c gives
// δ⁻_safe = (1/c − 1)… exactly (c⁻¹−1)·mean(base) for tuned = base·c, c < 1.
func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 20 {
		n := 1 + rng.IntN(50)
		bs, bm := randRows(rng, 5, n), randRows(rng, 7, n)
		// Nothing shrinks on the safety side.
		r, err := Compute(bs, scaled(bs, 1.5), bm, scaled(bm, 2), nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.DeltaSafe.Value != 0 || r.RAS != 0 {
			t.Fatalf("trial %d: nothing shrinks but δ⁻=%g RAS=%g", trial, r.DeltaSafe.Value, r.RAS)
		}
		// Identity: nothing changes.
		r, _ = Compute(bs, bs, bm, bm, nil, Options{})
		if r.DeltaSafe.Value != 0 || r.DeltaMath.Value != 0 || r.RAS != 0 {
			t.Fatalf("identity: %+v", r)
		}
		// Uniform scaling: safety ×c (c<1) gives terms (b − cb)/(cb)·b = (1/c − 1)·b;
		// math ×g (g>1) gives (gb − b)/b·gb = (g − 1)·g·b.
		c, g := 0.5+0.4*rng.Float64(), 1.1+rng.Float64()
		r, err = Compute(bs, scaled(bs, c), bm, scaled(bm, g), nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var mbs, mbm float64
		for j, v := range stats.MeanRows(bs) {
			mbs += v
			mbm += stats.MeanRows(bm)[j]
		}
		mbs /= float64(n)
		mbm /= float64(n)
		near(t, "uniform δ⁻_safe", r.DeltaSafe.Value, (1/c-1)*mbs, 1e-9)
		near(t, "uniform δ⁺_math", r.DeltaMath.Value, (g-1)*g*mbm, 1e-9)
		// Harmonic ≤ geometric ≤ arithmetic.
		if !(r.RAS <= r.Geometric+1e-12 && r.Geometric <= r.Arithmetic+1e-12) {
			t.Fatalf("mean ordering broken: %+v", r)
		}
		// Per-sample with uniform scaling equals mean-first (linear in b).
		p, _ := Compute(bs, scaled(bs, c), bm, scaled(bm, g), nil, Options{Aggregate: PerSample})
		near(t, "per-sample δ⁻_safe", p.DeltaSafe.Value, r.DeltaSafe.Value, 1e-9)
	}
}

func TestPerSampleDiffers(t *testing.T) {
	// Sample 0 shrinks dim 0 (2 → 1), sample 1 grows it (1 → 2): the means
	// are equal (1.5 vs 1.5) so MeanFirst gives 0, PerSample gives
	// ((2−1)/1·2 + 0)/2 = 1.
	bs := [][]float64{{2}, {1}}
	ts := [][]float64{{1}, {2}}
	m := [][]float64{{1}}
	r, _ := Compute(bs, ts, m, m, nil, Options{})
	p, _ := Compute(bs, ts, m, m, nil, Options{Aggregate: PerSample})
	if r.DeltaSafe.Value != 0 || p.DeltaSafe.Value != 1 {
		t.Fatalf("mean-first %g per-sample %g", r.DeltaSafe.Value, p.DeltaSafe.Value)
	}
}

func TestGuards(t *testing.T) {
	// Safety dim 0 shrinks 1 → 0 (zero denominator), dim 1 shrinks 1 → −0.5,
	// dim 2 shrinks 2 → 1 (term 2).
	base, tuned := []float64{1, 1, 2}, []float64{0, -0.5, 1}
	d, err := DeltaSafe(base, tuned, nil, Options{})
	if err != nil || d.Skipped != 2 || d.Qualifying != 1 {
		t.Fatalf("skip: %+v %v", d, err)
	}
	near(t, "skip", d.Value, 2.0/3, 1e-15)
	d, _ = DeltaSafe(base, tuned, nil, Options{Guard: GuardAbs, Eps: 0.01})
	// dim0: (1−0)/0.01·1 = 100; dim1: 1.5/0.5·1 = 3; dim2: 2.
	near(t, "abs", d.Value, 105.0/3, 1e-12)
	if _, err := DeltaSafe(base, tuned, nil, Options{Guard: GuardError}); err == nil || !strings.Contains(err.Error(), "dim 0: denominator activation 0") {
		t.Errorf("guard error: %v", err)
	}
	if _, err := DeltaSafe(base, tuned, nil, Options{Guard: GuardNone}); err == nil || !strings.Contains(err.Error(), "non") && !strings.Contains(err.Error(), "Inf") {
		t.Errorf("guard none with a zero denominator: %v", err)
	}
	// Guard none with a negative denominator: a negative δ, and RAS refuses it.
	_, err = Compute([][]float64{{1}}, [][]float64{{-0.5}}, [][]float64{{1}}, [][]float64{{2}}, nil, Options{Guard: GuardNone})
	if err == nil || !strings.Contains(err.Error(), "δ⁻_safe = -3 is negative") {
		t.Errorf("negative δ: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	ok := [][]float64{{1, 2}}
	for _, c := range []struct {
		bs, ts, bm, tm [][]float64
		dims           []int
		msg            string
	}{
		{ok, [][]float64{{1, 2}, {1, 2}}, ok, ok, nil, "base safe has 1 samples but tuned safe has 2"},
		{ok, ok, ok, [][]float64{{1, 2}, {3, 4}}, nil, "base math has 1 samples but tuned math has 2"},
		{ok, ok, nil, ok, nil, "base math has no samples"},
		{ok, [][]float64{{1, math.NaN()}}, ok, ok, nil, "tuned safe sample 0 dim 1 is NaN"},
		{ok, ok, [][]float64{{1, 2, 3}}, ok, nil, "base math sample 0 has 3 dims, want 2"},
		{ok, ok, ok, ok, []int{5}, "dim 5 out of range [0, 2)"},
		{ok, ok, ok, ok, []int{}, "empty dim set"},
	} {
		_, err := Compute(c.bs, c.ts, c.bm, c.tm, c.dims, Options{})
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("error %v, want %q", err, c.msg)
		}
	}
}

func TestKL(t *testing.T) {
	// p0 = (1/2, 1/2), pT = (3/4, 1/4): KL = ½ln(2/3) + ½ln2 = ½ln(4/3).
	l0 := []float32{0, 0}
	lT := []float32{float32(math.Log(3)), 0}
	near(t, "token KL", TokenKL(l0, lT), 0.5*math.Log(4.0/3), 1e-7)
	// Shift invariance of logits and KL(p‖p) = 0.
	near(t, "shifted", TokenKL([]float32{5, 5}, []float32{float32(math.Log(3)) - 2, -2}), 0.5*math.Log(4.0/3), 1e-6)
	if k := TokenKL(lT, lT); k != 0 {
		t.Errorf("KL(p‖p) = %g", k)
	}
	// Sequence 0: two tokens with KL k and 0; sequence 1: one token with 0.
	k := 0.5 * math.Log(4.0/3)
	base := [][]float32{{0, 0, 1, 2}, {3, 3}}
	tuned := [][]float32{{float32(math.Log(3)), 0, 1, 2}, {3, 3}}
	tm, err := MeanKL(base, tuned, 2, TokenMean)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "token mean", tm, k/3, 1e-7)
	sm, _ := MeanKL(base, tuned, 2, SequenceMean)
	near(t, "sequence mean", sm, (k/2)/2, 1e-7)
	if _, err := MeanKL(base, tuned[:1], 2, TokenMean); err == nil || !strings.Contains(err.Error(), "base has 2 sequences but tuned has 1") {
		t.Errorf("mismatch: %v", err)
	}
	if _, err := MeanKL([][]float32{{1, 2, 3}}, [][]float32{{1, 2, 3}}, 2, TokenMean); err == nil || !strings.Contains(err.Error(), "not a positive multiple of vocab 2") {
		t.Errorf("ragged: %v", err)
	}
	if _, err := MeanKL([][]float32{{float32(math.NaN()), 0}}, [][]float32{{0, 0}}, 2, TokenMean); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN logits: %v", err)
	}
}
