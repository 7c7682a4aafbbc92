package chat

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/chat/jinja"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

func fixClock(t *testing.T) {
	old := jinja.Now
	jinja.Now = func() time.Time { return time.Date(2024, 7, 26, 0, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { jinja.Now = old })
}

// Templates without a hand-written renderer go through the interpreter:
// the text equals jinja2's, the regions satisfy the invariants, and with a
// matching vocabulary every position's token covers its mark.
func TestGenericTemplates(t *testing.T) {
	fixClock(t)
	path := testpaths.TestData(t, "chat", "jinja-extra", "cases.jsonl")
	cases, err := ReadCases(path)
	if err != nil {
		t.Fatal(err)
	}
	vocab := map[string]string{"qwen2.5.jinja": "qwen3", "llama3.2.jinja": "llama3", "mistral-nemo.jinja": "mistral"}
	tokChecked := 0
	for i := range cases {
		c := &cases[i]
		if probs := CheckCase(nil, c, filepath.Dir(path), ""); len(probs) > 0 {
			t.Errorf("%s: %v", c.ID, probs)
			continue
		}
		if c.Rendered == nil {
			continue
		}
		tp, _ := CaseTemplate(c, filepath.Dir(path), "")
		if tp.Family != Generic {
			t.Errorf("%s: family %s, want generic", c.ID, tp.Family)
		}
		opt, _ := c.Options()
		msgs, _ := c.Conversation()
		r, err := tp.Render(msgs, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Approx {
			t.Errorf("%s: generic rendering not marked Approx", c.ID)
		}
		checkInvariants(t, c.ID, msgs, r)
		if fam := vocab[c.Template]; fam != "" {
			tk, _ := fixtureTokenizer(t, fam)
			e, err := Encode(Wrap(tk), r)
			if err != nil {
				t.Errorf("%s: %v", c.ID, err)
				continue
			}
			checkTokenInvariants(t, c.ID, r, e)
			tokChecked++
		}
	}
	t.Logf("%d generic renderings, %d checked at token level", len(cases), tokChecked)
}

func genericTemplate(t *testing.T, name string, vars map[string]any) *Template {
	t.Helper()
	src := readFile(t, testpaths.TestData(t, "chat", "jinja-extra", name))
	tp, err := Recognize(src, vars)
	if err != nil || tp.Family != Generic {
		t.Fatalf("%s: %v %v", name, tp, err)
	}
	return tp
}

func TestGenericPositions(t *testing.T) {
	tk, _ := fixtureTokenizer(t, "qwen3")
	tp := genericTemplate(t, "qwen2.5.jinja", map[string]any{"eos_token": "<|im_end|>"})
	msgs := []Message{{Role: "user", Content: "Hi there"}, {Role: "assistant", Content: "Hello."}, {Role: "user", Content: "Give me a detailed and hands-on tutorial."}}
	e, err := tp.Encode(Wrap(tk), msgs, Options{AddGenerationPrompt: true})
	if err != nil {
		t.Fatal(err)
	}
	L := len(e.IDs)
	if p := e.Positions[PosUserEnd]; p != L-5 || decodeOne(t, "qwen3", e.IDs[p]) != "<|im_end|>" {
		t.Errorf("user_end at %d, want %d", p, L-5)
	}
	if p := e.Positions[PosHeaderStart]; p != L-3 || decodeOne(t, "qwen3", e.IDs[p]) != "<|im_start|>" {
		t.Errorf("header_start at %d, want %d", p, L-3)
	}
	if h, ok := e.Final(KindHeader); !ok || decodeSpan(t, "qwen3", e, h) != "<|im_start|>assistant\n" {
		t.Errorf("header %v", h)
	}
	if u, ok := e.Find(KindUser, 2); !ok || decodeSpan(t, "qwen3", e, u) != msgs[2].Content {
		t.Errorf("last user span %v", u)
	}
	if a, ok := e.Find(KindAnswer, 1); !ok || decodeSpan(t, "qwen3", e, a) != "Hello." {
		t.Errorf("assistant answer span %v", a)
	}
	if s, ok := e.Find(KindSystem, 0); ok {
		t.Errorf("no system message, got span %v", s)
	}

	// DeepSeek-R1-Distill opens the think block in its generation prompt.
	r1 := genericTemplate(t, "deepseek-r1-distill.jinja", map[string]any{"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"})
	r, err := r1.Render(User("2+2?"), Options{AddGenerationPrompt: true, Prefill: "Let me add."})
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != "<｜begin▁of▁sentence｜><｜User｜>2+2?<｜Assistant｜><think>\nLet me add." {
		t.Errorf("text %q", r.Text)
	}
	if h, ok := r.Final(KindHeader); !ok || r.Slice(h) != "<｜Assistant｜>" {
		t.Errorf("header %v", h)
	}
	if th, ok := r.Final(KindThink); !ok || r.Slice(th) != "\nLet me add." {
		t.Errorf("think %v", th)
	}
	if m, ok := r.Marks[PosThinkOpen]; !ok || r.Text[m.Start:m.End] != "<think>" {
		t.Errorf("think_open mark %v", m)
	}
	if pf, ok := r.Final(KindPrefill); !ok || r.Slice(pf) != "Let me add." {
		t.Errorf("prefill %v", pf)
	}
	// the template's own errors come through
	gemma := genericTemplate(t, "gemma.jinja", map[string]any{"bos_token": "<bos>"})
	_, err = gemma.Render([]Message{{Role: "system", Content: "x"}, {Role: "user", Content: "y"}}, Options{})
	if te, ok := err.(*TemplateError); !ok || te.Message != "System role not supported" {
		t.Errorf("gemma system: %v", err)
	}
}

// A template that looks like a known family but renders differently (here
// Qwen3 with a changed tool header) is caught by the interpreter
// cross-check: its exact text is returned, marked Approx.
func TestCrossCheckFallback(t *testing.T) {
	_, dir := fixtureTokenizer(t, "qwen3")
	src := readFile(t, dir, "chat_template.jinja")
	variant := strings.Replace(src, "You may call one or more functions", "You may call functions", 1)
	if variant == src {
		t.Fatal("variant unchanged")
	}
	tp, err := Recognize(variant, map[string]any{"eos_token": "<|im_end|>"})
	if err != nil || tp.Family != Qwen3 {
		t.Fatalf("variant: %v %v", tp, err)
	}
	msgs := User("Weather?")
	plain, err := tp.Render(msgs, Options{AddGenerationPrompt: true})
	if err != nil || plain.Approx {
		t.Fatalf("without tools the renderer agrees: %v %v", plain, err)
	}
	tools := Options{AddGenerationPrompt: true, Tools: []json.RawMessage{json.RawMessage(`{"type": "function", "function": {"name": "f"}}`)}}
	r, err := tp.Render(msgs, tools)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Approx || !strings.Contains(r.Text, "You may call functions") {
		t.Errorf("fallback not taken: approx %v text %q", r.Approx, r.Text)
	}
	if u, ok := r.Find(KindUser, 0); !ok || r.Slice(u) != "Weather?" {
		t.Errorf("user region after fallback %v", u)
	}
	if h, ok := r.Final(KindHeader); !ok || r.Slice(h) != "<|im_start|>assistant\n" {
		t.Errorf("header after fallback %v", h)
	}
}

// Contents are located exactly through the sentinel probe, even when the
// same text occurs earlier in the template's own words (Qwen2.5's default
// system prompt contains "You"); templates that look inside the content
// fall back to searching.
func TestGenericSentinelLocation(t *testing.T) {
	tp := genericTemplate(t, "qwen2.5.jinja", map[string]any{"eos_token": "<|im_end|>"})
	r, err := tp.Render([]Message{{Role: "user", Content: "You"}, {Role: "assistant", Content: "You"}, {Role: "user", Content: "You"}}, Options{AddGenerationPrompt: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nYou<|im_end|>\n<|im_start|>assistant\nYou<|im_end|>\n<|im_start|>user\nYou<|im_end|>\n<|im_start|>assistant\n"
	if r.Text != want {
		t.Fatalf("text %q", r.Text)
	}
	u0, _ := r.Find(KindUser, 0)
	a1, _ := r.Find(KindAnswer, 1)
	u2, _ := r.Find(KindUser, 2)
	for _, c := range []struct {
		g      Region
		before string
	}{{u0, "<|im_start|>user\n"}, {a1, "<|im_start|>assistant\n"}, {u2, "<|im_end|>\n<|im_start|>user\n"}} {
		if r.Slice(c.g) != "You" || !strings.HasSuffix(r.Text[:c.g.Start], c.before) {
			t.Errorf("region %v preceded by %q", c.g, r.Text[max(0, c.g.Start-30):c.g.Start])
		}
	}
	// Llama-3.2 trims contents: the stripped substitution matches.
	fixClock(t)
	l32 := genericTemplate(t, "llama3.2.jinja", map[string]any{"bos_token": "<|begin_of_text|>"})
	r, err = l32.Render([]Message{{Role: "system", Content: "  sys  "}, {Role: "user", Content: " hello \n"}}, Options{AddGenerationPrompt: true})
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := r.Find(KindUser, 1); !ok || r.Slice(u) != "hello" || !strings.HasSuffix(r.Text[:u.Start], "user<|end_header_id|>\n\n") {
		t.Errorf("llama3.2 user region %v in %q", u, r.Text)
	}
	if s, ok := r.Find(KindSystem, 0); !ok || r.Slice(s) != "sys" {
		t.Errorf("llama3.2 system region %v", s)
	}
}
