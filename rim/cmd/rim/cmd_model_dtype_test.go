package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// bench forward --dtype bf16 runs the model in bfloat16 (half the weight
// bytes of f32); a bad --dtype is one usage line.
func TestBenchForwardDType(t *testing.T) {
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	weights := map[string]string{}
	for _, d := range []string{"f32", "bf16"} {
		var out, errw bytes.Buffer
		if err := benchForward([]string{"--model", dir, "--batch", "2", "--seq", "8", "--iters", "2", "--matmul", "0", "--dtype", d}, &out, &errw); err != nil {
			t.Fatalf("--dtype %s: %v", d, err)
		}
		want := map[string]string{"f32": "compute dtype Float32", "bf16": "compute dtype BFloat16"}[d]
		if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "decode 1 token") {
			t.Fatalf("--dtype %s output:\n%s", d, out.String())
		}
		_, rest, _ := strings.Cut(out.String(), "weights ")
		weights[d], _, _ = strings.Cut(rest, " MB")
	}
	var f, b float64
	if _, err := fmt.Sscan(weights["f32"], &f); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Sscan(weights["bf16"], &b); err != nil {
		t.Fatal(err)
	}
	if f <= 0 || math.Abs(2*b-f) > 0.02 {
		t.Errorf("weights f32 %g MB, bf16 %g MB: want bf16 = half", f, b)
	}
	var out, errw bytes.Buffer
	err := benchForward([]string{"--model", dir, "--dtype", "fp8"}, &out, &errw)
	if !errors.Is(err, errUsage) || errw.String() != "--dtype must be f32 or bf16\n" {
		t.Errorf("--dtype fp8: err %v, stderr %q", err, errw.String())
	}
	// --weights bf16 stores the f32 checkpoint's weights bf16 under f32 compute.
	out.Reset()
	if err := benchForward([]string{"--model", dir, "--batch", "1", "--seq", "4", "--iters", "2", "--matmul", "0", "--weights", "bf16"}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "compute dtype Float32") || !strings.Contains(s, "(stored BFloat16)") {
		t.Errorf("--weights bf16 output:\n%s", s)
	}
	errw.Reset()
	err = benchForward([]string{"--model", dir, "--weights", "fp8"}, &out, &errw)
	if !errors.Is(err, errUsage) || !strings.Contains(errw.String(), "--weights must be auto, f32 or bf16") {
		t.Errorf("--weights fp8: err %v, stderr %q", err, errw.String())
	}
}
