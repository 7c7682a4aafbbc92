package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/modeltest"
	"github.com/rimlab/rim/rim/safetensors"
)

func finetuneArgs(t *testing.T, out string, extra ...string) []string {
	model := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3")
	data := testpaths.TestData(t, "finetune", "tiny.jsonl")
	return append([]string{"finetune", "--model", model, "--data", data, "--out", out,
		"--batch", "4", "--micro-batch", "2", "--lr", "1e-2", "--lora-r", "4", "--lora-alpha", "8", "--max-steps", "24"}, extra...)
}

// TestFinetuneCommandLowersLoss runs "rim finetune" with the paper preset
// (overriding size-related flags) on a fixture model: the loss falls, a
// checkpoint and a merged export are written, --resume of a finished run is
// accepted and a fresh start over it is refused.
func TestFinetuneCommandLowersLoss(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	exp := filepath.Join(t.TempDir(), "merged")
	var errb bytes.Buffer
	if code := run(finetuneArgs(t, out, "--save-every", "12", "--export", exp), &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	raw, err := os.ReadFile(filepath.Join(out, "checkpoint-24", finetune.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var st finetune.State
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	h := st.History
	if len(h) != 24 || !(h[len(h)-1].Loss < h[0].Loss-1) {
		t.Fatalf("loss curve %v -> %v over %d steps", h[0].Loss, h[len(h)-1].Loss, len(h))
	}
	for _, f := range []string{"config.json", "model.safetensors"} {
		if _, err := os.Stat(filepath.Join(exp, f)); err != nil {
			t.Error(err)
		}
	}
	errb.Reset()
	if code := run(finetuneArgs(t, out), &errb); code != 1 || !strings.Contains(errb.String(), "already holds a run; pass --resume") {
		t.Fatalf("fresh over a run: exit %d %s", code, errb.String())
	}
	errb.Reset()
	if code := run(finetuneArgs(t, out, "--resume"), &errb); code != 0 {
		t.Fatalf("resume finished run: exit %d %s", code, errb.String())
	}
}

func TestFinetuneCommandErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	noAsst := filepath.Join(dir, "noasst.jsonl")
	os.WriteFile(noAsst, []byte(`{"messages":[{"role":"user","content":"hi"}]}`+"\n"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{finetuneArgs(t, filepath.Join(dir, "a"), "--lr", "0"), 1, "learning rate 0 must be > 0"},
		{finetuneArgs(t, filepath.Join(dir, "b"), "--targets", "attn.x"), 1, `target "attn.x": not in rim's vocabulary`},
		{finetuneArgs(t, filepath.Join(dir, "c"), "--targets", "moe.router"), 1, "match no module"},
		{finetuneArgs(t, filepath.Join(dir, "d"), "--preset", "fast"), 1, `unknown preset "fast"`},
		{[]string{"finetune", "--model", "x"}, 2, ""}, // usage goes to os.Stderr
		{append(finetuneArgs(t, filepath.Join(dir, "e"))[:0:0], "finetune", "--model", "m", "--data", empty, "--out", filepath.Join(dir, "f")), 1, "empty dataset"},
		{append(finetuneArgs(t, filepath.Join(dir, "e"))[:0:0], "finetune", "--model", testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3"), "--data", noAsst, "--out", filepath.Join(dir, "g"), "--tokenizer", testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")), 1, "record 1: conversation has no assistant turn"},
		{finetuneArgs(t, filepath.Join(dir, "h"), "--max-len", "4", "--length-policy", "drop"), 1, "no example left"},
	} {
		var errb bytes.Buffer
		if code := run(c.args, &errb); code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args[1:], code, errb.String(), c.code, c.want)
		}
	}
}

