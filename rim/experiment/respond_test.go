package experiment

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/capture"
	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// Greedy responses do not depend on the batch size; ablating every head changes them; the cached variant
// returns the same texts and a second call is served from the cache.
func TestRespondAndCachedResponses(t *testing.T) {
	m, _ := tiny(t)
	tokDir := testpaths.TestData(t, "model", "tiny-qwen3")
	o := RespondOptions{Think: chat.Bool(false), MaxTokens: 6, Batch: 1}
	one, err := Respond(context.Background(), m, tokDir, prompts, o)
	if err != nil {
		t.Fatal(err)
	}
	o.Batch = 3
	three, err := Respond(context.Background(), m, tokDir, prompts, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != len(prompts) || !slices.Equal(one, three) {
		t.Fatalf("batch 1 %q vs batch 3 %q", one, three)
	}
	var all []heads.Head
	for l := 0; l < m.Config.NumLayers; l++ {
		for h := 0; h < m.Config.NumHeads; h++ {
			all = append(all, heads.Head{Layer: l, Head: h})
		}
	}
	o.Interventions = capture.HeadAblations(all)
	ablated, err := Respond(context.Background(), m, tokDir, prompts, o)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(ablated, one) {
		t.Fatalf("ablating every head left the responses unchanged: %q", one)
	}
	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ps := make([]data.Prompt, len(prompts))
	for i, p := range prompts {
		ps[i] = data.Prompt{ID: string(rune('a' + i)), Text: p}
	}
	o.Interventions = nil
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	for i := 0; i < 2; i++ {
		got, err := CachedResponses(c, dir, tokDir, ps, o)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, one) {
			t.Fatalf("cached call %d: %q, want %q", i, got, one)
		}
	}
	if _, err := Respond(context.Background(), m, tokDir, prompts, RespondOptions{MaxTokens: 0, Batch: 1}); err == nil {
		t.Fatal("max tokens 0: no error")
	}
}

// ModelID is stable, depends on the tokenizer and names a missing tokenizer.
func TestModelID(t *testing.T) {
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	tokDir := testpaths.TestData(t, "model", "tiny-qwen3")
	a, err := ModelID(dir, tokDir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ModelID(dir, tokDir)
	if a != b || !strings.Contains(a, "+") {
		t.Fatalf("ids %q, %q", a, b)
	}
	other := t.TempDir()
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(tokDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "tokenizer_config.json" {
			b = append(b, ' ')
		}
		if err := os.WriteFile(filepath.Join(other, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := ModelID(dir, other)
	if err != nil {
		t.Fatal(err)
	}
	if c == a {
		t.Fatalf("different tokenizer configs, same id %q", a)
	}
	if _, err := ModelID(dir, t.TempDir()); err == nil || !strings.Contains(err.Error(), "tokenizer") {
		t.Fatalf("missing tokenizer: %v", err)
	}
}

func TestGradeAll(t *testing.T) {
	gs, err := GradeAll([]string{"so the answer is\n#### 42", "#### 7", "no idea"}, []string{"42", "8", "3"})
	if err != nil {
		t.Fatal(err)
	}
	if !gs[0].Correct || gs[1].Correct || gs[2].Correct {
		t.Fatalf("grades %+v", gs)
	}
	if _, err := GradeAll([]string{"a"}, nil); err == nil || !strings.Contains(err.Error(), "1 responses for 0") {
		t.Fatalf("length mismatch: %v", err)
	}
}
