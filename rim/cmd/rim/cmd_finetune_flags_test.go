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

// TestFinetuneFlagChecks: contradictory or dangling flags are errors before
// any work (no run directory is created).
func TestFinetuneFlagChecks(t *testing.T) {
	dir := t.TempDir()
	probe := filepath.Join(dir, "p.jsonl")
	os.WriteFile(probe, []byte(`{"input_ids":[5,6,7]}`+"\n"), 0o644)
	for i, c := range []struct {
		extra []string
		want  string
	}{
		{[]string{"--probe-sites", "blocks.0.mlp.hook_post"}, "--probe-sites needs at least one --probe"},
		{[]string{"--probe", "a=" + probe, "--probe", "a=" + probe}, "--probe a: name given twice"},
		{[]string{"--resume", "--overwrite"}, "--resume and --overwrite exclude each other"},
		{[]string{"--micro-batch", "8"}, "--micro-batch 8 is larger than --batch 4"},
		{[]string{"--targets", "moe.*"}, `target "moe.*": not in rim's vocabulary`},
	} {
		out := filepath.Join(dir, "run", string(rune('a'+i)))
		var errb bytes.Buffer
		if code := run(finetuneArgs(t, out, c.extra...), &errb); code != 1 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d %q, want %q", c.extra, code, errb.String(), c.want)
		}
		if i < 4 {
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%v: run dir created", c.extra)
			}
		}
	}
	// The preset's micro batch (8) with a smaller --batch and no --micro-batch is fine.
	args := finetuneArgs(t, filepath.Join(dir, "ok"), "--max-steps", "1")
	for i, a := range args {
		if a == "--micro-batch" {
			args = append(args[:i:i], args[i+2:]...)
			break
		}
	}
	var errb bytes.Buffer
	if code := run(args, &errb); code != 0 {
		t.Fatalf("default micro batch with --batch 4: exit %d %s", code, errb.String())
	}
}
