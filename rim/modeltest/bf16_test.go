package modeltest

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute/dtypes"

	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/safetensors"
)

// A BF16 checkpoint stays bf16 by default (docs/engine.md, "Memory at real
// size"), and since bf16→f32 is exact its float32 forward equals, bit for
// bit, the same checkpoint loaded with WeightDType f32 — for a dense model
// with tied embeddings (sharded) and a MoE model.
func TestBF16CheckpointStaysBF16(t *testing.T) {
	for _, s := range []Spec{
		{ModelType: "qwen3", Tied: true, ShardBytes: 40_000, Std: 0.1},
		{ModelType: "qwen3_moe", Std: 0.1},
	} {
		t.Run(s.ModelType, func(t *testing.T) {
			s.DType, s.Seed = "BF16", 7
			dir := t.TempDir()
			if err := Write(dir, s); err != nil {
				t.Fatal(err)
			}
			if s.ShardBytes > 0 {
				if _, err := os.Stat(filepath.Join(dir, safetensors.IndexFile)); err != nil {
					t.Fatalf("sharded write: %v", err)
				}
			}
			m16, err := model.Load(dir, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m16.Close()
			m32, err := model.Load(dir, model.Options{WeightDType: dtypes.Float32})
			if err != nil {
				t.Fatal(err)
			}
			defer m32.Close()
			for _, n := range m16.ParamNames() {
				want := dtypes.BFloat16
				if n == "model.embed_tokens.weight" || n == "lm_head.weight" {
					want = dtypes.Float32 // the vocab matrices are held float32 (load.go vocabMatrices)
				}
				if got := m16.Param(n).DType(); got != want {
					t.Fatalf("default load stored %s as %s, want %s", n, got, want)
				}
				if got := m32.Param(n).DType(); got != dtypes.Float32 {
					t.Fatalf("WeightDType f32 stored %s as %s", n, got)
				}
			}
			if m16.WeightDType() != dtypes.BFloat16 || m16.ComputeDType() != dtypes.Float32 {
				t.Fatalf("weights %s compute %s", m16.WeightDType(), m16.ComputeDType())
			}
			name := "model.layers.0.mlp.down_proj.weight"
			if s.ModelType == "qwen3_moe" {
				name = "model.layers.0.self_attn.o_proj.weight"
			}
			a, err := m16.ParamFloat32(name)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := m32.ParamFloat32(name)
			for i := range a {
				if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
					t.Fatalf("%s[%d]: bf16-stored %v, f32-stored %v", name, i, a[i], b[i])
				}
			}
			in := model.Input{InputIDs: [][]int{{1, 5, 9, 11, 200, 3}, {4, 4, 8, 15, 16, 23}}}
			logits := func(m *model.Model) []float32 {
				r, err := m.Forward(in, model.Capture(hook.Logits))
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
			l16, l32 := logits(m16), logits(m32)
			if len(l16) != len(l32) || len(l16) == 0 {
				t.Fatalf("%d vs %d logits", len(l16), len(l32))
			}
			for i := range l16 {
				if math.Float32bits(l16[i]) != math.Float32bits(l32[i]) {
					t.Fatalf("logit %d: bf16-stored %v, f32-stored %v", i, l16[i], l32[i])
				}
			}
		})
	}
}

// An explicit WeightDType BFloat16 stores every weight bf16, the vocab
// matrices included.
func TestExplicitBF16StoresTiedEmbeddingBF16(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, Spec{ModelType: "qwen3", Tied: true, DType: "BF16", Seed: 3}); err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(dir, model.Options{WeightDType: dtypes.BFloat16})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.Param("model.embed_tokens.weight").DType(); got != dtypes.BFloat16 {
		t.Fatalf("embedding stored as %s", got)
	}
}

// An F32 checkpoint keeps float32 storage by default (rounding it would
// change the results).
func TestF32CheckpointStaysF32(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, Spec{ModelType: "llama", Seed: 3}); err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(dir, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.WeightDType() != dtypes.Float32 {
		t.Fatalf("weights %s, want Float32", m.WeightDType())
	}
}
