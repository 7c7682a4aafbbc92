package safetensors

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestIndexShardOutsideDirRefused: a weight_map value is a path from the
// model directory's own file; "../../etc/passwd" used to be opened.
func TestIndexShardOutsideDirRefused(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "models", "m")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A valid safetensors file outside the model directory: without the
	// check it would load, so the test sees the refusal, not a parse error.
	outside := filepath.Join(root, "outside.safetensors")
	if err := Write(outside, []Tensor{F32("a", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(dir, "sub", "s.safetensors"), []Tensor{F32("a", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	for _, shard := range []string{"../../outside.safetensors", "../../../../../../etc/passwd", outside, "sub/s.safetensors", `sub\s.safetensors`, ""} {
		idx := `{"weight_map":{"a":` + strconv.Quote(shard) + `}}`
		if err := os.WriteFile(filepath.Join(dir, IndexFile), []byte(idx), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := OpenDir(dir)
		if err == nil {
			d.Close()
			t.Errorf("shard %q: opened", shard)
			continue
		}
		if !strings.Contains(err.Error(), "not a file name inside the model directory") {
			t.Errorf("shard %q: err = %v", shard, err)
		}
	}
}
