package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Numeric gold answers are accepted as their literal text; other JSON types
// are malformed lines naming "gold".
func TestReadRecordedNumericGold(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r.jsonl")
	lines := `{"id": "a", "response": "The answer is 18.", "gold": 18}
{"id": "b", "response": "0.5", "gold": 0.5}
{"id": "c", "response": "x", "gold": "7"}
`
	if err := os.WriteFile(p, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := ReadRecorded(p, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"18", "0.5", "7"}
	for i, r := range recs {
		if r.Gold == nil || *r.Gold != want[i] {
			t.Errorf("%s: gold %v, want %q", r.ID, r.Gold, want[i])
		}
	}
	rep, _ := GradeRecorded(Grader{}, recs)
	if rep.Rate.K != 2 {
		t.Errorf("graded %d correct, want 2", rep.Rate.K)
	}
	if err := os.WriteFile(p, []byte(`{"response": "x", "gold": [1]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRecorded(p, true); err == nil || !strings.Contains(err.Error(), "gold") {
		t.Errorf("array gold: %v", err)
	}
	if err := os.WriteFile(p, []byte(`{"response": "x", "gold": null}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRecorded(p, true); err == nil || !strings.Contains(err.Error(), `missing "gold"`) {
		t.Errorf("null gold: %v", err)
	}
}
