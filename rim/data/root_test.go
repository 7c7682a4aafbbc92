package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestResolveRootDefaults: rim eval sets used to fail without --data
// although the notebooks default to ../shared/data; the CLI now uses the same
// default ($RIM_DATA, $RIM_SHARED/data, $RIM_ROOT/../shared/data, or
// shared/data found from the working directory upward).
func TestResolveRootDefaults(t *testing.T) {
	tmp, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(tmp, "shared", "data")
	deep := filepath.Join(tmp, "main", "rim", "cmd")
	for _, d := range []string{shared, deep} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(DataDirEnv, "")
	t.Setenv("RIM_SHARED", "")
	t.Setenv("RIM_ROOT", "")
	t.Chdir(deep)
	if got, err := ResolveRoot(""); err != nil || got != shared {
		t.Errorf("from %s: %q, %v; want %s", deep, got, err, shared)
	}
	if got, _ := ResolveRoot("/given"); got != "/given" {
		t.Errorf("explicit root: %q", got)
	}
	t.Setenv("RIM_ROOT", "/co/main")
	if got, _ := ResolveRoot(""); got != filepath.Join("/co", "shared", "data") {
		t.Errorf("RIM_ROOT: %q", got)
	}
	t.Setenv("RIM_SHARED", "/sh")
	if got, _ := ResolveRoot(""); got != filepath.Join("/sh", "data") {
		t.Errorf("RIM_SHARED: %q", got)
	}
	t.Setenv(DataDirEnv, "/d")
	if got, _ := ResolveRoot(""); got != "/d" {
		t.Errorf("RIM_DATA: %q", got)
	}
	t.Setenv(DataDirEnv, "")
	t.Setenv("RIM_SHARED", "")
	t.Setenv("RIM_ROOT", "")
	t.Chdir(t.TempDir())
	if _, err := ResolveRoot(""); err == nil || !strings.Contains(err.Error(), "RIM_DATA") {
		t.Errorf("nothing to find: err = %v", err)
	}
}
