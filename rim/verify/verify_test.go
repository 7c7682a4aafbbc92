package verify

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/safetensors"
)

// TestFixtures runs the full parity check on every public hf-tiny fixture.
func TestFixtures(t *testing.T) {
	for _, dir := range testpaths.HFTiny(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var sb strings.Builder
			rep, err := Run(dir, &sb, Options{})
			t.Log("\n" + sb.String())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Failed > 0 {
				t.Fatalf("%d tensors failed", rep.Failed)
			}
		})
	}
}

// forwardPrefixes are the reference tensors of the forward pass (generation and training checks land next).
var forwardPrefixes = []string{"logits", "hidden_states", "final_hidden_prenorm", "attentions", "mlp_intermediate",
	"router_logits", "router_probs", "topk_", "moe_output", "router_aux_loss", "train."}

// A perturbed weight must make the check fail (the test can fail).
func TestDetectsWrongWeights(t *testing.T) {
	src := testpaths.Shared(t, "fixtures", "hf-tiny", "llama")
	dir := t.TempDir()
	for _, f := range []string{"config.json", "reference.safetensors"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	w, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var ts []safetensors.Tensor
	for _, n := range w.Names() {
		v, shape, _ := w.Float32(n)
		if n == "model.layers.1.mlp.up_proj.weight" {
			v[0] += 0.05
		}
		ts = append(ts, safetensors.F32(n, shape, v))
	}
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	rep, err := Run(dir, &sb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed == 0 || !strings.Contains(sb.String(), "FAIL") {
		t.Fatalf("perturbed weights passed:\n%s", sb.String())
	}
	for _, l := range rep.Lines {
		if l.Name == "hidden_states.0" && !l.OK {
			t.Fatalf("embeddings should still match: %v", l)
		}
	}
}

// A NaN output is reported as NaN and FAIL (QA: it printed +Inf).
func TestNaNReportedAsNaN(t *testing.T) {
	nan := float32(math.NaN())
	r := compareRows([]float32{1, nan, 2}, []float32{1, 1, 5}, 3, nil, tolActs)
	if !math.IsNaN(r.MaxDiff) || r.Bad != 2 {
		t.Fatalf("%+v", r)
	}
	l := (&verifier{}).lineFrom("logits", r, tolActs)
	if s := l.String(); l.OK || !strings.Contains(s, "NaN") || !strings.Contains(s, "FAIL") || strings.Contains(s, "Inf") {
		t.Errorf("%q", s)
	}
}
