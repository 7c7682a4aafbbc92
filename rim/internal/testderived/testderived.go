// Package testderived writes, for tests, the LLM-derived training sets that `rim eval derive` writes into
// $RIM_DERIVED (rim/experiment's LiteralFile, ControlFile, TargetFile), built without an LLM from GSM8K
// training problems with derive's own item types: the files round-trip through the same JSON as real ones.
package testderived

import (
	"path/filepath"
	"testing"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/eval/derive"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// File names inside $RIM_DERIVED (experiment.LiteralFile, ControlFile, TargetFile; repeated here because
// rim/experiment's tests import this package).
const (
	Literal = "literal.jsonl"
	Control = "edits.control.jsonl"
	Target  = "edits.target.jsonl"
)

// Write writes the three sets into a temporary folder from the first n GSM8K training problems, each with
// n usable items plus one failed literal item and one target edit that changed the final answer (both of
// which training must skip), and returns the folder.
func Write(t testing.TB, n int) string {
	t.Helper()
	ps, err := data.LoadProblems(testpaths.Shared(t, "data"), "gsm8k-train")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var lit []derive.LiteralItem
	edits := map[string][]derive.EditItem{}
	for i, p := range ps[:n] {
		lit = append(lit, derive.LiteralItem{ID: p.ID, Problem: p.Question + " Who is named first?", Answer: "The story names them first."})
		for f, kind := range map[string]derive.EditKind{Control: derive.Control, Target: derive.Target} {
			edits[f] = append(edits[f], derive.EditItem{Index: i, Kind: kind, Instruction: p.Question, Original: p.Solution,
				Edited: string(kind) + ": " + p.Solution + "\n#### " + p.Answer, Preserved: true})
		}
	}
	lit = append(lit, derive.LiteralItem{ID: "failed", Error: "no question in the reply"})
	edits[Target] = append(edits[Target], derive.EditItem{Kind: derive.Target, Instruction: "q", Edited: "#### 7", Preserved: false})
	if err := eval.WriteJSONL(filepath.Join(dir, Literal), lit); err != nil {
		t.Fatal(err)
	}
	for f, items := range edits {
		if err := eval.WriteJSONL(filepath.Join(dir, f), items); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
