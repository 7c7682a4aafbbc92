package eval

import (
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

type mathCase struct {
	Response, Gold, Note string
	Found, Correct       bool
}

func loadMathCases(t testing.TB) []mathCase {
	var cs []mathCase
	err := data.ReadJSONL(testpaths.TestData(t, "eval", "math_cases.jsonl"), func(_ int, c mathCase) error {
		cs = append(cs, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestTrickyMathCases(t *testing.T) {
	cs := loadMathCases(t)
	if len(cs) < 50 {
		t.Fatalf("%d tricky cases, want ≥ 50", len(cs))
	}
	var g Grader
	for _, c := range cs {
		r := g.Grade(c.Response, c.Gold)
		if r.Found != c.Found || r.Correct != c.Correct {
			t.Errorf("%s: response %q gold %q: got found=%v correct=%v (extracted %q by %s), want found=%v correct=%v",
				c.Note, c.Response, c.Gold, r.Found, r.Correct, r.Extracted, r.Method, c.Found, c.Correct)
		}
	}
}

func TestExtractionOrder(t *testing.T) {
	resp := "The answer is 3.\n\\boxed{4}\n#### 5"
	for _, c := range []struct {
		order string
		want  string
	}{{"####,boxed", "5"}, {"boxed,####", "4"}, {"answer-is,boxed", "3"}, {"last-number", "5"}} {
		o, err := ParseOrder(c.order)
		if err != nil {
			t.Fatal(err)
		}
		if a, _, _ := Extract(resp, o); a != c.want {
			t.Errorf("order %s: %q, want %q", c.order, a, c.want)
		}
	}
	if _, err := ParseOrder("boxed,guess"); err == nil || !strings.Contains(err.Error(), `"guess"`) {
		t.Errorf("bad order: %v", err)
	}
}

func TestMATH401Tolerance(t *testing.T) {
	g := Grader{Tol: Tolerance{Abs: 1e-3}}
	if !g.Grade("4.8903 * 3.4272 = 16.7601", "16.76003").Correct {
		t.Error("within 1e-3 rejected")
	}
	if g.Grade("= 16.762", "16.76003").Correct {
		t.Error("outside 1e-3 accepted")
	}
}

func FuzzExtract(f *testing.F) {
	for _, c := range loadMathCases(f) {
		f.Add(c.Response, c.Gold)
	}
	var g Grader
	f.Fuzz(func(t *testing.T, resp, gold string) {
		r := g.Grade(resp, gold)
		if !r.Found && (r.Correct || r.Extracted != "") {
			t.Fatalf("not found but %+v", r)
		}
		if r.Found && !strings.Contains(resp, r.Extracted) && r.Method != MethodLast {
			t.Fatalf("extracted %q is not in the response", r.Extracted)
		}
		Normalize(resp)
	})
}

// Recorded responses are MATH401's when every id has data.MATH401's prefix; none, or one other id, is not.
func TestIsMATH401(t *testing.T) {
	rec := func(ids ...string) []Recorded {
		var rs []Recorded
		for _, id := range ids {
			rs = append(rs, Recorded{ID: id})
		}
		return rs
	}
	for _, c := range []struct {
		recs []Recorded
		want bool
	}{
		{rec("math401-1", "math401-400"), true},
		{rec("math401-1", "gsm8k-7"), false},
		{rec("line-1"), false},
		{nil, false},
	} {
		if got := IsMATH401(c.recs); got != c.want {
			t.Errorf("%v: %v, want %v", c.recs, got, c.want)
		}
	}
	// The ids data gives the real sets.
	root := testpaths.Shared(t, "data")
	for set, want := range map[string]bool{"math401": true, "math500": false, "gsm8k-test": false} {
		ps, err := data.LoadProblems(root, set)
		if err != nil {
			t.Fatal(err)
		}
		recs := make([]Recorded, len(ps))
		for i, p := range ps {
			recs[i] = Recorded{ID: p.ID}
		}
		if got := IsMATH401(recs); got != want {
			t.Errorf("%s: %v, want %v", set, got, want)
		}
	}
}
