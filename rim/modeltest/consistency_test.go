package modeltest

import (
	"math"
	"testing"

	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
)

// Self-consistency on configurations the public fixtures do not cover
// (right padding, head_dim != hidden/heads, tied embeddings, MoE options):
// a padded row's real tokens equal the row run alone, and a KV-cache decode
// equals the cache-free forward.
func TestPaddingAndDecodeConsistency(t *testing.T) {
	specs := []Spec{
		{ModelType: "llama", HeadDim: 24, Tied: true, Extra: map[string]any{"rope_scaling": map[string]any{"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 16}}},
		{ModelType: "mistral", Extra: map[string]any{"sliding_window": 3}},
		{ModelType: "qwen2", KVHeads: 1, Extra: map[string]any{"attention_bias": true}},
		{ModelType: "qwen3", HeadDim: 40, KVHeads: 4, Extra: map[string]any{"attention_bias": true}},
		{ModelType: "phi3", Extra: map[string]any{"partial_rotary_factor": 0.5}},
		{ModelType: "olmo2", Tied: true},
		{ModelType: "qwen3_moe", Layers: 3, Experts: 6, TopK: 3, Extra: map[string]any{"decoder_sparse_step": 2, "mlp_only_layers": []int{2}, "norm_topk_prob": false}},
		{ModelType: "mixtral", Experts: 3, TopK: 1},
		{ModelType: "olmoe", Extra: map[string]any{"norm_topk_prob": true}},
		{ModelType: "phimoe", Experts: 5},
	}
	for i, s := range specs {
		s.Seed = uint64(100 + i)
		s.Std = 0.15
		t.Run(s.ModelType, func(t *testing.T) {
			dir := t.TempDir()
			if err := Write(dir, s); err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(dir, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			V := m.Config.Vocab
			long := model.RandomIDs(1, 9, V, 1)[0]
			short := model.RandomIDs(1, 6, V, 2)[0]
			// Right-padded second row.
			ids := [][]int{long, append(append([]int{}, short...), 0, 0, 0)}
			mask := [][]int{{1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 0, 0, 0}}
			full, err := m.Forward(model.Input{InputIDs: ids, AttentionMask: mask})
			if err != nil {
				t.Fatal(err)
			}
			lg, _, _ := full.Logits()
			alone, err := m.Forward(model.Input{InputIDs: [][]int{short}})
			if err != nil {
				t.Fatal(err)
			}
			la, _, _ := alone.Logits()
			if d := maxAbs(lg[9*V:9*V+6*V], la); d > 1e-5 {
				t.Fatalf("right-padded row differs from the row alone by %g", d)
			}
			// Decode: prefill 5 tokens of the long row, then step one at a time.
			c, _ := m.NewCache(1, 9)
			r, err := m.Step(c, model.StepInput{InputIDs: [][]int{long[:5]}})
			if err != nil {
				t.Fatal(err)
			}
			got, _, _ := r.Logits()
			for p := 5; p < 9; p++ {
				r, err := m.Step(c, model.StepInput{InputIDs: [][]int{long[p : p+1]}}, model.Capture(hook.Logits))
				if err != nil {
					t.Fatal(err)
				}
				l, _, _ := r.Logits()
				got = append(got, l...)
			}
			if d := maxAbs(got, lg[:9*V]); d > 2e-5 {
				t.Fatalf("decode differs from forward by %g", d)
			}
		})
	}
}

func maxAbs(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// OLMoE's clip_qkv clamps q, k and v.
func TestOlmoeClipQKV(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, Spec{ModelType: "olmoe", Std: 0.3, Seed: 3, Extra: map[string]any{"clip_qkv": 0.05}}); err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(dir, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	r, err := m.Forward(model.Input{InputIDs: [][]int{{4, 8, 15, 16, 23, 42}}}, model.Capture(hook.V(0), hook.Q(1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []hook.Site{hook.V(0), hook.Q(1)} {
		v, _, _ := r.Float32(s)
		hit := false
		for _, x := range v {
			if x > 0.05 || x < -0.05 {
				t.Fatalf("%s: %g outside clip_qkv", s, x)
			}
			hit = hit || x == 0.05 || x == -0.05
		}
		if !hit {
			t.Fatalf("%s: nothing was clipped (test too weak)", s)
		}
	}
}
