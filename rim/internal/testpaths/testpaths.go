// Package testpaths locates the repository root, its testdata/ and the
// shared/ folder (fixtures and datasets) that CI places beside the checkout.
package testpaths

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the repository root (the directory holding go.mod), found by
// walking up from the working directory.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("testpaths: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("testpaths: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Shared returns a path inside ../shared (beside the repository root), or
// $RIM_SHARED when set. It fails the test, naming the path, if it does not exist:
// CI always has shared/, and a silent skip would hide missing coverage.
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	p, err := LookupShared(t, elem...)
	if err != nil {
		t.Fatalf("testpaths: %s is missing (shared/ must sit beside the checkout, or set RIM_SHARED): %v", p, err)
	}
	return p
}

// LookupShared is Shared for callers that have a fallback (a fuzz target
// that can run on testdata/ alone): the path, and why it is unusable.
func LookupShared(t testing.TB, elem ...string) (string, error) {
	t.Helper()
	base := os.Getenv("RIM_SHARED")
	if base == "" {
		base = filepath.Join(filepath.Dir(Root(t)), "shared")
	}
	p := filepath.Join(append([]string{base}, elem...)...)
	_, err := os.Stat(p)
	return p, err
}

// TestData returns a path inside the repository's testdata/ folder.
func TestData(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{Root(t), "testdata"}, elem...)...)
}

// HFTiny returns the directories of every shared/fixtures/hf-tiny model
// (sorted), failing the test if there are none.
func HFTiny(t testing.TB) []string {
	t.Helper()
	root := Shared(t, "fixtures", "hf-tiny")
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("testpaths: %v", err)
	}
	var dirs []string
	for _, e := range ents {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(root, e.Name()))
		}
	}
	if len(dirs) == 0 {
		t.Fatalf("testpaths: no fixture directories in %s", root)
	}
	return dirs
}
