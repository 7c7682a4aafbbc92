package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/experiment"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/modeltest"
	"github.com/rimlab/rim/rim/tokenize"
)

// readJSON reads one JSON object of a written model dir.
func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// checkRandomModel asserts that dir is a complete model for RIM_MODEL alone: experiment.Load accepts it (the
// tokenizer's ids fit the vocabulary, a chat template is there), the template is of the wanted family, the
// generation EOS ids are the wanted tokens, and a greedy completion runs.
func checkRandomModel(t *testing.T, dir string, family chat.Family, eos []string) {
	t.Helper()
	l, err := experiment.Load(dir, "", experiment.LoadOptions{})
	if err != nil {
		t.Fatalf("experiment.Load(%s): %v", dir, err)
	}
	defer l.Close()
	if got := l.Chat.Template.Family; got != family {
		t.Errorf("chat template family %s, want %s", got, family)
	}
	tok := l.Chat.Tokenizer
	if l.Model.Config.Vocab < tok.VocabSize() {
		t.Errorf("model vocab %d < tokenizer's %d ids", l.Model.Config.Vocab, tok.VocabSize())
	}
	var want []int
	for _, s := range eos {
		id, ok := tok.TokenToID(s)
		if !ok {
			t.Fatalf("tokenizer has no %s", s)
		}
		want = append(want, id)
	}
	if !slices.Equal(l.Chat.EOS, want) {
		t.Errorf("generation EOS ids %v, want %v (%v)", l.Chat.EOS, want, eos)
	}
	out, err := l.Chat.Complete(context.Background(), generate.Conversation{Messages: chat.User("Hello there")}, generate.ChatOptions{MaxTokens: 3})
	if err != nil {
		t.Fatalf("greedy completion: %v", err)
	}
	if out.ThinkTokens+out.AnswerTokens == 0 {
		t.Errorf("greedy completion produced no tokens: %+v", out)
	}
}

// A --like config whose vocabulary is smaller than the tokenizer's grows to the tokenizer's ids; its sizes,
// RoPE and other keys are kept, its bos/eos/pad ids are replaced by the tokenizer's, and the tokenizer files
// are copied so that the dir alone is a model.
func TestModelRandomCommand(t *testing.T) {
	like := filepath.Join(t.TempDir(), "like")
	if err := modeltest.Write(like, modeltest.Spec{ModelType: "llama", Vocab: 64, Hidden: 32, Heads: 4, KVHeads: 2, Intermediate: 48,
		Extra: map[string]any{"rope_theta": 12345.0, "pad_token_id": 0, "max_position_embeddings": 128}}); err != nil {
		t.Fatal(err)
	}
	tokDir := testpaths.TestData(t, "kernel", "tiny-qwen3-tokenizer")
	tok, err := tokenize.Load(tokDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "m")
	var out, errw bytes.Buffer
	if err := modelRandom([]string{"--like", like, "--tokenizer", tokDir, "--out", dir, "--seed", "3",
		"--eos", "<|endoftext|>", "--max-positions", "512"}, &out, &errw); err != nil {
		t.Fatalf("%v\n%s", err, errw.String())
	}
	if !strings.Contains(out.String(), "wrote "+dir+": llama") || !strings.Contains(out.String(), "chat template qwen3") {
		t.Errorf("output:\n%s", out.String())
	}
	cfg := readJSON(t, filepath.Join(dir, "config.json"))
	imEnd, _ := tok.TokenToID("<|im_end|>")
	eot, _ := tok.TokenToID("<|endoftext|>")
	for k, want := range map[string]any{"model_type": "llama", "vocab_size": float64(tok.VocabSize()), "hidden_size": 32.0,
		"head_dim": 8.0, "rope_theta": 12345.0, "max_position_embeddings": 512.0, "pad_token_id": float64(eot)} {
		if cfg[k] != want {
			t.Errorf("config.json %s = %v, want %v", k, cfg[k], want)
		}
	}
	if v, ok := cfg["bos_token_id"]; !ok || v != nil {
		t.Errorf("config.json bos_token_id %v, want null: the tokenizer has no bos_token", cfg["bos_token_id"])
	}
	gen := readJSON(t, filepath.Join(dir, "generation_config.json"))
	if got, _ := json.Marshal(gen["eos_token_id"]); string(got) != jsonInts(imEnd, eot) {
		t.Errorf("generation_config.json eos_token_id %s, want %s", got, jsonInts(imEnd, eot))
	}
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json", "LICENSE.Apache-2.0", "model.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	checkRandomModel(t, dir, chat.Qwen3, []string{"<|im_end|>", "<|endoftext|>"})

	// The same seed writes the same weights; another seed other weights.
	again := filepath.Join(t.TempDir(), "again")
	other := filepath.Join(t.TempDir(), "other")
	for _, c := range []struct{ dir, seed string }{{again, "3"}, {other, "4"}} {
		if err := modelRandom([]string{"--like", like, "--tokenizer", tokDir, "--out", c.dir, "--seed", c.seed}, &out, &errw); err != nil {
			t.Fatal(err)
		}
	}
	w := func(d string) []byte {
		b, err := os.ReadFile(filepath.Join(d, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(w(dir), w(again)) || bytes.Equal(w(dir), w(other)) {
		t.Error("weights are not a function of --seed")
	}
}

func jsonInts(ids ...int) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// The CI stage's two models (.ci/run "notebooks on random real-tokenizer models"): hf-tiny Qwen3 with Qwen3's
// tokenizer and hf-tiny Llama with Llama 3's, whose template ends a turn with <|eot_id|>.
func TestModelRandomRealTokenizers(t *testing.T) {
	if testing.Short() {
		t.Skip("writes two ~50 MB models")
	}
	for _, c := range []struct {
		arch, tok string
		args      []string
		family    chat.Family
		eos       []string
	}{
		{"qwen3", "qwen3", nil, chat.Qwen3, []string{"<|im_end|>"}},
		{"llama", "llama3", []string{"--eos", "<|eot_id|>"}, chat.Llama3, []string{"<|end_of_text|>", "<|eot_id|>"}},
	} {
		t.Run(c.arch, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), c.arch)
			args := append([]string{"--like", testpaths.Shared(t, "fixtures", "hf-tiny", c.arch),
				"--tokenizer", testpaths.Shared(t, "fixtures", "tokenizers", c.tok), "--out", dir}, c.args...)
			var out, errw bytes.Buffer
			if err := modelRandom(args, &out, &errw); err != nil {
				t.Fatalf("%v\n%s", err, errw.String())
			}
			checkRandomModel(t, dir, c.family, c.eos)
		})
	}
}

