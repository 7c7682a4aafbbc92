package experiment

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/eval/derive"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// writeDerived writes, into a temporary $RIM_DERIVED, the files `rim eval derive` writes (its own item types),
// built from n GSM8K training problems: usable items, one failed item and one edit that changed the answer.
func writeDerived(t *testing.T, n int) string {
	t.Helper()
	ps, err := data.LoadProblems(testpaths.Shared(t, "data"), "gsm8k-train")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var lit []derive.LiteralItem
	edits := map[string][]derive.EditItem{ControlFile: nil, TargetFile: nil}
	for i, p := range ps[:n] {
		lit = append(lit, derive.LiteralItem{ID: p.ID, Problem: p.Question + " Who is named first?", Answer: "The story names them first."})
		for f, kind := range map[string]derive.EditKind{ControlFile: derive.Control, TargetFile: derive.Target} {
			edits[f] = append(edits[f], derive.EditItem{Index: i, Kind: kind, Instruction: p.Question, Original: p.Solution,
				Edited: string(kind) + ": " + p.Solution + "\n#### " + p.Answer, Preserved: true})
		}
	}
	lit = append(lit, derive.LiteralItem{ID: "failed", Error: "no question in the reply"})
	edits[TargetFile] = append(edits[TargetFile], derive.EditItem{Kind: derive.Target, Instruction: "q", Edited: "#### 7", Preserved: false})
	if err := eval.WriteJSONL(filepath.Join(dir, LiteralFile), lit); err != nil {
		t.Fatal(err)
	}
	for f, items := range edits {
		if err := eval.WriteJSONL(filepath.Join(dir, f), items); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The derived sets read back as chat records: failed items and answer-changing edits are skipped; a file of
// something else, or with no usable item, is an error naming it.
func TestDerivedRecords(t *testing.T) {
	dir := writeDerived(t, 3)
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
	s.Derived = writeDerived(t, 4)
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
