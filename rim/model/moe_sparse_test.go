package model

import (
	"slices"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

var moeFixtures = []string{"qwen3_moe", "mixtral", "olmoe", "phimoe"}

// TestSparseMoEMatchesDense: on every MoE fixture the sparse experts give
// the dense reference's logits, router outputs, MoE block outputs, aux
// loss, gradients (experts, router, embeddings) and greedy tokens.
func TestSparseMoEMatchesDense(t *testing.T) {
	for _, name := range moeFixtures {
		t.Run(name, func(t *testing.T) {
			dir := testpaths.Shared(t, "fixtures", "hf-tiny", name)
			dense, err := Load(dir, Options{MoE: MoEDense})
			if err != nil {
				t.Fatal(err)
			}
			defer dense.Close()
			sparse, err := Load(dir, Options{})
			if err == nil && sparse.Config.MoE != MoESparse {
				t.Fatalf("default MoE mode %q, want sparse", sparse.Config.MoE)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer sparse.Close()
			in := fixtureBatch(t, name)
			sites := []hook.Site{hook.Logits}
			for L := 0; L < dense.Config.NumLayers; L++ {
				if dense.Config.IsMoELayer(L) {
					sites = append(sites, hook.RouterLogits(L), hook.RouterProbs(L), hook.TopKWeights(L), hook.MoEOut(L), hook.ResidPost(L))
				}
			}
			rd, err := dense.Forward(in, Capture(sites...))
			if err != nil {
				t.Fatal(err)
			}
			rs, err := sparse.Forward(in, Capture(sites...))
			if err != nil {
				t.Fatal(err)
			}
			rdStacked := rd
			for _, s := range sites {
				if d := maxDiff(f32(t, rd, s), f32(t, rs, s)); d > 1e-4 {
					t.Errorf("%s: sparse differs from dense by %.3g", s, d)
				}
			}
			ad, err := dense.RouterAuxLoss(in)
			if err != nil {
				t.Fatal(err)
			}
			as, err := sparse.RouterAuxLoss(in)
			if err != nil {
				t.Fatal(err)
			}
			if d := float64(ad - as); d > 1e-6 || d < -1e-6 {
				t.Errorf("aux loss: dense %v sparse %v", ad, as)
			}
			labels := in.InputIDs
			p := "model.layers.0." + dense.Arch.moePrefix + "."
			g0, u0, d0 := expertNames(dense.Arch, p, 0)
			g1, _, d1 := expertNames(dense.Arch, p, 1)
			names := []string{p + "gate.weight", g0 + ".weight", u0 + ".weight", d0 + ".weight", g1 + ".weight", d1 + ".weight", "model.embed_tokens.weight"}
			ld, gd, err := dense.LossAndGrads(in, labels, names...)
			if err != nil {
				t.Fatal(err)
			}
			ls, gs, err := sparse.LossAndGrads(in, labels, names...)
			if err != nil {
				t.Fatal(err)
			}
			if d := float64(ld - ls); d > 1e-5 || d < -1e-5 {
				t.Errorf("loss: dense %v sparse %v", ld, ls)
			}
			for i, n := range names {
				a, _ := tensorsCopy(gd[i])
				b, _ := tensorsCopy(gs[i])
				if d := maxDiff(a, b); d > 1e-5 {
					t.Errorf("gradient of %s: sparse differs from dense by %.3g", n, d)
				}
			}
			// Expert hook sites (every token) fall back to the dense experts
			// for that forward: captures and interventions act as in dense.
			ep := hook.ExpertPost(0, 1)
			iv := hook.ScaleNeurons(ep, 0, 0, 3)
			for _, opts := range [][]Option{{Capture(hook.Logits, ep)}, {Capture(hook.Logits), WithInterventions(iv)}} {
				rd, err := dense.Forward(in, opts...)
				if err != nil {
					t.Fatal(err)
				}
				rs, err := sparse.Forward(in, opts...)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range rd.Sites {
					if d := maxDiff(f32(t, rd, s), f32(t, rs, s)); d > 1e-4 {
						t.Errorf("with an expert hook: %s differs by %.3g", s, d)
					}
				}
				if len(opts) == 1 { // capture only: the per-expert path equals the experts computed from the stacks
					if d := maxDiff(f32(t, rd, hook.Logits), f32(t, rdStacked, hook.Logits)); d > 1e-4 {
						t.Errorf("per-expert dense logits differ from the stacked experts' by %.3g", d)
					}
				}
			}
			prompt := in.InputIDs[0][:6]
			idsD, _, err := dense.Greedy(prompt, 6)
			if err != nil {
				t.Fatal(err)
			}
			idsS, stepS, err := sparse.Greedy(prompt, 6)
			if err != nil {
				t.Fatal(err)
			}
			if len(stepS) != 6 || !slices.Equal(idsD, idsS) {
				t.Errorf("greedy: dense %v sparse %v", idsD, idsS)
			}
		})
	}
}

func TestRouterConfigErrors(t *testing.T) {
	base := `{"model_type":"qwen3_moe","vocab_size":16,"hidden_size":32,"num_hidden_layers":1,"num_attention_heads":2,
		"num_experts":4,"moe_intermediate_size":8,"intermediate_size":8`
	for extra, want := range map[string]string{
		`,"num_experts_per_tok":5`:                                      "num_experts_per_tok (5) <= num_experts (4)",
		`,"num_experts_per_tok":2,"scoring_func":"sigmoid"`:             "scoring_func sigmoid is not supported for qwen3_moe",
		`,"num_experts_per_tok":2,"topk_method":"group_limited_greedy"`: "topk_method group_limited_greedy is not supported",
	} {
		if _, err := ParseConfig([]byte(base + extra + "}")); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", extra, err, want)
		}
	}
	if _, err := ParseMoEMode("fast"); err == nil || !strings.Contains(err.Error(), `moe mode "fast"`) {
		t.Errorf("ParseMoEMode: %v", err)
	}
	for s, want := range map[string]MoEMode{"": MoESparse, "sparse": MoESparse, "dense": MoEDense} {
		if got, err := ParseMoEMode(s); got != want || err != nil {
			t.Errorf("ParseMoEMode(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
}
