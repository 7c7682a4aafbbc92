package data

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

func TestSplitsDeterministic(t *testing.T) {
	xs := make([]int, 100)
	for i := range xs {
		xs[i] = i
	}
	a, b, err := SplitFrac(xs, 0.6, 7)
	if err != nil {
		t.Fatal(err)
	}
	a2, _, _ := SplitFrac(xs, 0.6, 7)
	c, _, _ := SplitFrac(xs, 0.6, 8)
	if len(a) != 60 || len(b) != 40 || !reflect.DeepEqual(a, a2) || reflect.DeepEqual(a, c) {
		t.Errorf("split: %d/%d same-seed-equal=%v other-seed-equal=%v", len(a), len(b), reflect.DeepEqual(a, a2), reflect.DeepEqual(a, c))
	}
	seen := map[int]bool{}
	for _, x := range append(append([]int{}, a...), b...) {
		seen[x] = true
	}
	if len(seen) != 100 {
		t.Errorf("split lost items: %d distinct", len(seen))
	}
	if _, _, err := SplitFrac(xs, 1.5, 0); err == nil {
		t.Error("fraction 1.5 accepted")
	}
	if _, err := Sample(xs, 101, 0); err == nil || !strings.Contains(err.Error(), "cannot sample 101 of 100") {
		t.Errorf("oversample: %v", err)
	}
}

func TestProbeSet(t *testing.T) {
	root := testpaths.Shared(t, "data")
	harmful, err := DefaultHarmful(root)
	if err != nil {
		t.Fatal(err)
	}
	harmless, err := LoadPrompts(root, "alpaca")
	if err != nil {
		t.Fatal(err)
	}
	train, test, err := ProbeSet(harmful, harmless, 300, 0.6, 42)
	if err != nil {
		t.Fatal(err)
	}
	count := func(ls []Labeled) (h int) {
		for _, l := range ls {
			if l.Harmful {
				h++
			}
		}
		return
	}
	if len(train) != 360 || len(test) != 240 || count(train) != 180 || count(test) != 120 {
		t.Errorf("probe split %d/%d harmful %d/%d", len(train), len(test), count(train), count(test))
	}
	train2, _, _ := ProbeSet(harmful, harmless, 300, 0.6, 42)
	if !reflect.DeepEqual(train, train2) {
		t.Error("probe set not deterministic")
	}
}

func TestDefaultHarmfulCategories(t *testing.T) {
	ps, err := DefaultHarmful(testpaths.Shared(t, "data"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 200+313 {
		t.Errorf("%d prompts, want 513", len(ps))
	}
	for _, p := range ps {
		if _, ok := Intents[p.Category]; !ok || p.SourceCategory == "" {
			t.Fatalf("prompt %s: category %q (source %q)", p.ID, p.Category, p.SourceCategory)
		}
	}
	// JBB and the refusal-direction test split map completely too.
	for _, set := range []string{"jailbreakbench", "rd-harmful-test", "rd-harmful-val"} {
		raw, err := LoadPrompts(testpaths.Shared(t, "data"), set)
		if err != nil {
			t.Fatal(err)
		}
		m, err := MapCategories(raw)
		if err != nil {
			t.Fatalf("%s: %v", set, err)
		}
		if len(m) != len(raw) {
			t.Errorf("%s: %d of %d mapped", set, len(m), len(raw))
		}
	}
	if _, err := MapCategories([]Prompt{{ID: "x", Source: "harmbench", Category: "weird"}}); err == nil || !strings.Contains(err.Error(), `harmbench category "weird"`) {
		t.Errorf("unknown category: %v", err)
	}
}

func TestWithIntent(t *testing.T) {
	ps, err := HExPHI(testpaths.TestData(t, "data", "hexphi"))
	if err != nil {
		t.Fatal(err)
	}
	mi, err := WithIntent(ps, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range mi {
		// The synthetic fixture requests have no final punctuation: ". ".
		want := ps[i].Text + ". " + Intents[ps[i].Category]
		if strings.ContainsAny(ps[i].Text[len(ps[i].Text)-1:], ".!?") {
			want = ps[i].Text + " " + Intents[ps[i].Category]
		}
		if p.Text != want || p.ID != ps[i].ID+"-mi" {
			t.Fatalf("%d: %q, want %q", i, p.Text, want)
		}
	}
	b, _ := WithIntent(ps, true)
	for _, p := range b {
		if p.Category == PrivacyViolation && !strings.HasSuffix(p.Text, PrivacyIntentB) {
			t.Errorf("privacy (b) not used: %q", p.Text)
		}
	}
	if _, err := WithIntent([]Prompt{{ID: "h1", Category: "copyright"}}, false); err == nil || !strings.Contains(err.Error(), `prompt h1: category "copyright"`) {
		t.Errorf("unmapped: %v", err)
	}
	if len(Intents) != 10 {
		t.Errorf("%d intents, want 10 public categories", len(Intents))
	}
}

func TestStatementsAndPrefill(t *testing.T) {
	for p, cats := range Patterns {
		for _, c := range cats {
			s, err := LookupStatement(c)
			if err != nil || s.Clean == "" || s.Dark == "" || s.Clean == s.Dark {
				t.Errorf("pattern %s: %s: %+v %v", p, c, s, err)
			}
		}
	}
	if _, err := LookupStatement("laziness"); err == nil || !strings.Contains(err.Error(), "calculation error") {
		t.Errorf("unknown statement: %v", err)
	}
	s, _ := LookupStatement("Confirmatory Reasoning")
	if got, _ := Prefill(ThinkPrefill, s.Dark); got != "<think>\nI will seek simple confirmation without logical re-evaluation to solve the request." {
		t.Errorf("think prefill %q", got)
	}
	if got, _ := Prefill(InstPrefill, s.Dark); got != s.Dark {
		t.Errorf("inst prefill %q", got)
	}
	if _, err := Prefill(PrefillStyle(9), "x"); err == nil {
		t.Error("bad style accepted")
	}
}
