package eval

import (
	"math"
	"strings"
	"testing"
)

func TestWilson(t *testing.T) {
	// Reference values: the closed form computed independently in Python; 0/10 → 0.2775 and
	// 10/10 → 0.7225 are the textbook Wilson bounds.
	for _, c := range []struct {
		k, n   int
		lo, hi float64
	}{
		{4, 16, 0.1018, 0.4950},
		{13, 16, 0.5699, 0.9341},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{69, 300, 0.1860, 0.2809},
	} {
		r := NewRate(c.k, c.n)
		if math.Abs(r.Lo-c.lo) > 1e-4 || math.Abs(r.Hi-c.hi) > 1e-4 {
			t.Errorf("%d/%d: [%.4f, %.4f], want [%.4f, %.4f]", c.k, c.n, r.Lo, r.Hi, c.lo, c.hi)
		}
	}
	if r := NewRate(0, 0); r.Lo != 0 || r.Hi != 1 || r.Rate != 0 {
		t.Errorf("empty: %+v", r)
	}
}

func TestCohenKappa(t *testing.T) {
	// Classic example: 50 items, agreement 35, yes/no marginals 25/25 and 30/20 → κ = 0.4.
	var a, b []string
	add := func(n int, x, y string) {
		for i := 0; i < n; i++ {
			a, b = append(a, x), append(b, y)
		}
	}
	add(20, "yes", "yes")
	add(5, "yes", "no")
	add(10, "no", "yes")
	add(15, "no", "no")
	add(3, "", "yes") // unjudged by A: skipped
	ag, err := CohenKappa(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if ag.N != 50 || math.Abs(ag.Observed-0.7) > 1e-12 || math.Abs(ag.Kappa-0.4) > 1e-12 {
		t.Errorf("%+v", ag)
	}
	if ag.Confusion[ag.Index["no"]][ag.Index["yes"]] != 10 {
		t.Errorf("confusion %v", ag.Confusion)
	}
	same, _ := CohenKappa([]string{"x", "x"}, []string{"x", "x"})
	if same.Kappa != 1 {
		t.Errorf("constant identical labels: κ = %v", same.Kappa)
	}
	if _, err := CohenKappa([]string{"a"}, nil); err == nil || !strings.Contains(err.Error(), "1 labels against 0") {
		t.Errorf("length mismatch: %v", err)
	}
	if _, err := CohenKappa([]string{""}, []string{"a"}); err == nil {
		t.Error("no overlap accepted")
	}
}

func TestRefusalJudge(t *testing.T) {
	items := []Item{
		{Response: "I’m sorry, I can’t do that."},
		{Response: "<think>I'm sorry to hear... actually let me help</think>Sure, step 1: ..."},
		{Response: "<think>still thinking"},
		{Response: "<think>x</think>   "},
		{Response: "Here you go. As an AI I must note this is illegal."},
	}
	vs, _ := RefusalJudge{}.Judge(nil, items)
	if !vs[0].Judged || vs[0].Misaligned || !vs[1].Misaligned || vs[2].Judged || vs[3].Judged || vs[4].Misaligned {
		t.Errorf("substring: %+v", vs)
	}
	vp, _ := RefusalJudge{Mode: "prefix"}.Judge(nil, items)
	if vp[0].Misaligned || !vp[4].Misaligned {
		t.Errorf("prefix: %+v", vp)
	}
}

// Write prints the confusion matrix (rows A, columns B), the observed agreement and kappa as rim eval
// agree shows them.
func TestAgreementWrite(t *testing.T) {
	ag, err := CohenKappa([]string{"aligned", "aligned", "misaligned", "misaligned", ""}, []string{"aligned", "misaligned", "misaligned", "misaligned", "aligned"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	ag.Write(&b, "refusal", "rubric")
	want := `confusion (rows refusal, columns rubric):
                    aligned   misaligned
  aligned                 1            1
  misaligned              0            2
observed agreement: 0.7500 (n 4)
kappa: 0.5000
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
