package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFinetuneExportChecks: an existing --export dir fails before training
// (no run is started); with --overwrite a rim export inside --out is
// replaced together with the run.
func TestFinetuneExportChecks(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	exp := filepath.Join(t.TempDir(), "merged")
	os.MkdirAll(exp, 0o755)
	var errb bytes.Buffer
	if code := run(finetuneArgs(t, out, "--max-steps", "1", "--export", exp), &errb); code != 1 || !strings.Contains(errb.String(), "export dir "+exp+" already exists") {
		t.Fatalf("existing export: exit %d %s", code, errb.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the run started before the export check: %v", err)
	}
	inner := filepath.Join(out, "merged")
	errb.Reset()
	if code := run(finetuneArgs(t, out, "--max-steps", "1", "--export", inner), &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := run(finetuneArgs(t, out, "--max-steps", "1", "--export", inner, "--overwrite"), &errb); code != 0 {
		t.Fatalf("overwrite with export inside --out: exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(inner, "model.safetensors")); err != nil {
		t.Error(err)
	}
	// Not rim's: a user file inside makes it refused even with --overwrite.
	os.WriteFile(filepath.Join(inner, "notes.txt"), []byte("mine"), 0o644)
	errb.Reset()
	if code := run(finetuneArgs(t, out, "--max-steps", "1", "--export", inner, "--overwrite"), &errb); code != 1 || !strings.Contains(errb.String(), "already exists") {
		t.Fatalf("foreign export dir: exit %d %s", code, errb.String())
	}
}
