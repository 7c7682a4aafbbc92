package chat

import (
	"os"
	"path/filepath"
	"strings"
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

// Without the template file next to the cases, VerifyFile falls back to the
// model directory's chat_template (tokenizer_config.json).
func TestVerifyFileTemplateFromModelDir(t *testing.T) {
	tk, dir := fixtureTokenizer(t, "qwen3")
	tmp := t.TempDir()
	data := readFile(t, dir, "chat.jsonl")
	path := filepath.Join(tmp, "chat.jsonl")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	checked, failed, err := VerifyFile(Wrap(tk), path, dir, &out)
	if err != nil || checked != 12 || failed != 0 {
		t.Errorf("checked %d failed %d err %v\n%s", checked, failed, err, out.String())
	}
	// and with no model dir either, each case reports the missing template
	checked, failed, err = VerifyFile(Wrap(tk), path, "", &out)
	if err != nil || failed != checked || !strings.Contains(out.String(), "not found") {
		t.Errorf("no template: checked %d failed %d err %v", checked, failed, err)
	}
}
