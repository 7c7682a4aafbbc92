package chat

import (
	"github.com/rimlab/rim/rim/internal/testpaths"
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
