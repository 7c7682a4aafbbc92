package chat

import (
	"path/filepath"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// TestJinjaDifferential compares every renderer with Python jinja2 on random
// conversations (testdata/chat/jinja/cases.jsonl, made by
// testdata/chat/gen_cases.py), including the Phi-3.5, OLMo-2, OLMoE and
// Mixtral templates that have no shared fixture.
func TestJinjaDifferential(t *testing.T) {
	path := testpaths.TestData(t, "chat", "jinja", "cases.jsonl")
	cases, err := ReadCases(path)
	if err != nil {
		t.Fatal(err)
	}
	perTemplate := map[string]int{}
	failed := 0
	for i := range cases {
		c := &cases[i]
		perTemplate[c.Template]++
		if probs := CheckCase(nil, c, filepath.Dir(path), ""); len(probs) > 0 {
			failed++
			if failed <= 20 {
				t.Errorf("%s: %v", c.ID, probs)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d generated cases failed", failed, len(cases))
	}
	if len(perTemplate) != 9 {
		t.Errorf("templates covered: %v, want 9", perTemplate)
	}
}
