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
