package probe

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// planted draws n rows of dimension d: Gaussian noise plus sign·mu·u along a
// fixed unit direction u (the first axis rotated by a fixed random vector).
func planted(rng *rand.Rand, u []float64, n int, sign, mu float64) [][]float64 {
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, len(u))
		for j := range u {
			rows[i][j] = rng.NormFloat64() + sign*mu*u[j] + 3 // offset: the probe must not rely on zero-mean data
		}
	}
	return rows
}

func unit(rng *rand.Rand, d int) []float64 {
	u := make([]float64, d)
	var s float64
	for j := range u {
		u[j] = rng.NormFloat64()
		s += u[j] * u[j]
	}
	for j := range u {
		u[j] /= math.Sqrt(s)
	}
	return u
}

// The paper's formulas (paired form, equal N) equal the class-mean form.
func TestFormulasAsPrinted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	u := unit(rng, 7)
	pos, neg := planted(rng, u, 9, 1, 1), planted(rng, u, 9, -1, 1)
	p, err := FitSteering(pos, neg)
	if err != nil {
		t.Fatal(err)
	}
	N := len(pos)
	for j := range u {
		var d float64
		for k := range N {
			d += pos[k][j] - neg[k][j]
		}
		if math.Abs(d/float64(N)-p.Direction[j]) > 1e-12 {
			t.Fatalf("d⁺[%d] = %g, paired formula gives %g", j, p.Direction[j], d/float64(N))
		}
	}
	var tau float64
	for k := range N {
		var sp, sn float64
		for j := range u {
			sp += pos[k][j] * p.Direction[j]
			sn += neg[k][j] * p.Direction[j]
		}
		tau += sp + sn
	}
	tau /= float64(2 * N)
	if math.Abs(tau-p.Threshold) > 1e-9 {
		t.Fatalf("τ = %g, printed formula gives %g", p.Threshold, tau)
	}
}

// A planted direction is found: test groups score 1.0 and 0.0, CV accuracy 1.
func TestPlantedDirection(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	const d = 64
	u := unit(rng, d)
	pos, neg := planted(rng, u, 60, 1, 8), planted(rng, u, 40, -1, 8)
	p, err := FitSteering(pos[:36], neg[:24])
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := GroupScore(p, "harmful", pos[36:]); s != 1 {
		t.Errorf("harmful test score %g, want 1", s)
	}
	if s, _ := GroupScore(p, "safe", neg[24:]); s != 0 {
		t.Errorf("safe test score %g, want 0", s)
	}
	// The direction is parallel to u.
	var cos, nd float64
	for j := range u {
		cos += p.Direction[j] * u[j]
		nd += p.Direction[j] * p.Direction[j]
	}
	if cos/math.Sqrt(nd) < 0.9 {
		t.Errorf("cos(d, u) = %.3f", cos/math.Sqrt(nd))
	}
	for _, fit := range []FitFunc{SteeringFit, LogisticFit(0.1)} {
		cv, err := CrossValidate(pos, neg, 5, 7, fit)
		if err != nil {
			t.Fatal(err)
		}
		if cv.Accuracy != 1 || len(cv.Folds) != 5 {
			t.Errorf("cv %+v, want accuracy 1 over 5 folds", cv)
		}
	}
}

// No signal: CV accuracy near chance.
func TestNoSignalChance(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	u := unit(rng, 5)
	pos, neg := planted(rng, u, 200, 0, 0), planted(rng, u, 200, 0, 0)
	cv, err := CrossValidate(pos, neg, 5, 1, SteeringFit)
	if err != nil {
		t.Fatal(err)
	}
	if cv.Accuracy < 0.38 || cv.Accuracy > 0.62 {
		t.Errorf("no-signal cv accuracy %.3f, want ≈0.5", cv.Accuracy)
	}
}

