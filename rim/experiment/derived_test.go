package experiment

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testderived"
)

// The derived sets read back as chat records: failed items and answer-changing edits are skipped; a file of
// something else, or with no usable item, is an error naming it.
func TestDerivedRecords(t *testing.T) {
	if LiteralFile != testderived.Literal || ControlFile != testderived.Control || TargetFile != testderived.Target {
		t.Fatal("testderived's file names differ from LiteralFile, ControlFile, TargetFile")
	}
	dir := testderived.Write(t, 3)
	for f, want := range map[string]string{LiteralFile: "Who is named first?", ControlFile: "control: ", TargetFile: "target: "} {
		recs, err := derivedRecords(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 || !strings.Contains(recs[0].Messages[0].Content+recs[0].Messages[1].Content, want) {
			t.Errorf("%s: %d records, first %+v", f, len(recs), recs[0])
		}
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"prompt": "hi"}`+"\n"), 0o644)
	if _, err := derivedRecords(bad); err == nil || !strings.Contains(err.Error(), "bad.jsonl:1") {
		t.Errorf("foreign file: %v", err)
	}
	os.WriteFile(bad, []byte(`{"id": "x", "error": "timeout"}`+"\n"), 0o644)
	if _, err := derivedRecords(bad); err == nil || !strings.Contains(err.Error(), "no usable item") {
		t.Errorf("all failed: %v", err)
	}
}

// Table A7 measured: without RIM_DERIVED one sentence naming it and the command; with it, two fine-tunes
// judged against the base model, the GSM8k one shared with Table 2's run.
func TestTableA7Measured(t *testing.T) {
	s := demoSettings(t)
	if _, err := TableA7Measured(s, TableA7Options{}); err == nil || !strings.Contains(err.Error(), "RIM_DERIVED is not set") || !strings.Contains(err.Error(), "rim eval derive") {
		t.Fatalf("unset: %v", err)
	}
	s.Derived = t.TempDir()
	if _, err := TableA7Measured(s, TableA7Options{}); err == nil || !strings.Contains(err.Error(), "no literal.jsonl") {
		t.Fatalf("empty folder: %v", err)
	}
	s.Derived = testderived.Write(t, 4)
	s.SFT.Samples, s.SFT.Steps, s.SFT.Batch = 4, 2, 2
	r, err := TableA7Measured(s, TableA7Options{Samples: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 2 || r.Rows[1].Set != "GSM8k-Literal" || r.Rows[1].Examples != 4 || r.Base.Rate.N+r.Base.Unjudged != 3 || r.Source != "measured on tiny-qwen3" {
		t.Fatalf("result %+v", r)
	}
	for _, row := range r.Rows {
		if want := 100 * (row.Safety.Rate.Rate - r.Base.Rate.Rate); row.Delta != want || row.LastLoss <= 0 {
			t.Errorf("%s: delta %v want %v, last loss %v", row.Set, row.Delta, want, row.LastLoss)
		}
	}
	if rd := r.Reading(); !strings.Contains(rd, "+5.27") || !strings.Contains(rd, "4 GSM8k-Literal examples") {
		t.Errorf("reading %q", rd)
	}
}

// Fig 7 measured: RAS on A_safe and random neurons after a Control and a Target fine-tune from the derived
// edits (the answer-changing edit skipped), with the paper's dense models beside.
func TestFig7Measured(t *testing.T) {
	s := demoSettings(t)
	if _, err := Fig7Measured(s, Fig7Options{}); err == nil || !strings.Contains(err.Error(), "RIM_DERIVED is not set") {
		t.Fatalf("unset: %v", err)
	}
	s.Derived = testderived.Write(t, 4)
	s.SFT.Samples, s.SFT.Steps, s.SFT.Batch = 4, 2, 2
	r, err := Fig7Measured(s, Fig7Options{Samples: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Arms) != 2 || r.Arms[1].Set != "GSM8k(L) Target" || r.Arms[1].Examples != 4 || len(r.Paper) != 4 || r.Source != "measured on tiny-qwen3" {
		t.Fatalf("result %+v", r)
	}
	for _, a := range r.Arms {
		if math.IsNaN(a.RAS) || math.IsNaN(a.RASRandom) || a.KL <= 0 {
			t.Errorf("%s: RAS %v, random %v, KL %v", a.Set, a.RAS, a.RASRandom, a.KL)
		}
	}
	if rd := r.Reading(); !strings.Contains(rd, "4 of 4 dense models") || !strings.Contains(rd, "1.09 vs 1.10") {
		t.Errorf("reading %q", rd)
	}
}
