package tokenize

import (
	"bytes"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

var fixtureTokenizers = []string{"qwen3", "llama3", "mistral"}

var (
	loadedMu sync.Mutex
	loaded   = map[string]*Tokenizer{}
)

// fixture loads (once per test binary) the tokenizer of a shared fixture folder.
func fixture(t testing.TB, name string) *Tokenizer {
	t.Helper()
	loadedMu.Lock()
	defer loadedMu.Unlock()
	if tk, ok := loaded[name]; ok {
		return tk
	}
	dir := testpaths.Shared(t, "fixtures", "tokenizers", name)
	start := time.Now()
	tk, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	t.Logf("loaded %s in %v", name, time.Since(start))
	loaded[name] = tk
	return tk
}

func TestFixtureFiles(t *testing.T) {
	for _, name := range fixtureTokenizers {
		for _, file := range []string{"cases.jsonl", "decode.jsonl"} {
			t.Run(name+"/"+file, func(t *testing.T) {
				tk := fixture(t, name)
				path := filepath.Join(testpaths.Shared(t, "fixtures", "tokenizers", name), file)
				var out bytes.Buffer
				checked, failed, err := VerifyFile(tk, path, &out)
				if err != nil {
					t.Fatal(err)
				}
				if checked == 0 {
					t.Fatalf("%s: no records checked", path)
				}
				if failed > 0 {
					t.Errorf("%d/%d records fail:\n%s", failed, checked, out.String())
				}
				t.Logf("%s: %d records, %d failed", file, checked, failed)
			})
		}
	}
}
