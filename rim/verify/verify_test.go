package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// TestFixtures runs the full parity check on every public hf-tiny fixture.
func TestFixtures(t *testing.T) {
	root := testpaths.Shared(t, "fixtures", "hf-tiny")
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
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
