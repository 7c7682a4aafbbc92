package generate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/tokenize"
)

// TestTestdataModelsSelfContained: every model directory in testdata/model
// carries its tokenizer, whose ids fit the model's vocab_size exactly (the
// README's built-in model had none, so rim generate / chat render failed on
// it). The notebooks' copy in testdata/kernel must stay identical.
func TestTestdataModelsSelfContained(t *testing.T) {
	root := testpaths.TestData(t, "model")
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		cfg, err := model.LoadConfig(dir)
		if err != nil {
			t.Fatal(err)
		}
		tk, err := tokenize.Load(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if tk.VocabSize() != cfg.Vocab {
			t.Errorf("%s: tokenizer has %d ids, config vocab_size %d", dir, tk.VocabSize(), cfg.Vocab)
		}
		if _, err := NewChat(dir, nil, cfg.MaxPositions); err != nil {
			t.Errorf("%s: NewChat: %v", dir, err)
		}
	}
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json"} {
		a, err1 := os.ReadFile(testpaths.TestData(t, "model", "tiny-qwen3", f))
		b, err2 := os.ReadFile(testpaths.TestData(t, "kernel", "tiny-qwen3-tokenizer", f))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between testdata/model/tiny-qwen3 and testdata/kernel/tiny-qwen3-tokenizer (%v %v)", f, err1, err2)
		}
	}
}

// TestNewChatReportsBrokenTemplate: NewChat used to swallow every
// LoadTemplate error, so a broken template read as "no chat template".
func TestNewChatReportsBrokenTemplate(t *testing.T) {
	src := testpaths.TestData(t, "model", "tiny-qwen3")
	dir := t.TempDir()
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := NewChat(dir, nil, 64)
	if err != nil || c.Template == nil {
		t.Fatalf("intact template: %v, template %v", err, c)
	}
	// A syntax error in chat_template.jinja (which wins over the config's).
	if err := os.WriteFile(filepath.Join(dir, "chat_template.jinja"), []byte("{% for m in messages %}{{ m.content }"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewChat(dir, nil, 64); err == nil || !strings.Contains(err.Error(), "chat template") {
		t.Errorf("broken template: err = %v, want it reported", err)
	}
	// No template anywhere is still "none", not an error.
	os.Remove(filepath.Join(dir, "chat_template.jinja"))
	if err := os.WriteFile(filepath.Join(dir, "generation_config.json"), []byte(`{"eos_token_id": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(`{"bos_token": null}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err := NewChat(dir, nil, 64); err != nil || c.Template != nil {
		t.Errorf("no template: %v, %v", c, err)
	}
	os.Remove(filepath.Join(dir, "tokenizer_config.json"))
	if c, err := NewChat(dir, nil, 64); err != nil || c.Template != nil {
		t.Errorf("no tokenizer_config.json: %v, %v", c, err)
	}
}

// hfCacheRepo lays testdata/model/tiny-qwen3 out as the HF hub cache does:
// models--rim--tiny/{refs/main, snapshots/<rev>/<files>}, and returns the
// repo dir.
func hfCacheRepo(t *testing.T) string {
	t.Helper()
	src := testpaths.TestData(t, "model", "tiny-qwen3")
	repo := filepath.Join(t.TempDir(), "models--rim--tiny")
	snap := filepath.Join(repo, "snapshots", "0123abc")
	if err := os.MkdirAll(snap, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(src)
	for _, e := range ents {
		if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(snap, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
	if err := os.WriteFile(filepath.Join(repo, "refs", "main"), []byte("0123abc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return repo
}

// TestLoadHFCacheRepo: the weights resolved to the snapshot but the
// tokenizer was looked for in the unresolved repo dir.
func TestLoadHFCacheRepo(t *testing.T) {
	repo := hfCacheRepo(t)
	c, st, err := Load(repo, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.M.Close()
	if c.Tokenizer == nil || c.Template == nil || c.Name != "models--rim--tiny" {
		t.Errorf("tokenizer %v, template %v, name %q", c.Tokenizer != nil, c.Template != nil, c.Name)
	}
}
