package finetune

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/safetensors"
)

// TestWeightsFingerprint: directories whose safetensors headers differ get
// different fingerprints; identical ones the same; no weights is an error.
func TestWeightsFingerprint(t *testing.T) {
	mk := func(shape []int) string {
		d := t.TempDir()
		n := shape[0] * shape[1]
		if err := safetensors.Write(filepath.Join(d, "model.safetensors"), []safetensors.Tensor{safetensors.F32("w", shape, make([]float32, n))}, nil); err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b, c := mk([]int{2, 3}), mk([]int{2, 3}), mk([]int{3, 2})
	fa, err := WeightsFingerprint(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, _ := WeightsFingerprint(b)
	fc, _ := WeightsFingerprint(c)
	if fa != fb || fa == fc {
		t.Errorf("fingerprints %s %s %s", fa, fb, fc)
	}
	empty := t.TempDir()
	if _, err := WeightsFingerprint(empty); err == nil || !strings.Contains(err.Error(), empty) {
		t.Errorf("empty dir: %v", err)
	}
}

// TestResumeChecksWeights: a run recorded with other base weights (same
// config.json) is refused naming the model dir; an old run.json without
// the field is accepted.
func TestResumeChecksWeights(t *testing.T) {
	dir := fixtureDir(t, "llama")
	tr, err := New(load(t, dir), tinyData(4, 512), 0, loraCfg())
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := tr.Prepare(out, false, false); err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) {
		p := filepath.Join(out, RunFile)
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(raw, &m)
		f(m)
		raw, _ = json.Marshal(m)
		os.WriteFile(p, raw, 0o644)
	}
	edit(func(m map[string]any) {
		if m["model_weights"] == "" || m["model_weights"] == nil {
			t.Fatal("run.json lacks model_weights")
		}
		m["model_weights"] = "0123abcd"
		m["model"] = "/elsewhere/other-model"
	})
	if _, err := tr.Prepare(out, true, false); err == nil || !strings.Contains(err.Error(), "model weights differ") || !strings.Contains(err.Error(), "/elsewhere/other-model") {
		t.Errorf("different weights: %v", err)
	}
	edit(func(m map[string]any) { delete(m, "model_weights") })
	if _, err := tr.Prepare(out, true, false); err != nil {
		t.Errorf("old run.json without model_weights: %v", err)
	}
}

// TestResumeIgnoresBaseNameAndUnusedLoRA: the model path as typed (LoRA
// BaseName) and, in full mode, the LoRA settings do not identify a run.
func TestResumeIgnoresBaseNameAndUnusedLoRA(t *testing.T) {
	dir := fixtureDir(t, "llama")
	m := load(t, dir)
	data := tinyData(4, 512)
	prep := func(out string, cfg Config, resume bool) error {
		tr, err := New(m, data, 0, cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tr.Prepare(out, resume, false)
		return err
	}
	out := t.TempDir()
	cfg := loraCfg()
	cfg.LoRA.BaseName = dir
	if err := prep(out, cfg, false); err != nil {
		t.Fatal(err)
	}
	cfg.LoRA.BaseName = dir + "/./"
	if err := prep(out, cfg, true); err != nil {
		t.Errorf("same model spelled differently: %v", err)
	}
	cfg.LoRA.R++
	if err := prep(out, cfg, true); err == nil || !strings.Contains(err.Error(), "config differs: lora") {
		t.Errorf("lora rank changed in lora mode: %v", err)
	}

	full := t.TempDir()
	fc := loraCfg()
	fc.Mode = "full"
	if err := prep(full, fc, false); err != nil {
		t.Fatal(err)
	}
	fc.LoRA.R, fc.LoRA.Targets, fc.LoRA.BaseName = fc.LoRA.R+3, []string{"attn.q"}, "elsewhere"
	if err := prep(full, fc, true); err != nil {
		t.Errorf("full mode with other (unused) lora settings: %v", err)
	}
}
