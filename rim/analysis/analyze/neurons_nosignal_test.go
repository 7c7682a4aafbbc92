package analyze

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/safetensors"
)

// The same activations as original and counterfactual carry no safety
// signal: the report must say so instead of presenting a tie-broken set as
// safety-critical; a real rise must not trigger the note.
func TestNeuronsNoSignalNote(t *testing.T) {
	dir := t.TempDir()
	acts := make([]float32, 3*2*4)
	for i := range acts {
		acts[i] = float32(i % 5)
	}
	f := write(t, dir, "a.safetensors", safetensors.F32("acts", []int{3, 2, 4}, acts))
	var out, errb bytes.Buffer
	if err := Neurons(NeuronsOptions{Original: f, Counterfactual: f, M: 1}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "note: no activation rises under the counterfactual") || strings.Contains(out.String(), "note:") {
		t.Fatalf("no warning on stderr for identical inputs:\nstdout %s\nstderr %s", out.String(), errb.String())
	}
	up := append([]float32(nil), acts...)
	for k := range 3 {
		up[k*8+2] += 1
	}
	g := write(t, dir, "b.safetensors", safetensors.F32("acts", []int{3, 2, 4}, up))
	out.Reset()
	if err := Neurons(NeuronsOptions{Original: f, Counterfactual: g, M: 1}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "no activation rises") {
		t.Fatalf("warning despite a real rise:\n%s", out.String())
	}
}
