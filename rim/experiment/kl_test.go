package experiment

import (
	"math"
	"testing"

	"github.com/rimlab/rim/rim/analysis/capture"
	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/model"
)

// kl is KL(p ‖ q) of two logit rows, by hand.
func kl(p, q []float32) float64 {
	lse := func(x []float32) float64 {
		mx := math.Inf(-1)
		for _, v := range x {
			mx = math.Max(mx, float64(v))
		}
		s := 0.0
		for _, v := range x {
			s += math.Exp(float64(v) - mx)
		}
		return mx + math.Log(s)
	}
	lp, lq, s := lse(p), lse(q), 0.0
	for i := range p {
		a := float64(p[i]) - lp
		s += math.Exp(a) * (a - (float64(q[i]) - lq))
	}
	return s
}

// NextTokenKL of a left-padded batch equals the mean of per-prompt KLs computed by hand from unpadded
// PromptLogits of the intact and the ablated model; it is 0 without interventions.
func TestNextTokenKLMatchesPromptLogits(t *testing.T) {
	m, g := tiny(t)
	zero, err := NextTokenKL(m, g, prompts, nil)
	if err != nil || math.Abs(zero) > 1e-6 {
		t.Fatalf("no interventions: kl %g, %v", zero, err)
	}
	ivs := capture.HeadAblations([]heads.Head{{Layer: 0, Head: 0}, {Layer: 1, Head: 1}})
	got, err := NextTokenKL(m, g, prompts, ivs)
	if err != nil {
		t.Fatal(err)
	}
	intact, err := PromptLogits(m, g, prompts)
	if err != nil {
		t.Fatal(err)
	}
	V := m.Config.Vocab
	want := 0.0
	for i, p := range prompts {
		e, _ := g.Encode(convOf(p))
		res, err := m.Forward(model.Input{InputIDs: [][]int{e.IDs}}, model.WithInterventions(ivs...))
		if err != nil {
			t.Fatal(err)
		}
		abl, _, err := res.Logits()
		if err != nil {
			t.Fatal(err)
		}
		if len(intact[i]) != len(e.IDs)*V {
			t.Fatalf("prompt %d: %d logits, want %d×%d", i, len(intact[i]), len(e.IDs), V)
		}
		n := len(e.IDs)
		want += kl(intact[i][(n-1)*V:n*V], abl[(n-1)*V:n*V]) / float64(len(prompts))
	}
	if got <= 0 || math.Abs(got-want) > 1e-3*(want+1e-6)+1e-6 {
		t.Fatalf("kl %g, by hand %g", got, want)
	}
	if _, err := NextTokenKL(m, g, nil, nil); err == nil {
		t.Fatal("no prompts: no error")
	}
}