func TestBenchTrainCommand(t *testing.T) {
	model := testpaths.Shared(t, "fixtures", "hf-tiny", "llama")
	var errb bytes.Buffer
	if code := run([]string{"bench", "train", "--model", model, "--batch", "2", "--seq", "16", "--steps", "1", "--lora-r", "4"}, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if code := run([]string{"bench", "train", "--model", model, "--mode", "half"}, &errb); code != 2 {
		t.Fatalf("bad mode: exit %d", code)
	}
}

// TestFinetuneConversations runs "rim finetune" end to end on chat data: a
// random Qwen3-shaped model carrying the real Qwen3 tokenizer and chat
// template, conversations with reasoning_content, assistant-only loss.
func TestFinetuneConversations(t *testing.T) {
	tokDir := testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")
	dir := t.TempDir()
	if err := modeltest.Write(dir, modeltest.Spec{ModelType: "qwen3", Vocab: 151936, Hidden: 32, Layers: 1, Heads: 2, KVHeads: 1,
		HeadDim: 16, Intermediate: 64, Tied: true, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json", "chat_template.jinja"} {
		b, err := os.ReadFile(filepath.Join(tokDir, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	out := filepath.Join(t.TempDir(), "run")
	var errb bytes.Buffer
	args := []string{"finetune", "--model", dir, "--data", testpaths.TestData(t, "finetune", "conversations.jsonl"), "--out", out,
		"--max-steps", "4", "--batch", "3", "--lr", "1e-2", "--lora-r", "2", "--lora-alpha", "4", "--pad-multiple", "1"}
	if code := run(args, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	raw, err := os.ReadFile(filepath.Join(out, "checkpoint-4", finetune.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var st finetune.State
	json.Unmarshal(raw, &st)
	if len(st.History) != 4 || !(st.History[3].Loss < st.History[0].Loss) || st.History[0].Tokens == 0 {
		t.Fatalf("history %+v", st.History)
	}
}

// TestFinetuneProbes: --probe captures the expanded sites on a probe set at
// every checkpoint, stored with the checkpoint.
func TestFinetuneProbes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	probe := filepath.Join(t.TempDir(), "probe.jsonl")
	os.WriteFile(probe, []byte(`{"input_ids":[5,6,7,8,9]}`+"\n"+`{"input_ids":[10,11,12]}`+"\n"), 0o644)
	var errb bytes.Buffer
	args := finetuneArgs(t, out, "--max-steps", "4", "--save-every", "2", "--probe", "safety="+probe,
		"--probe-sites", "blocks.*.mlp.hook_post,blocks.0.hook_resid_post")
	if code := run(args, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, ck := range []string{"checkpoint-2", "checkpoint-4"} {
		f, err := safetensors.Open(filepath.Join(out, ck, "probes", "safety.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"attention_mask", "blocks.0.hook_resid_post", "blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post", "input_ids"}
		if got := f.Names(); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: tensors %v", ck, got)
		}
		info, _ := f.Info("blocks.1.mlp.hook_post")
		if len(info.Shape) != 3 || info.Shape[0] != 2 || info.Shape[1] != 5 {
			t.Errorf("%s: shape %v, want [2 5 dMLP]", ck, info.Shape)
		}
		mask, ms, err := f.Int64("attention_mask")
		if err != nil || fmt.Sprint(ms, mask) != "[2 5] [1 1 1 1 1 1 1 1 0 0]" {
			t.Errorf("%s: attention_mask %v %v %v", ck, ms, mask, err)
		}
		ids, is, err := f.Int64("input_ids")
		if err != nil || fmt.Sprint(is, ids[:8]) != "[2 5] [5 6 7 8 9 10 11 12]" {
			t.Errorf("%s: input_ids %v %v %v", ck, is, ids, err)
		}
		f.Close()
	}
	errb.Reset()
	if code := run(finetuneArgs(t, filepath.Join(t.TempDir(), "x"), "--probe", "nofile"), &errb); code != 1 || !strings.Contains(errb.String(), "want NAME=FILE.jsonl") {
		t.Fatalf("bad --probe: %d %s", code, errb.String())
	}
	errb.Reset()
	if code := run(finetuneArgs(t, filepath.Join(t.TempDir(), "y"), "--probe", "a="+probe, "--probe-sites", "blocks.9.mlp.hook_post"), &errb); code != 1 || !strings.Contains(errb.String(), "blocks.9") {
		t.Fatalf("bad site: %d %s", code, errb.String())
	}
}
