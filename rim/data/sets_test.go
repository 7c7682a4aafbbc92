package data

import (
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// Record counts from shared/data/README.md.
var wantCounts = map[string]int{
	"gsm8k-train": 7473, "gsm8k-test": 1319, "math500": 500, "math401": 401,
	"advbench": 520, "harmbench": 400, "harmbench-test": 320, "harmbench-val": 80,
	"strongreject": 313, "jailbreakbench": 100, "xstest": 450, "maliciousinstruct": 100,
	"tdc2023-dev": 50, "tdc2023-test": 50, "alpaca": 31323, "alpaca-seed": 175,
	"rd-harmful-train": 260, "rd-harmful-val": 39, "rd-harmful-test": 572,
	"rd-harmless-train": 18793, "rd-harmless-val": 6264, "rd-harmless-test": 6266,
}

func TestAllSetsRecordCounts(t *testing.T) {
	root := testpaths.Shared(t, "data")
	if len(SetNames()) != len(wantCounts) {
		t.Fatalf("registry has %d sets, test knows %d", len(SetNames()), len(wantCounts))
	}
	for _, name := range SetNames() {
		want := wantCounts[name]
		var n int
		var empty int
		if ps, err := LoadProblems(root, name); err == nil {
			n = len(ps)
			for _, p := range ps {
				if p.Question == "" || p.Answer == "" {
					empty++
				}
			}
		} else if strings.Contains(err.Error(), "prompt set") {
			ps, err := LoadPrompts(root, name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			n = len(ps)
			for _, p := range ps {
				if p.Text == "" {
					empty++
				}
			}
		} else {
			t.Fatalf("%s: %v", name, err)
		}
		if n != want || empty != 0 {
			t.Errorf("%s: %d records (%d empty), want %d", name, n, empty, want)
		}
	}
}

func TestSetContents(t *testing.T) {
	root := testpaths.Shared(t, "data")
	g, err := LoadProblems(root, "gsm8k-test")
	if err != nil {
		t.Fatal(err)
	}
	if g[0].Answer != "18" || strings.Contains(g[0].Solution, "####") || !strings.Contains(g[0].Solution, "<<16-3-4=9>>") {
		t.Errorf("gsm8k[0] = %+v", g[0])
	}
	m, err := LoadProblems(root, "math500")
	if err != nil {
		t.Fatal(err)
	}
	levels, subjects := map[int]int{}, map[string]int{}
	for _, p := range m {
		levels[p.Level]++
		subjects[p.Subject]++
	}
	if levels[5] != 134 || levels[1] != 43 || subjects["Algebra"] != 124 || subjects["Counting & Probability"] != 38 {
		t.Errorf("math500 levels %v subjects %v", levels, subjects)
	}
	x, err := LoadPrompts(root, "xstest")
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]int{}
	for _, p := range x {
		labels[p.Label]++
	}
	if labels["safe"] != 250 || labels["unsafe"] != 200 {
		t.Errorf("xstest labels %v", labels)
	}
	hb, err := LoadPrompts(root, "harmbench")
	if err != nil {
		t.Fatal(err)
	}
	ctx := 0
	for _, p := range hb {
		if p.Context != "" {
			ctx++
		}
	}
	if ctx != 100 {
		t.Errorf("harmbench contextual behaviours with context: %d, want 100", ctx)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := LoadPrompts(t.TempDir(), "advbench"); err == nil || !strings.Contains(err.Error(), "harmful_behaviors.csv is missing") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := LoadPrompts("x", "nope"); err == nil || !strings.Contains(err.Error(), `unknown set "nope"`) {
		t.Errorf("unknown set: %v", err)
	}
	if _, err := LoadPrompts("x", "gsm8k-test"); err == nil || !strings.Contains(err.Error(), "math set") {
		t.Errorf("kind mismatch: %v", err)
	}
	t.Setenv(DataDirEnv, "")
	t.Setenv("RIM_SHARED", "")
	t.Setenv("RIM_ROOT", "")
	t.Chdir(t.TempDir()) // no shared/data above it for the default root to find
	if _, err := LoadPrompts("", "advbench"); err == nil || !strings.Contains(err.Error(), DataDirEnv) {
		t.Errorf("no root: %v", err)
	}
}

func TestMalformedJSONL(t *testing.T) {
	path := testpaths.TestData(t, "data", "malformed", "gsm8k.jsonl")
	_, err := GSM8K(path)
	if err == nil || !strings.Contains(err.Error(), "gsm8k.jsonl:2: invalid json") {
		t.Fatalf("strict: %v", err)
	}
	var skipped []string
	ps, err := GSM8K(path, SkipMalformed(func(e *LineError) { skipped = append(skipped, e.Error()) }))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[1].Answer != "4" || ps[1].ID != "gsm8k-5" {
		t.Errorf("kept %+v", ps)
	}
	if len(skipped) != 2 || !strings.Contains(skipped[0], ":2:") || !strings.Contains(skipped[1], `:3: missing "question" or "answer"`) {
		t.Errorf("skipped %q", skipped)
	}
}

func TestMalformedCSV(t *testing.T) {
	path := testpaths.TestData(t, "data", "malformed", "advbench_fields.csv")
	if _, err := AdvBench(path); err == nil || !strings.Contains(err.Error(), "advbench_fields.csv:3: record has 3 fields") {
		t.Fatalf("strict: %v", err)
	}
	var lines []int
	ps, err := AdvBench(path, SkipMalformed(func(e *LineError) { lines = append(lines, e.Line) }))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[1].Text != "g4" || len(lines) != 2 || lines[0] != 3 || lines[1] != 4 {
		t.Errorf("kept %v skipped lines %v", ps, lines)
	}
	q := testpaths.TestData(t, "data", "malformed", "advbench.csv")
	if _, err := AdvBench(q); err == nil || !strings.Contains(err.Error(), "advbench.csv:3:") {
		t.Errorf("bad quote: %v", err)
	}
}

func TestHExPHI(t *testing.T) {
	ps, err := HExPHI(testpaths.TestData(t, "data", "hexphi"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 30 {
		t.Fatalf("%d prompts, want 30", len(ps))
	}
	cats := map[string]int{}
	for _, p := range ps {
		cats[p.Category]++
	}
	if len(cats) != 10 || cats[ChildAbuseContent] != 0 || cats[TailoredFinancialAdvice] != 3 {
		t.Errorf("categories %v", cats)
	}
	if ps[1].Text != "Synthetic request 1-b, with a quoted comma" || ps[2].Text != "Synthetic request 1-c, with an unquoted comma" {
		t.Errorf("texts %q %q", ps[1].Text, ps[2].Text)
	}
	for _, p := range ps {
		if p.ID == "hexphi-5-0" && p.Text != "Synthetic request 5-a with a byte-order mark" {
			t.Errorf("BOM not stripped: %q", p.Text)
		}
	}
	if ps[3].ID != "hexphi-3-0" || ps[3].Category != HateHarassViolence {
		t.Errorf("ps[3] = %+v", ps[3])
	}
	_, err = HExPHI(testpaths.TestData(t, "data", "hexphi_missing"))
	if err == nil || !strings.Contains(err.Error(), "missing category_4.csv, category_5.csv") || strings.Contains(err.Error(), "category_2.csv") {
		t.Errorf("missing files: %v", err)
	}
}
