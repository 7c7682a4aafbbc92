package analyze

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/ras"
	"github.com/rimlab/rim/rim/safetensors"
)

func TestKL(t *testing.T) {
	dir := t.TempDir()
	l3 := float32(math.Log(3))
	// 2 sequences × 2 tokens × vocab 2; only token (0,0) differs: KL = ½ln(4/3).
	base := write(t, dir, "b.safetensors",
		safetensors.F32("logits", []int{2, 2, 2}, []float32{0, 0, 1, 2, 3, 3, 5, 1}),
		safetensors.I64("mask", []int{2, 2}, []int64{1, 1, 1, 0}))
	tuned := write(t, dir, "t.safetensors", safetensors.F32("logits", []int{2, 2, 2}, []float32{l3, 0, 1, 2, 3, 3, 0, 9}))
	k := 0.5 * math.Log(4.0/3)
	var out bytes.Buffer
	if err := KL(KLOptions{Base: base, Tuned: tuned, Mask: "mask"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	got, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(out.String(), "kl="), "\n"), 64)
	if math.Abs(got-k/3) > 1e-6 {
		t.Errorf("masked token mean %q, want %g", out.String(), k/3)
	}
	out.Reset()
	KL(KLOptions{Base: base, Tuned: tuned, Mask: "mask", Mode: ras.SequenceMean}, &out, &out)
	got, _ = strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(out.String(), "kl="), "\n"), 64)
	if math.Abs(got-k/4) > 1e-6 {
		t.Errorf("sequence mean %q, want %g", out.String(), k/4)
	}
	short := write(t, dir, "s.safetensors", safetensors.F32("logits", []int{1, 2, 2}, []float32{0, 0, 1, 2}))
	wantErr(t, KL(KLOptions{Base: base, Tuned: short}, &out, &out), "differ in shape")
	wantErr(t, KL(KLOptions{Base: base, Tuned: tuned, Mask: "nomask"}, &out, &out), `no tensor "nomask"`)
}

// A fully masked sequence is skipped and counted, in token and sequence mode
// alike; a mask excluding everything is an error.
func TestKLSkipsFullyMaskedSequence(t *testing.T) {
	dir := t.TempDir()
	l3 := float32(math.Log(3))
	base := write(t, dir, "b.safetensors",
		safetensors.F32("logits", []int{2, 2, 2}, []float32{0, 0, 1, 2, 3, 3, 5, 1}),
		safetensors.I64("mask", []int{2, 2}, []int64{1, 1, 0, 0}),
		safetensors.I64("none", []int{2, 2}, []int64{0, 0, 0, 0}))
	tuned := write(t, dir, "t.safetensors", safetensors.F32("logits", []int{2, 2, 2}, []float32{l3, 0, 1, 2, 9, 9, 0, 9}))
	k := 0.5 * math.Log(4.0/3)
	for _, mode := range []ras.KLMode{ras.TokenMean, ras.SequenceMean} {
		var out, errb bytes.Buffer
		if err := KL(KLOptions{Base: base, Tuned: tuned, Mask: "mask", Mode: mode}, &out, &errb); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		got, _ := strconv.ParseFloat(strings.TrimPrefix(lines[0], "kl="), 64)
		if math.Abs(got-k/2) > 1e-6 || len(lines) != 1 || errb.String() != "note: skipped 1 fully masked sequences of 2\n" {
			t.Errorf("mode %v: stdout %q, stderr %q, want kl=%g and a note on stderr", mode, out.String(), errb.String(), k/2)
		}
	}
	var out bytes.Buffer
	wantErr(t, KL(KLOptions{Base: base, Tuned: tuned, Mask: "none"}, &out, &out), `excludes every token of all 2 sequences`)
}
