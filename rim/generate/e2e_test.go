package generate

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/generate/gentest"
	"github.com/rimlab/rim/rim/model"
)

func writeChatModel(t testing.TB, extra map[string]any) string {
	return gentest.WriteChatModel(t, extra)
}

func loadChat(t testing.TB, dir string) *Chat {
	c, st, err := Load(dir, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.M.Close() })
	return c
}

func user(s string) []chat.Message { return []chat.Message{{Role: "user", Content: s}} }

func TestChatEndToEnd(t *testing.T) {
	c := loadChat(t, writeChatModel(t, nil))
	if !equalInts(c.EOS, []int{151645, 151643}) || c.PadID != 151643 || c.Think == nil || c.Template == nil {
		t.Fatalf("chat config: eos %v pad %d think %v", c.EOS, c.PadID, c.Think)
	}
	convs := []Conversation{
		{Messages: user("How do I bake bread?")},
		{Messages: user("Hi"), Think: Ptr(false)},
		{Messages: user("What is 2+2? Explain in detail please."), Prefill: chat.ThinkPrefill("Let me")},
	}
	opt := ChatOptions{MaxTokens: 10}
	batch, err := c.Generate(context.Background(), convs, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i, conv := range convs {
		e, err := c.Encode(conv)
		if err != nil {
			t.Fatal(err)
		}
		alone, err := c.Complete(context.Background(), conv, opt)
		if err != nil {
			t.Fatal(err)
		}
		b := batch[i]
		if !equalInts(alone.IDs, b.IDs) || alone.Text != b.Text {
			t.Errorf("conversation %d: batched %v, alone %v", i, b.IDs, alone.IDs)
		}
		if b.PromptTokens != len(e.IDs) || b.ThinkTokens+b.AnswerTokens != len(b.IDs) {
			t.Errorf("conversation %d: token counts %+v", i, b)
		}
		text, _ := c.Tokenizer.Decode(b.IDs, true)
		if b.Finish == FinishLength && b.Text != text {
			t.Errorf("conversation %d: text %q, decode %q", i, b.Text, text)
		}
	}
	// vocab 151680 × hidden 32 is above the Go backend's small-matmul size:
	// the runs above used the split lm_head.
	if st := c.Stepper.(*ModelStepper); st.M.Backend().Name() != "" && strings.HasPrefix(strings.ToLower(st.M.Backend().Name()), "go") && st.head == nil {
		t.Error("split lm_head not used on the Go backend")
	}
	// The prefill leaves the think block open: everything is thinking
	// unless the model closed it.
	if p := batch[2]; !p.ThinkClosed && (p.Answer != "" || p.ThinkTokens != len(p.IDs)) {
		t.Errorf("prefill row: %+v", p)
	}
	// No-think: the prompt ends with the empty think block.
	e, _ := c.Encode(convs[1])
	if !strings.HasSuffix(e.Text, "<think>\n\n</think>\n\n") {
		t.Errorf("no-think prompt ends %q", e.Text[max(0, len(e.Text)-30):])
	}
	if batch[1].ThinkTokens != 0 && !strings.Contains(batch[1].Text, "</think>") {
		t.Errorf("no-think row counted think tokens: %+v", batch[1])
	}
}

func TestChatInputErrors(t *testing.T) {
	c := loadChat(t, writeChatModel(t, map[string]any{"max_position_embeddings": 24}))
	ctx := context.Background()
	for _, tc := range []struct {
		conv Conversation
		opt  ChatOptions
		want string
	}{
		{Conversation{}, ChatOptions{MaxTokens: 4}, "conversation has no messages"},
		{Conversation{Messages: user(strings.Repeat("long prompt ", 20))}, ChatOptions{MaxTokens: 4}, "the model's context is 24"},
		{Conversation{Messages: user("hi")}, ChatOptions{MaxTokens: 0}, "max new tokens 0"},
	} {
		_, err := c.Complete(ctx, tc.conv, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !IsInputError(err) {
			t.Errorf("%+v: error %v, want an input error containing %q", tc.conv, err, tc.want)
		}
	}
}

func TestFileJob(t *testing.T) {
	c := loadChat(t, writeChatModel(t, nil))
	dir := t.TempDir()
	pf := filepath.Join(dir, "p.jsonl")
	os.WriteFile(pf, []byte(`{"id": "a", "prompt": "Hello there"}
"just a string"

{"id": 3, "messages": [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Why?"}], "think": false}
`), 0o644)
	recs, err := ReadPrompts(pf)
	if err != nil {
		t.Fatal(err)
	}
	var out, bar bytes.Buffer
	job := &FileJob{Prompts: recs, Batch: 2, Options: ChatOptions{MaxTokens: 5}, Progress: &bar}
	if err := job.Run(context.Background(), c, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d records:\n%s", len(lines), out.String())
	}
	for i, l := range lines {
		var r Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.Index != i || r.OutputTokens == 0 || r.ThinkTokens+r.AnswerTokens != r.OutputTokens || r.PromptTokens == 0 {
			t.Errorf("record %d: %s", i, l)
		}
	}
	if !strings.Contains(lines[0], `"id":"a"`) || !strings.Contains(lines[2], `"id":3`) {
		t.Errorf("ids not copied:\n%s", out.String())
	}
	if !strings.Contains(bar.String(), "3/3 prompts") {
		t.Errorf("progress: %q", bar.String())
	}
	for _, bad := range []struct{ name, body, want string }{
		{"e.jsonl", `{"prompt": ""}`, "e.jsonl:1: prompt is empty"},
		{"f.jsonl", "{\"prompt\": \"x\"}\n{\"prompt\": \"y\", \"temperature\": 1}", `f.jsonl:2: json: unknown field "temperature"`},
		{"g.txt", "\n  \n", "has no prompts"},
		{"h.jsonl", `{"prompt": "x", "messages": [{"role": "user", "content": "y"}]}`, "not both"},
	} {
		p := filepath.Join(dir, bad.name)
		os.WriteFile(p, []byte(bad.body), 0o644)
		if _, err := ReadPrompts(p); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: error %v, want %q", bad.name, err, bad.want)
		}
	}
}

// Ids past the tokenizer's vocabulary (the model's vocab is padded) are
// skipped when decoding, as the Rust tokenizers library does.
func TestDecodeSkipsUnknownIDs(t *testing.T) {
	c := loadChat(t, writeChatModel(t, nil))
	hi := c.Tokenizer.Encode("hi", false)
	got, err := skipUnknown{c.Tokenizer}.Decode(append(append([]int{}, hi...), c.Tokenizer.VocabSize()+3), true)
	if err != nil || got != "hi" {
		t.Errorf("decode with an unknown id: %q, %v", got, err)
	}
}
