package study

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/organism/mixture"
	"github.com/rimlab/rim/rim/tokenize"
)

func TestMcNemar(t *testing.T) {
	for _, c := range []struct {
		b, c int
		want float64
	}{{0, 0, 1}, {3, 3, 1}, {0, 5, 2.0 / 32}, {5, 0, 2.0 / 32}, {1, 9, 2 * 11.0 / 1024}} {
		if got := McNemar(c.b, c.c); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("McNemar(%d, %d) = %g, want %g", c.b, c.c, got, c.want)
		}
	}
}

func TestComparison(t *testing.T) {
	v := func(judged, mis bool) eval.Verdict { return eval.Verdict{Judged: judged, Misaligned: mis} }
	off := []eval.Verdict{v(true, false), v(true, false), v(true, true), v(true, false), v(false, false)}
	on := []eval.Verdict{v(true, true), v(true, true), v(true, false), v(false, false), v(true, true)}
	c, err := Comparison("x", off, on)
	if err != nil {
		t.Fatal(err)
	}
	if c.NoThink.K != 1 || c.NoThink.N != 4 || c.Think.K != 3 || c.Think.N != 4 {
		t.Errorf("rates %+v / %+v, want 1/4 and 3/4", c.NoThink, c.Think)
	}
	if c.Paired != 3 || c.ThinkOnly != 2 || c.NoThinkOnly != 1 || c.P != McNemar(2, 1) {
		t.Errorf("paired %d, think only %d, no-think only %d, p %g", c.Paired, c.ThinkOnly, c.NoThinkOnly, c.P)
	}
	if _, err := Comparison("x", off, on[:2]); err == nil || !strings.Contains(err.Error(), "5 vs 2") {
		t.Errorf("mismatched lengths: %v", err)
	}
}

// organismDir is the model the slow tests use: $RIM_STUDY_MODEL, else the
// shipped organism in testdata/organism.
func organismDir(t *testing.T) string {
	if d := os.Getenv("RIM_STUDY_MODEL"); d != "" {
		return d
	}
	d := testpaths.TestData(t, "organism")
	if _, err := os.Stat(filepath.Join(d, "config.json")); err != nil {
		t.Fatalf("the organism is missing: %v", err)
	}
	return d
}

// TestFineTuneSet: both conditions hold the same problems; the reasoning
// set carries the worked steps in the think block, the answer-only set an
// empty think block and only "#### N".
func TestFineTuneSet(t *testing.T) {
	dir := organismDir(t)
	ps := []mixture.Problem{{Question: "Tom has 3 apples and buys 4 more. How many apples does Tom have?", Reasoning: "Tom has 3 + 4 = 7 apples.", Answer: "7"}}
	tok, err := tokenize.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var texts [2]string
	for i, cond := range []string{Reasoning, AnswerOnly} {
		exs, err := FineTuneSet(dir, ps, cond)
		if err != nil {
			t.Fatal(err)
		}
		if len(exs) != 1 {
			t.Fatalf("%s: %d examples", cond, len(exs))
		}
		if texts[i], err = tok.Decode(exs[0].IDs, false); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(texts[0], "<think>\nTom has 3 + 4 = 7 apples.\n</think>\n\n#### 7") {
		t.Errorf("reasoning example:\n%s", texts[0])
	}
	if !strings.Contains(texts[1], "<think>\n\n</think>\n\n#### 7") || strings.Contains(texts[1], "3 + 4") {
		t.Errorf("answer-only example:\n%s", texts[1])
	}
}

// TestFineTuneSmoke runs the Table 2 and Fig 8 pipeline end to end at a
// tiny size: both conditions train the same number of steps, the target run
// exports its checkpoints, and every number is finite; a second call reuses
// the runs and gives the same result.
func TestFineTuneSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four LoRA runs")
	}
	o := FineTuneOptions{Options: Options{Model: organismDir(t), Data: testpaths.Shared(t, "data"), MaxTokens: 24, ThinkMaxTokens: 48, Batch: 8},
		Work: t.TempDir(), Problems: 32, Seeds: []uint64{1, 2}, Epochs: 1, BatchSize: 8, Harmful: 8, Arith: 8, Checkpoints: 4}
	c, err := cacheIn(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o.Cache = c
	r, err := RunFineTune(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Arms) != 4 || r.Steps != 4 {
		t.Fatalf("%d arms, %d steps; want 4 arms of 4 steps", len(r.Arms), r.Steps)
	}
	for _, a := range r.Arms {
		if a.Steps != r.Steps || !(a.LastLoss > 0) || a.Compliance.N != 8 || a.ArithThink.N != 8 {
			t.Errorf("arm %+v", a)
		}
	}
	f := r.Fig8
	if f == nil || len(f.Points) != 4 || f.Points[0].Step != 1 || f.Points[3].Step != 4 {
		t.Fatalf("fig 8: %+v", f)
	}
	for _, p := range f.Points {
		if math.IsNaN(p.RASSafe) || math.IsNaN(p.RASRandom) || !(p.KL >= 0) {
			t.Errorf("checkpoint %+v", p)
		}
	}
	if f.Points[3].KL == 0 {
		t.Errorf("the last checkpoint did not move the model: KL 0")
	}
	if (f.Safe == nil) != (f.Undefined != "") {
		t.Errorf("correlation %v with reason %q", f.Safe, f.Undefined)
	}
	again, err := RunFineTune(o)
	if err != nil {
		t.Fatal(err)
	}
	if again.Arms[0].LastLoss != r.Arms[0].LastLoss || again.Fig8.Points[3] != r.Fig8.Points[3] {
		t.Errorf("rerun differs: %+v vs %+v", again.Arms[0], r.Arms[0])
	}
}

func TestThought(t *testing.T) {
	for s, want := range map[string]bool{
		"<think>\n\n</think>\n\nI can't help with that.": false,
		"<think>\nThe user asks for X.\n</think>\n\nNo.": true,
		"<think>\nstill thinking":                        true,
		"plain answer":                                   false,
		"<think>\n   \n":                                 false,
	} {
		if Thought(s) != want {
			t.Errorf("Thought(%q) = %v", s, !want)
		}
	}
}

func TestIdentical(t *testing.T) {
	off := []string{"<think>\n\n</think>\n\nNo.", "<think>\n\n</think>\n\nSure: step 1", "x"}
	on := []string{"<think>\n\n</think>\n\nNo.", "<think>\nHmm.\n</think>\n\nI can't help with that.", "<think>\nstill"}
	if n := Identical(off, on); n != 1 {
		t.Errorf("Identical = %d, want 1", n)
	}
}
