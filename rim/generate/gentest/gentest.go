// Package gentest builds chat-ready model directories for tests of
// generation, serving and the CLI: a tiny random Qwen3 model whose vocab
// covers the real Qwen3 tokenizer, with that tokenizer, its chat template
// and a generation config (Qwen3's EOS ids).
package gentest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/modeltest"
	"github.com/rimlab/rim/rim/tokenize"
)

// WriteChatModel writes the model into a new temp dir and returns it.
// extra overrides config.json keys (e.g. max_position_embeddings).
func WriteChatModel(t testing.TB, extra map[string]any) string {
	t.Helper()
	tokDir := testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")
	tok, err := tokenize.Load(tokDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	spec := modeltest.Spec{ModelType: "qwen3", Vocab: (tok.VocabSize() + 63) / 64 * 64, Hidden: 32, Layers: 2, Heads: 2,
		KVHeads: 1, HeadDim: 16, Intermediate: 64, Tied: true, Seed: 3, Std: 0.2, Extra: extra}
	if err := modeltest.Write(dir, spec); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json", "chat_template.jinja"} {
		b, err := os.ReadFile(filepath.Join(tokDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gc := `{"eos_token_id": [151645, 151643], "pad_token_id": 151643}`
	if err := os.WriteFile(filepath.Join(dir, "generation_config.json"), []byte(gc), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