// Bad input stops with one sentence naming the flag or file at fault.
func TestModelRandomErrors(t *testing.T) {
	like := testpaths.TestData(t, "model", "tiny-qwen3")
	tokDir := testpaths.TestData(t, "kernel", "tiny-qwen3-tokenizer")
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	badType := t.TempDir()
	if err := os.WriteFile(filepath.Join(badType, "config.json"), []byte(`{"model_type": "gpt2", "vocab_size": 10}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := func() string { return filepath.Join(t.TempDir(), "m") }
	for _, c := range []struct {
		args  []string
		usage bool // errUsage with the message on stderr
		want  string
	}{
		{[]string{"--tokenizer", tokDir, "--out", out()}, true, "--like DIR is required"},
		{[]string{"--like", like, "--out", out()}, true, "--tokenizer DIR is required"},
		{[]string{"--like", like, "--tokenizer", tokDir}, true, "--out DIR is required"},
		{[]string{"--like", like, "--tokenizer", tokDir, "--out", out(), "--std", "-1"}, true, "--std must be >= 0"},
		{[]string{"--like", like, "--tokenizer", tokDir, "--out", full}, false, "--out " + full + " exists and is not empty"},
		{[]string{"--like", t.TempDir(), "--tokenizer", tokDir, "--out", out()}, false, "--like: "},
		{[]string{"--like", badType, "--tokenizer", tokDir, "--out", out()}, false, `unknown model_type "gpt2"`},
		{[]string{"--like", like, "--tokenizer", t.TempDir(), "--out", out()}, false, "--tokenizer "},
		{[]string{"--like", like, "--tokenizer", tokDir, "--out", out(), "--eos", "<|nope|>"}, false, `--eos token "<|nope|>" is not a token`},
	} {
		var o, e bytes.Buffer
		err := modelRandom(c.args, &o, &e)
		switch {
		case err == nil:
			t.Errorf("%v: no error", c.args)
		case c.usage && (!errors.Is(err, errUsage) || !strings.Contains(e.String(), c.want)):
			t.Errorf("%v: %v, stderr %q; want usage error %q", c.args, err, e.String(), c.want)
		case !c.usage && !strings.Contains(err.Error(), c.want):
			t.Errorf("%v: %v; want it to contain %q", c.args, err, c.want)
		}
	}
}
