package chat

import (
	"encoding/json"
	"errors"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// decodeFuzz turns fuzz input into a conversation: messages separated by
// 0x00, each "ROLE\x01CONTENT" with ROLE a byte picking a role.
func decodeFuzz(data string) []Message {
	roles := []string{"user", "assistant", "system", "tool", "critic", ""}
	var msgs []Message
	for _, part := range strings.Split(data, "\x00") {
		if part == "" {
			continue
		}
		role := roles[int(part[0])%len(roles)]
		m := Message{Role: role, Content: part[1:]}
		if role == "assistant" && len(part) > 1 && part[1]%3 == 0 {
			rc := part[1:]
			m.ReasoningContent = &rc
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// alternates is the [INST] templates' role rule over the messages they
// loop over.
func alternates(msgs []Message) bool {
	for i, m := range msgs {
		if (m.Role == "user") != (i%2 == 0) {
			return false
		}
	}
	return true
}

func FuzzRender(f *testing.F) {
	f.Add("\x00Hello\x00\x01Hi there\x00\x00bye", true, uint8(0), "")
	f.Add("\x02You are helpful.\x00\x00<think>\n\n</think>\n\nx\x00\x01<think>a</think>b", false, uint8(1), "Sure")
	f.Add("\x01assistant first", true, uint8(2), "")
	f.Add("\x00u1\x00\x00u2", false, uint8(0), "<think>\n")
	f.Add("\x03tool\x00\x03tool2\x00\x04critic\x00\x05", true, uint8(1), "")
	f.Add("\x00 \x1c\u3000 \x00\x01\n\n", true, uint8(1), "")
	f.Fuzz(func(t *testing.T, data string, gen bool, think uint8, prefill string) {
		msgs := decodeFuzz(data)
		opt := Options{AddGenerationPrompt: gen, Prefill: prefill}
		switch think % 3 {
		case 1:
			opt.EnableThinking = Bool(false)
		case 2:
			opt.EnableThinking = Bool(true)
		}
		for _, fam := range Families {
			tp, err := ForFamily(fam, "<s>", "</s>")
			if err != nil {
				t.Fatal(err)
			}
			r, err := tp.Render(msgs, opt)
			var te *TemplateError
			if len(msgs) == 0 {
				if err == nil {
					t.Fatalf("%s: empty conversation rendered", fam)
				}
				continue
			}
			// role validation of the [INST] templates
			switch fam {
			case MistralInstruct:
				// the template checks each message in turn (alternation, then
				// role), so the first offence decides which error it raises
				if !alternates(msgs) && (err == nil || !errors.As(err, &te)) {
					t.Fatalf("%s: non-alternating roles: err %v", fam, err)
				}
			case Llama2Chat, MistralSystem:
				loop := msgs
				if loop[0].Role == "system" {
					loop = loop[1:]
				}
				// Llama-2-chat checks all roles before rendering anything;
				// the Mistral one checks message by message, so a wrong role
				// may be reported first
				if !alternates(loop) && (err == nil || !errors.As(err, &te) || (fam == Llama2Chat && te.Message != errAlternate)) {
					t.Fatalf("%s: non-alternating roles: err %v", fam, err)
				}
			}
			if err != nil {
				if err.Error() == "" || err.Error() != strings.ToLower(err.Error()[:1])+err.Error()[1:] {
					t.Fatalf("%s: error %q does not start lowercase", fam, err)
				}
				continue
			}
			checkInvariants(t, string(fam), msgs, r)
			if prefill != "" && !strings.HasSuffix(r.Text, prefill) {
				t.Fatalf("%s: text %q does not end with the prefill", fam, r.Text)
			}
		}
	})
}

// Message and Case JSON decoding never panics and round-trips what it
// accepts.
func FuzzMessageJSON(f *testing.F) {
	f.Add(`{"role": "user", "content": "hi"}`)
	f.Add(`{"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"a": [1, 2.5]}}}]}`)
	f.Add(`{"role": "assistant", "content": "x", "reasoning_content": "r"}`)
	f.Add(`{"role": 1}`)
	f.Fuzz(func(t *testing.T, in string) {
		var m Message
		if err := json.Unmarshal([]byte(in), &m); err != nil {
			return
		}
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal %+v: %v", m, err)
		}
		var back Message
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("round trip of %s: %v", data, err)
		}
		if back.Role != m.Role || back.Content != m.Content || len(back.ToolCalls) != len(m.ToolCalls) {
			t.Fatalf("round trip changed %+v into %+v", m, back)
		}
		for _, tc := range m.ToolCalls {
			_, _ = toolArgs(tc)
		}
	})
}

// FuzzCrossCheck renders fuzzed conversations with the nine reference
// templates loaded from source: the hand-written renderer and the jinja
// interpreter must agree (Render would otherwise fall back and set Approx),
// and both reject the same conversations.
func FuzzCrossCheck(f *testing.F) {
	f.Add("\x00Hello\x00\x01Hi there\x00\x00bye", true, uint8(0), "")
	f.Add("\x02You are helpful.\x00\x00<think>\n\n</think>\n\nx\x00\x01<think>a</think>b", false, uint8(1), "Sure")
	f.Add("\x03tool\x00\x03tool2\x00\x04critic\x00\x05", true, uint8(1), "")
	f.Add("\x00 \x1c\u3000 \x00\x01\n\n", true, uint8(2), "")
	dir := testdataDirF(f)
	names := []string{"qwen3", "llama3", "llama2-chat", "mistral-instruct-v0.1", "mixtral-instruct", "mixtral-system", "phi3.5", "olmo2", "olmoe"}
	var tps []*Template
	for _, n := range names {
		src, err := os.ReadFile(filepath.Join(dir, n+".jinja"))
		if err != nil {
			f.Fatal(err)
		}
		tp, err := Recognize(string(src), map[string]any{"bos_token": "<s>", "eos_token": "</s>"})
		if err != nil || tp.Family == Generic || tp.src == nil {
			f.Fatalf("%s: %v %v", n, tp, err)
		}
		tps = append(tps, tp)
	}
	f.Fuzz(func(t *testing.T, data string, gen bool, think uint8, prefill string) {
		msgs := decodeFuzz(data)
		if len(msgs) == 0 {
			return
		}
		opt := Options{AddGenerationPrompt: gen, Prefill: prefill}
		switch think % 3 {
		case 1:
			opt.EnableThinking = Bool(false)
		case 2:
			opt.EnableThinking = Bool(true)
		}
		for i, tp := range tps {
			known, kerr := tp.renderKnown(msgs, opt)
			r, err := tp.Render(msgs, opt)
			if err != nil {
				var te *TemplateError
				if errors.As(err, &te) && kerr == nil {
					t.Fatalf("%s: the template raises %q, the renderer does not", names[i], te.Message)
				}
				continue
			}
			if r.Approx {
				t.Fatalf("%s: renderer and interpreter differ for %q (gen %v think %d)\nrenderer %q\ntemplate %q", names[i], data, gen, think%3, known.Text, r.Text)
			}
		}
	})
}

func testdataDirF(f *testing.F) string {
	return filepath.Dir(testpaths.TestData(f, "chat", "jinja", "cases.jsonl"))
}

// FuzzGeneric renders fuzzed conversations with the templates that only the
// interpreter runs: no panics, and the regions keep their invariants.
func FuzzGeneric(f *testing.F) {
	f.Add("\x00Hello\x00\x01Hi there\x00\x00bye", true, uint8(0), "")
	f.Add("\x02You are helpful.\x00\x00<think>\n\n</think>\n\nx\x00\x01<think>a</think>b", false, uint8(1), "Sure")
	f.Add("\x03tool\x00\x03tool2\x00\x04critic\x00\x05", true, uint8(1), "")
	dir := filepath.Join(filepath.Dir(testdataDirF(f)), "jinja-extra")
	var tps []*Template
	for _, n := range []string{"llama3.2", "mistral-nemo", "qwen2.5", "deepseek-r1-distill", "gemma", "stress"} {
		src, err := os.ReadFile(filepath.Join(dir, n+".jinja"))
		if err != nil {
			f.Fatal(err)
		}
		tp, err := Recognize(string(src), map[string]any{"bos_token": "<s>", "eos_token": "</s>"})
		if err != nil || tp.Family != Generic {
			f.Fatalf("%s: %v %v", n, tp, err)
		}
		tps = append(tps, tp)
	}
	f.Fuzz(func(t *testing.T, data string, gen bool, think uint8, prefill string) {
		msgs := decodeFuzz(data)
		if len(msgs) == 0 {
			return
		}
		opt := Options{AddGenerationPrompt: gen, Prefill: prefill}
		if think%2 == 1 {
			opt.EnableThinking = Bool(false)
		}
		for _, tp := range tps {
			r, err := tp.Render(msgs, opt)
			if err != nil {
				if strings.Contains(err.Error(), "internal error") {
					t.Fatal(err)
				}
				continue
			}
			checkInvariants(t, "generic", msgs, r)
		}
	})
}
