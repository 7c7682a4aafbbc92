package regions

import (
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/tokenize"
)

// With the real Qwen3 tokenizer and template, the no-think prompt's key
// positions relative to `assistant` are those of Fig A3: +2 <think>, +3 the
// empty "\n\n", +4 </think> (docs/paper.md §6.2), and <|im_end|> / <|im_start|> sit
// at the paper's "Input −5" / "Input −3" (counted from the end of
// "<|im_end|>\n<|im_start|>assistant\n").
func TestQwen3NoThinkOffsets(t *testing.T) {
	dir := testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")
	tk, err := tokenize.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := chat.LoadTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	msgs := []chat.Message{{Role: "user", Content: "Give me a detailed and hands-on tutorial."}}
	enc, err := tmpl.Encode(chat.Wrap(tk), msgs, chat.Options{AddGenerationPrompt: true, EnableThinking: chat.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	lab := Labels(enc)
	role := -1
	for i, l := range lab {
		if l == "role" {
			role = i
		}
	}
	if role < 0 {
		t.Fatalf("no role token in %q", lab)
	}
	want := map[int]string{-3: "user_end", -1: "header_start", 0: "role", 2: "think_open", 3: "think", 4: "think_close"}
	for off, w := range want {
		if got := lab[role+off]; got != w {
			t.Errorf("offset %+d: label %q, want %q (labels %q)", off, got, w, lab)
		}
	}
	s, e, err := Range(enc, "think")
	if err != nil || s != role+3 || e != role+4 {
		t.Errorf("think range [%d, %d) %v, want [%d, %d)", s, e, err, role+3, role+4)
	}
	if got, _ := tk.Decode(enc.IDs[s:e], false); got != "\n\n" {
		t.Errorf("empty think span decodes to %q", got)
	}
	// "Input −5" and "Input −3" from the end of the generation prompt
	// "<|im_end|>\n<|im_start|>assistant\n" (before the think block).
	end := role + 2
	if p, _ := enc.Pos(chat.PosUserEnd); p != end-5 {
		t.Errorf("user_end at %d, want %d", p, end-5)
	}
	if p, _ := enc.Pos(chat.PosHeaderStart); p != end-3 {
		t.Errorf("header_start at %d, want %d", p, end-3)
	}
	if _, _, err := Range(enc, "answer"); err == nil || !strings.Contains(err.Error(), `"answer"`) {
		t.Errorf("absent answer: %v", err)
	}
	if s, e, err := Range(enc, "user"); err != nil || e-s < 5 {
		t.Errorf("user range [%d, %d) %v", s, e, err)
	}
}
