package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// An empty category file is an error naming it, not a silent 0 prompts.
func TestHExPHIEmptyCategoryFile(t *testing.T) {
	src := testpaths.TestData(t, "data", "hexphi")
	dir := t.TempDir()
	es, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "category_7.csv" {
			b = nil
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err = HExPHI(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "category_7.csv")+" has no prompts") {
		t.Errorf("empty category_7.csv: %v", err)
	}
}
