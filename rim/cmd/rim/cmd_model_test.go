package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

func TestVerifyModelCommand(t *testing.T) {
	dir := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3")
	var out, errw bytes.Buffer
	if err := verifyModel([]string{dir}, &out, &errw); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"backend: ", "logits", "generate.output_ids", "train.grad.", "all "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	var stderr bytes.Buffer
	if code := run([]string{"verify", "model", t.TempDir()}, &stderr); code != 1 {
		t.Fatalf("verify of an empty dir: exit %d (%s)", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "rim verify model: ") {
		t.Fatalf("stderr: %s", stderr.String())
	}
}

func TestBenchForwardCommand(t *testing.T) {
	var out, errw bytes.Buffer
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	if err := benchForward([]string{"--model", dir, "--batch", "2", "--seq", "8", "--iters", "2", "--matmul", "64", "--capture", "blocks.0.hook_resid_post"}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "tok/s") || !strings.Contains(out.String(), "decode 1 token") || !strings.Contains(out.String(), "matmul 64^3") {
		t.Fatalf("output:\n%s", out.String())
	}
}
