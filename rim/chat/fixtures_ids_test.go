package chat

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/tokenize"
)

var (
	tokMu    sync.Mutex
	tokCache = map[string]*tokenize.Tokenizer{}
)

// fixtureTokenizer loads (once) the tokenizer of a shared fixture folder.
func fixtureTokenizer(t *testing.T, fam string) (*tokenize.Tokenizer, string) {
	t.Helper()
	dir := testpaths.Shared(t, "fixtures", "tokenizers", fam)
	tokMu.Lock()
	defer tokMu.Unlock()
	if tk, ok := tokCache[dir]; ok {
		return tk, dir
	}
	tk, err := tokenize.Load(dir)
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	tokCache[dir] = tk
	return tk, dir
}

// TestFixtureIDs checks rendered text AND ids of every chat.jsonl record.
func TestFixtureIDs(t *testing.T) {
	for _, fam := range fixtureFamilies {
		tk, dir := fixtureTokenizer(t, fam)
		cases, err := ReadCases(filepath.Join(dir, "chat.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range cases {
			c := &cases[i]
			for _, p := range CheckCase(Wrap(tk), c, dir, dir) {
				t.Errorf("%s/%s: %s", fam, c.ID, p)
			}
		}
	}
}
