package model_test

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/modeltest"
)

func ropeModel(t *testing.T, spec modeltest.Spec) *model.Model {
	t.Helper()
	dir := t.TempDir()
	if err := modeltest.Write(dir, spec); err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(dir, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func lastLogits(t *testing.T, m *model.Model, ids []int) []float32 {
	t.Helper()
	r, err := m.Forward(model.Input{InputIDs: [][]int{ids}}, model.LastLogitsOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	lg, _, err := r.Logits()
	if err != nil {
		t.Fatal(err)
	}
	return lg
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// greedyMatchesForward decodes with the KV cache and checks every step's
// logits against a cache-free forward of the sequence so far.
func greedyMatchesForward(t *testing.T, m *model.Model, prompt []int, steps int, tol float64) {
	t.Helper()
	ids, stepLogits, err := m.Greedy(prompt, steps)
	if err != nil {
		t.Fatal(err)
	}
	for s, lg := range stepLogits {
		ref := lastLogits(t, m, ids[:len(prompt)+s])
		if d := maxAbsDiff(lg, ref); d > tol {
			t.Errorf("decode step %d (sequence length %d): logits differ from the cache-free forward by %.3g", s, len(prompt)+s, d)
		}
	}
}

// TestLongropeDecodeCrossesOriginalLength: phi3 and phimoe with longrope
// (original_max_position_embeddings 8), a 5-token prompt and 8 greedy steps
// crossing length 8 → 9. transformers' generate recomputes the cache at the
// crossing (longrope_step.go), so every step equals a cache-free forward of
// the sequence so far (which uses the long factors from length 9 on).
func TestLongropeDecodeCrossesOriginalLength(t *testing.T) {
	for _, mt := range []string{"phi3", "phimoe"} {
		t.Run(mt, func(t *testing.T) {
			rot := 8 // head_dim 16 × partial_rotary_factor 0.5 (phi3); phimoe rotates all 16
			extra := map[string]any{"max_position_embeddings": 64, "original_max_position_embeddings": 8}
			if mt == "phi3" {
				extra["partial_rotary_factor"] = 0.5
			} else {
				rot = 16
			}
			short, long := make([]float64, rot/2), make([]float64, rot/2)
			for i := range short {
				short[i], long[i] = 1+0.1*float64(i), 2+1.5*float64(i)
			}
			rs := map[string]any{"type": "longrope", "short_factor": short, "long_factor": long}
			if mt == "phimoe" {
				rs["short_mscale"], rs["long_mscale"], rs["original_max_position_embeddings"] = 1.1, 1.3, 8
			}
			extra["rope_scaling"] = rs
			m := ropeModel(t, modeltest.Spec{ModelType: mt, Vocab: 64, Hidden: 32, Heads: 2, KVHeads: 1, Std: 0.3, Seed: 7, Extra: extra})
			prompt := []int{1, 9, 33, 4, 17}
			greedyMatchesForward(t, m, prompt, 8, 2e-4)
			// The crossing step through Step directly: captures cover the new
			// token only, and a cache grown with Resized keeps its tokens.
			c, err := m.NewCache(1, 8)
			if err != nil {
				t.Fatal(err)
			}
			ids, _, err := m.Greedy(prompt, 4) // the sequence up to length 9
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Step(c, model.StepInput{InputIDs: [][]int{ids[:8]}}); err != nil {
				t.Fatal(err)
			}
			c = c.Resized(16, growKV(t, c, 16), growKV(t, c, 16)) // only the shapes matter before the re-run
			r, err := m.Step(c, model.StepInput{InputIDs: [][]int{ids[8:9]}},
				model.Capture(hook.Logits, hook.Pattern(1), hook.ResidPost(0)))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			lg, sh, _ := r.Logits()
			_, psh, _ := r.Float32(hook.Pattern(1))
			if sh[1] != 1 || psh[2] != 1 || psh[3] != 16 || c.Len != 9 {
				t.Fatalf("crossing step: logits %v, pattern %v, cache length %d; want 1 new position, 16 keys, 9", sh, psh, c.Len)
			}
			if d := maxAbsDiff(lg, lastLogits(t, m, ids[:9])); d > 2e-4 {
				t.Errorf("crossing step via Step: logits differ from the forward by %.3g", d)
			}
		})
	}
}

// TestYarnAndDynamicDecode: yarn is static, so cached decoding equals the
// cache-free forward; dynamic NTK within max_position_embeddings equals the
// unscaled model exactly and differs beyond it.
func TestYarnAndDynamicDecode(t *testing.T) {
	yarn := ropeModel(t, modeltest.Spec{ModelType: "qwen3", Vocab: 64, Hidden: 32, Heads: 2, KVHeads: 1, Std: 0.3, Seed: 3,
		Extra: map[string]any{"max_position_embeddings": 64,
			"rope_scaling": map[string]any{"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 16}}})
	greedyMatchesForward(t, yarn, []int{1, 5, 9, 2, 40}, 6, 2e-4)

	spec := modeltest.Spec{ModelType: "llama", Vocab: 64, Hidden: 32, Heads: 2, KVHeads: 1, Std: 0.3, Seed: 5,
		Extra: map[string]any{"max_position_embeddings": 12}}
	plain := ropeModel(t, spec)
	spec.Extra = map[string]any{"max_position_embeddings": 12, "rope_scaling": map[string]any{"rope_type": "dynamic", "factor": 2.0}}
	dyn := ropeModel(t, spec)
	ids := make([]int, 20)
	for i := range ids {
		ids[i] = (7*i + 3) % 64
	}
	if d := maxAbsDiff(lastLogits(t, plain, ids[:12]), lastLogits(t, dyn, ids[:12])); d != 0 {
		t.Errorf("dynamic within max_position_embeddings: logits differ from the unscaled model by %.3g", d)
	}
	if d := maxAbsDiff(lastLogits(t, plain, ids), lastLogits(t, dyn, ids)); d < 1e-3 {
		t.Errorf("dynamic beyond max_position_embeddings: logits equal the unscaled model's (diff %.3g)", d)
	}
}

// growKV returns zero buffers of maxLen slots shaped like c's (what
// rim/generate's grow copies the written slots into).
func growKV(t *testing.T, c *model.Cache, maxLen int) []*tensors.Tensor {
	t.Helper()
	out := make([]*tensors.Tensor, len(c.K))
	for i, k := range c.K {
		d := k.Shape().Dimensions
		out[i] = tensors.FromFlatDataAndDimensions(make([]float32, d[0]*d[1]*maxLen*d[3]), d[0], d[1], maxLen, d[3])
	}
	return out
}