func TestLogisticMatchesKnownSolution(t *testing.T) {
	// 1-D, overlapping classes: the optimum satisfies ∇ = 0, checked directly.
	pos := [][]float64{{1}, {2}, {0.5}, {-0.2}}
	neg := [][]float64{{-1}, {0.3}, {-2}, {-0.5}, {0.1}}
	l, err := FitLogistic(pos, neg, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	var gw, gb float64
	all := append(append([][]float64{}, pos...), neg...)
	for i, x := range all {
		y := -1.0
		if i < len(pos) {
			y = 1
		}
		z := (x[0] - l.Mean[0]) / l.Std[0]
		m := y * (l.W[0]*z + l.B)
		gw += -y * sigmoid(-m) * z / float64(len(all))
		gb += -y * sigmoid(-m) / float64(len(all))
	}
	gw += 0.01 * l.W[0]
	gb += 0.01 * l.B
	if math.Abs(gw) > 1e-8 || math.Abs(gb) > 1e-8 {
		t.Fatalf("gradient at the solution (%g, %g)", gw, gb)
	}
	if !(l.Prob([]float64{2}) > 0.5 && l.Prob([]float64{-2}) < 0.5) {
		t.Fatalf("probabilities %g %g", l.Prob([]float64{2}), l.Prob([]float64{-2}))
	}
	// Woodbury path (N < d) agrees with the direct path on the same problem
	// padded with constant (zero-information) features: a d ≫ N case.
	rng := rand.New(rand.NewPCG(5, 5))
	u := unit(rng, 40)
	p2, n2 := planted(rng, u, 10, 1, 1), planted(rng, u, 10, -1, 1)
	lw, err := FitLogistic(p2, n2, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if a := Accuracy(lw, p2, n2); a < 0.9 {
		t.Errorf("woodbury-path train accuracy %g", a)
	}
}

func TestBadInput(t *testing.T) {
	ok := [][]float64{{1, 2}, {3, 4}}
	for _, c := range []struct {
		pos, neg [][]float64
		msg      string
	}{
		{ok, nil, "no negative samples"},
		{nil, ok, "no positive samples"},
		{ok, [][]float64{{1}}, "negative sample 0 has 1 dims, want 2"},
		{[][]float64{{1, math.NaN()}}, ok, "positive sample 0 dim 1 is NaN"},
	} {
		if _, err := FitSteering(c.pos, c.neg); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("error %v, want %q", err, c.msg)
		}
	}
	p, _ := FitSteering(ok, [][]float64{{0, 0}})
	if _, err := GroupScore(p, "fulfill", nil); err == nil || !strings.Contains(err.Error(), `group "fulfill" has no test samples`) {
		t.Errorf("empty group: %v", err)
	}
	if _, err := CrossValidate(ok, ok, 5, 0, SteeringFit); err == nil || !strings.Contains(err.Error(), "positive class has 2 samples, fewer than 5 folds") {
		t.Errorf("cv: %v", err)
	}
	if _, err := FitLogistic(ok, ok, 0); err == nil || !strings.Contains(err.Error(), "lambda 0 must be > 0") {
		t.Errorf("lambda: %v", err)
	}
	if _, _, err := Split(10, 1, 0); err == nil {
		t.Error("split fraction 1 accepted")
	}
}

func TestPoolMeanAndSplit(t *testing.T) {
	acts := [][]float64{{1, 10}, {2, 20}, {3, 30}, {4, 40}}
	m, err := PoolMean(acts, 1, 3)
	if err != nil || m[0] != 2.5 || m[1] != 25 {
		t.Fatalf("pool %v %v", m, err)
	}
	if m, _ := PoolMean(acts, 3, 4); m[0] != 4 {
		t.Fatalf("single position %v", m)
	}
	if _, err := PoolMean(acts, 2, 2); err == nil || !strings.Contains(err.Error(), "token range [2, 2) is empty") {
		t.Errorf("empty range: %v", err)
	}
	tr, te, err := Split(600, 0.6, 9)
	if err != nil || len(tr) != 360 || len(te) != 240 {
		t.Fatalf("split %d/%d %v", len(tr), len(te), err)
	}
	tr2, _, _ := Split(600, 0.6, 9)
	for i := range tr {
		if tr[i] != tr2[i] {
			t.Fatal("split not deterministic for a seed")
		}
	}
}

func TestLayers(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const d, nl = 16, 3
	u := unit(rng, d)
	// Layer 0: no signal; layers 1, 2: planted.
	var samples []Sample
	acts := make([][][]float64, nl)
	for i := range 100 {
		pos := i%2 == 0
		g := "safe"
		if pos {
			g = "harmful"
		}
		samples = append(samples, Sample{Positive: pos, Group: g, Train: i < 60})
		for l := range nl {
			sign := -1.0
			if pos {
				sign = 1
			}
			mu := 0.0
			if l > 0 {
				mu = 10
			}
			acts[l] = append(acts[l], planted(rng, u, 1, sign, mu)[0])
		}
	}
	res, err := Layers(nl, func(l int) ([][]float64, error) { return acts[l], nil }, samples, Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for l := 1; l < nl; l++ {
		r := res[l]
		if *r.Groups["harmful"].Score != 1 || *r.Groups["safe"].Score != 0 || r.CV.Accuracy != 1 || r.Groups["harmful"].N != 20 {
			t.Errorf("layer %d: %+v", l, r)
		}
	}
	if res[0].CV.Accuracy > 0.8 {
		t.Errorf("layer 0 (no signal) cv %g", res[0].CV.Accuracy)
	}
	// A group with no test samples is reported with a nil score.
	samples[61].Group = "fulfill"
	samples[61].Train = true
	samples = append(samples, Sample{Group: "fulfill", Train: true})
	for l := range acts {
		acts[l] = append(acts[l], acts[l][0])
	}
	res, err = Layers(nl, func(l int) ([][]float64, error) { return acts[l], nil }, samples, Config{Folds: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res[1].Groups["fulfill"]; ok {
		t.Errorf("a group with only training samples is listed: %+v", res[1].Groups)
	}
	res, _ = Layers(nl, func(l int) ([][]float64, error) { return acts[l], nil }, samples, Config{Folds: -1, Groups: []string{"fulfill"}})
	if g, ok := res[1].Groups["fulfill"]; !ok || g.N != 0 || g.Score != nil {
		t.Errorf("requested empty group: %+v", res[1].Groups)
	}
	if _, err := Layers(nl, func(l int) ([][]float64, error) { return acts[l][:5], nil }, samples, Config{}); err == nil || !strings.Contains(err.Error(), "layer 0 has 5 activation rows but there are 101 samples") {
		t.Errorf("row mismatch: %v", err)
	}
}
