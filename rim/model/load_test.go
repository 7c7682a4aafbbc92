package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"

	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/safetensors"
)

// A HF cache repo dir (models--ORG--NAME with refs/main and snapshots/REV) resolves to its snapshot.
func TestHFCacheLayout(t *testing.T) {
	src := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3")
	repo := filepath.Join(t.TempDir(), "models--org--tiny")
	snap := filepath.Join(repo, "snapshots", "0123abcd")
	os.MkdirAll(snap, 0o755)
	os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
	os.WriteFile(filepath.Join(repo, "refs", "main"), []byte("0123abcd\n"), 0o644)
	for _, f := range []string{"config.json", "model.safetensors"} {
		if err := os.Symlink(filepath.Join(src, f), filepath.Join(snap, f)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := Load(repo, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Dir != snap {
		t.Fatalf("resolved %s, want %s", m.Dir, snap)
	}
}

// BF16 checkpoints load, stored bf16 by default (converted exactly to
// float32 in the graph for compute).
func TestLoadBF16(t *testing.T) {
	src := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3")
	f, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	var ts []safetensors.Tensor
	for _, n := range f.Names() {
		v, shape, _ := f.Float32(n)
		ts = append(ts, safetensors.BF16(n, shape, v))
	}
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		t.Fatal(err)
	}
	cfg, _ := os.ReadFile(filepath.Join(src, "config.json"))
	os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644)
	m, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.Param("model.norm.weight").DType(); got != dtypes.BFloat16 || m.WeightDType() != dtypes.BFloat16 {
		t.Fatalf("BF16 checkpoint stored as %s (model: %s), want BFloat16", got, m.WeightDType())
	}
	orig, _, _ := f.Float32("model.norm.weight")
	got, err := m.ParamFloat32("model.norm.weight")
	if err != nil {
		t.Fatal(err)
	}
	for i := range orig {
		bf := float32frombits(uint32(safetensors.Float32ToBF16(orig[i])) << 16)
		if got[i] != bf {
			t.Fatalf("element %d: %g, want bf16(%g) = %g", i, got[i], orig[i], bf)
		}
	}
	if _, err := m.Forward(Input{InputIDs: [][]int{{5, 6, 7}}}); err != nil {
		t.Fatal(err)
	}
}

func TestCaptureNamesError(t *testing.T) {
	m := loadFixture(t, "llama")
	_, err := m.Forward(Input{InputIDs: [][]int{{5, 6}}}, CaptureNames("blocks.0.hook_nope"))
	if err == nil || !strings.Contains(err.Error(), `unknown hook site "blocks.0.hook_nope"`) {
		t.Fatalf("err = %v", err)
	}
	r, err := m.Forward(Input{InputIDs: [][]int{{5, 6}}}, CaptureNames("blocks.1.attn.hook_pattern"))
	if err != nil {
		t.Fatal(err)
	}
	if _, shape, _ := r.Float32(hook.Pattern(1)); len(shape) != 4 || shape[3] != 2 {
		t.Fatalf("pattern shape %v", shape)
	}
}

// Weights stored as bfloat16 compute exactly like float32 weights rounded to bf16.
func TestBFloat16WeightStorage(t *testing.T) {
	src := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3")
	m16, err := Load(src, Options{WeightDType: dtypes.BFloat16})
	if err != nil {
		t.Fatal(err)
	}
	defer m16.Close()
	if got := m16.Param("model.norm.weight").DType(); got != dtypes.BFloat16 {
		t.Fatalf("stored as %s", got)
	}
	// Reference: a float32 model whose file holds the bf16-rounded weights.
	f, _ := safetensors.Open(filepath.Join(src, "model.safetensors"))
	defer f.Close()
	dir := t.TempDir()
	var ts []safetensors.Tensor
	for _, n := range f.Names() {
		v, shape, _ := f.Float32(n)
		ts = append(ts, safetensors.BF16(n, shape, v))
	}
	safetensors.Write(filepath.Join(dir, "model.safetensors"), ts, nil)
	cfg, _ := os.ReadFile(filepath.Join(src, "config.json"))
	os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644)
	m32, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m32.Close()
	in := Input{InputIDs: [][]int{{5, 9, 100, 7, 3}}}
	a, _ := m16.Forward(in)
	b, _ := m32.Forward(in)
	la, _, _ := a.Logits()
	lb, _, _ := b.Logits()
	if d := maxDiff(la, lb); d > 1e-6 {
		t.Fatalf("bf16-stored vs f32 of bf16-rounded weights: max diff %g", d)
	}
	loss, grads, err := m16.LossAndGrads(in, [][]int{{-100, 9, 100, 7, 3}}, "model.layers.0.self_attn.q_proj.weight")
	if err != nil || loss <= 0 || len(grads) != 1 {
		t.Fatalf("loss %g grads %d err %v", loss, len(grads), err)
	}
	if _, err := Load(src, Options{WeightDType: dtypes.Int8}); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("int8 weights: %v", err)
	}
}

// A path to a file (e.g. DIR/config.json) says a directory is expected; an
// empty dir names config.json (checked before the weights).
func TestResolveDirErrors(t *testing.T) {
	dir := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3")
	if _, err := ResolveDir(filepath.Join(dir, "config.json")); err == nil || !strings.Contains(err.Error(), "is a file: expected the directory holding config.json") {
		t.Errorf("file: %v", err)
	}
	if _, err := Load(t.TempDir(), Options{}); err == nil || !strings.Contains(err.Error(), "no config.json") {
		t.Errorf("empty dir: %v", err)
	}
}
