package chat

import (
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/tokenize"
	"os"
	"path/filepath"
	"testing"
)

func readFile(t *testing.T, elem ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(elem...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testdataPath(t *testing.T, elem ...string) string {
	return testpaths.TestData(t, elem...)
}

func loadTokenizerB(b *testing.B, dir string) Tokenizer {
	tk, err := tokenize.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	return Wrap(tk)
}
