package eval

import (
	"testing"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// goldAccuracy grades each problem's response (built from the problem) against
// the gold answer of problem perm[i].
func goldAccuracy(ps []data.Problem, resp func(data.Problem) string, perm []int) (correct, found int, wrong []string) {
	var g Grader
	for i, p := range ps {
		gold := ps[perm[i]].Answer
		r := g.Grade(resp(p), gold)
		if r.Found {
			found++
		}
		if r.Correct {
			correct++
		} else if len(wrong) < 20 {
			wrong = append(wrong, r.Extracted+" | "+gold)
		}
	}
	return
}

func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// rotate pairs each response with the gold of another problem (a shuffled
// pairing that never pairs an item with itself).
func rotate(n, k int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = (i + k) % n
	}
	return p
}

func TestGoldAsPrediction(t *testing.T) {
	root := testpaths.Shared(t, "data")
	for _, c := range []struct {
		set  string
		resp func(data.Problem) string
	}{
		{"gsm8k-test", func(p data.Problem) string { return p.Solution + "\n#### " + p.Answer }},
		{"gsm8k-test", func(p data.Problem) string {
			return "<think>\nsome reasoning 12\n</think>\nThe answer is " + p.Answer + "."
		}},
		{"gsm8k-train", func(p data.Problem) string { return p.Solution + "\n#### " + p.Answer }},
		{"math500", func(p data.Problem) string {
			return "<think>x = 3</think>\nSo the final answer is $\\boxed{" + p.Answer + "}$."
		}},
		{"math500", func(p data.Problem) string { return p.Solution }}, // the reference solutions' own \boxed{}
		{"math401", func(p data.Problem) string { return p.Question + p.Answer }},
	} {
		ps, err := data.LoadProblems(root, c.set)
		if err != nil {
			t.Fatal(err)
		}
		correct, found, wrong := goldAccuracy(ps, c.resp, identity(len(ps)))
		if correct != len(ps) || found != len(ps) {
			t.Errorf("%s gold: %d/%d correct, %d found; e.g. %q", c.set, correct, len(ps), found, wrong)
		}
		shuffled, _, _ := goldAccuracy(ps, c.resp, data.Permutation(len(ps), 1))
		rot, _, _ := goldAccuracy(ps, c.resp, rotate(len(ps), 1))
		t.Logf("%s: gold %d/%d, shuffled %d (%.1f%%), rotated %d", c.set, correct, len(ps), shuffled, 100*float64(shuffled)/float64(len(ps)), rot)
		if float64(rot) > 0.08*float64(len(ps)) || float64(shuffled) > 0.08*float64(len(ps)) {
			t.Errorf("%s: shuffled pairing scores %d and %d of %d", c.set, shuffled, rot, len(ps))
		}
	}
}
