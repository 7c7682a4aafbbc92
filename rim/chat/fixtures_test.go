package chat

import (
	"path/filepath"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

var fixtureFamilies = []string{"qwen3", "llama3", "mistral"}

// TestFixtureRenderings renders every chat.jsonl record of the three
// reference tokenizers and compares the text (or the template's error).
func TestFixtureRenderings(t *testing.T) {
	for _, fam := range fixtureFamilies {
		dir := testpaths.Shared(t, "fixtures", "tokenizers", fam)
		cases, err := ReadCases(filepath.Join(dir, "chat.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) == 0 {
			t.Fatalf("%s: no cases", fam)
		}
		for i := range cases {
			c := &cases[i]
			t.Run(fam+"/"+c.ID, func(t *testing.T) {
				for _, p := range CheckCase(nil, c, dir, dir) {
					t.Error(p)
				}
			})
		}
	}
}
