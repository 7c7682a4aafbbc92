package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// Every public tokenizer fixture file passes "rim verify tokenizer".
func TestVerifyTokenizerFixtures(t *testing.T) {
	for _, fam := range []string{"qwen3", "llama3", "mistral"} {
		dir := testpaths.Shared(t, "fixtures", "tokenizers", fam)
		for _, file := range []string{"chat.jsonl", "cases.jsonl", "decode.jsonl"} {
			var out, errw bytes.Buffer
			path := filepath.Join(dir, file)
			if err := verifyTokenizer([]string{dir, path}, &out, &errw); err != nil {
				t.Errorf("%s/%s: %v\n%s", fam, file, err, out.String())
			}
			if !strings.Contains(out.String(), " 0 failed") {
				t.Errorf("%s/%s: output %q", fam, file, out.String())
			}
		}
	}
}

// A wrong record is reported with both sides and fails the command.
func TestVerifyTokenizerMismatch(t *testing.T) {
	dir := testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")
	data, err := os.ReadFile(filepath.Join(dir, "chat.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bad := strings.Replace(string(data), `Hello! Who are you?<|im_end|>`, `Hello! Who are you?<|im_end|>X`, 1)
	os.WriteFile(filepath.Join(tmp, "chat.jsonl"), []byte(bad), 0o644)
	src, _ := os.ReadFile(filepath.Join(dir, "chat_template.jinja"))
	os.WriteFile(filepath.Join(tmp, "chat_template.jinja"), src, 0o644)
	var out, errw bytes.Buffer
	err = verifyTokenizer([]string{dir, filepath.Join(tmp, "chat.jsonl")}, &out, &errw)
	if err == nil || !strings.Contains(err.Error(), "1 of 12 records failed") {
		t.Errorf("err %v", err)
	}
	if !strings.Contains(out.String(), "want") || !strings.Contains(out.String(), "got") || !strings.Contains(out.String(), "single-user-gen") {
		t.Errorf("output does not show both sides: %s", out.String())
	}
	// exit codes through the dispatcher
	var stderr bytes.Buffer
	if code := run([]string{"verify", "tokenizer", dir, filepath.Join(tmp, "chat.jsonl")}, &stderr); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if code := run([]string{"verify", "tokenizer", dir}, &stderr); code != 2 {
		t.Errorf("missing FILE: exit code %d, want 2", code)
	}
	if code := run([]string{"verify", "tokenizer", dir, filepath.Join(tmp, "nope.jsonl")}, &stderr); code != 1 || !strings.Contains(stderr.String(), "nope.jsonl") {
		t.Errorf("missing file: exit code %d, stderr %s", code, stderr.String())
	}
}

func TestChatRender(t *testing.T) {
	dir := testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")
	var out, errw bytes.Buffer
	if err := chatRender([]string{"-user", "Hi", "-think", "false", dir}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"template family qwen3", `"<|im_end|>"`, "user_end", "header_start", "role", "think_open", "think[1]", "think_close"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := chatRender([]string{"-json", "-user", "Hi", dir}, &out, &errw); err != nil || !strings.Contains(out.String(), `"Positions"`) {
		t.Errorf("json: %v\n%s", err, out.String())
	}
	msgs := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(msgs, []byte(`[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]`), 0o644)
	mdir := testpaths.Shared(t, "fixtures", "tokenizers", "llama3")
	if err := chatRender([]string{"-messages", msgs, mdir}, &out, &errw); err != nil {
		t.Errorf("llama3 two users (the template accepts them): %v", err)
	}
	for _, args := range [][]string{
		{dir},                                  // no conversation
		{"-think", "maybe", "-user", "x", dir}, // bad -think
		{"-messages", msgs, "-user", "x", dir}, // both
		{"-user", "x", t.TempDir()},            // no tokenizer_config.json
	} {
		if err := chatRender(args, &out, &errw); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// A tokenizer directory without a chat template renders with -template,
// and without it the error names the flag (QA: it named chat.ForFamily).
func TestChatRenderTemplateFlag(t *testing.T) {
	dir := testpaths.Shared(t, "fixtures", "tokenizers", "mistral")
	var out, errw bytes.Buffer
	err := chatRender([]string{"-user", "Hi", dir}, &out, &errw)
	if err == nil || !strings.Contains(err.Error(), "give -template FAMILY") {
		t.Fatalf("no template: %v", err)
	}
	if err := chatRender([]string{"-template", "mistral-instruct-v0.1", "-user", "Hi", dir}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "[INST] Hi [/INST]") {
		t.Errorf("output:\n%s", out.String())
	}
	if err := chatRender([]string{"-template", "llama3", "-user", "Hi", dir}, &out, &errw); err == nil || !strings.Contains(err.Error(), "<|start_header_id|>") {
		t.Errorf("llama3 template on a mistral tokenizer: %v", err)
	}
}

// Flags after the positional DIR are accepted (QA: they gave a bare usage).
func TestFlagsAfterDir(t *testing.T) {
	dir := testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")
	var out, errw bytes.Buffer
	if err := chatRender([]string{dir, "-user", "Hi", "-think", "false"}, &out, &errw); err != nil || !strings.Contains(out.String(), "template family qwen3") {
		t.Errorf("chat render DIR -user: %v\n%s", err, errw.String())
	}
	out.Reset()
	if err := verifyModel([]string{testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3"), "-only", "logits"}, &out, &errw); err != nil || !strings.Contains(out.String(), "logits") || strings.Contains(out.String(), "train.grad.") {
		t.Errorf("verify model DIR -only logits: %v\n%s", err, out.String())
	}
}
