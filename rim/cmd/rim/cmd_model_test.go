package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
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

// Bad sizes are one usage line and exit 2, never a panic (QA: --batch 0
// indexed ids[0], --batch -1 panicked in model.RandomIDs).
func TestBenchFlagsValidated(t *testing.T) {
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	fwd := func(a []string, out, errw io.Writer) error { return benchForward(a, out, errw) }
	gen := func(a []string, out, errw io.Writer) error { return generateCmd(context.Background(), a, out, errw) }
	for _, tc := range []struct {
		cmd  func([]string, io.Writer, io.Writer) error
		args []string
		want string
	}{
		{fwd, []string{"--model", dir, "--batch", "0", "--seq", "16", "--matmul", "0"}, "--batch must be >= 1"},
		{fwd, []string{"--model", dir, "--batch", "-1", "--seq", "-5", "--matmul", "0"}, "--batch must be >= 1"},
		{fwd, []string{"--model", dir, "--batch", "1", "--seq", "-5", "--matmul", "0"}, "--seq must be >= 1"},
		{fwd, []string{"--model", dir, "--matmul", "-1"}, "--matmul must be >= 0"},
		{gen, []string{"--model", dir, "--prompt", "hi", "--batch", "0"}, "--batch must be >= 1"},
		{gen, []string{"--model", dir, "--prompt", "hi", "--batch", "-3"}, "--batch must be >= 1"},
	} {
		var out, errw bytes.Buffer
		err := tc.cmd(tc.args, &out, &errw)
		if !errors.Is(err, errUsage) || !strings.HasPrefix(errw.String(), tc.want) || strings.Count(errw.String(), "\n") != 1 {
			t.Errorf("%v: err %v, stderr %q, want usage error %q", tc.args, err, errw.String(), tc.want)
		}
	}
	var out, errw bytes.Buffer
	if err := benchGenerateCmd([]string{"--model", dir, "--batch", "0"}, &out, &errw); err == nil || !strings.Contains(err.Error(), "--batch") {
		t.Errorf("bench generate --batch 0: %v", err)
	}
}

// The reference matmul defaults to 1024³ (2048³ took ~7 s on 2 cores, plain build).
func TestBenchForwardMatmulDefault(t *testing.T) {
	var out, errw bytes.Buffer
	if err := benchForward([]string{"-h"}, &out, &errw); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errw.String(), "(default 1024)") {
		t.Errorf("%v\n%s", err, errw.String())
	}
}
