package chat

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestMessageJSONErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"content": "x"}`:                                                      "no role",
		`{"role": "user"}`:                                                      "user message has no content",
		`{"role": "user", "content": 3}`:                                        "content must be a string",
		`{"role": "user", "content": [{"a": 1}]}`:                               "content must be a string",
		`{"role": "assistant", "content": "x", "reasoning_content": 1}`:         "reasoning_content must be a string",
		`{"role": "assistant", "content": null, "tool_calls": [{"name": "f"}]}`: `tool call "f" has no arguments`,
		`[1]`: "message",
	} {
		var m Message
		err := json.Unmarshal([]byte(in), &m)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", in, err, want)
		}
	}
	// a tool-call turn may have null content
	var m Message
	if err := json.Unmarshal([]byte(`{"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"b": 1, "a": 2}}}]}`), &m); err != nil {
		t.Fatal(err)
	}
	if m.Content != "" || len(m.ToolCalls) != 1 || m.ToolCalls[0].Name != "f" || string(m.ToolCalls[0].Arguments) != `{"b": 1, "a": 2}` {
		t.Errorf("parsed %+v", m)
	}
	// round trip
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Message
	if err := json.Unmarshal(data, &back); err != nil || back.ToolCalls[0].Name != "f" {
		t.Errorf("round trip %s: %+v %v", data, back, err)
	}
}

func TestTemplateErrors(t *testing.T) {
	if _, err := Recognize("{% macro m() %}x{% endmacro %}{{ m() }}", nil); err == nil || !strings.Contains(err.Error(), "unrecognised chat template") || !strings.Contains(err.Error(), "qwen3") || !strings.Contains(err.Error(), "macro") {
		t.Errorf("unparsable unknown template: %v", err)
	}
	if tp, err := Recognize("{{ messages }}", nil); err != nil || tp.Family != Generic {
		t.Errorf("unknown template: %v %v, want generic", tp, err)
	}
	if _, err := ForFamily("gpt2", "", ""); err == nil || !strings.Contains(err.Error(), `unknown family "gpt2"`) {
		t.Errorf("unknown family: %v", err)
	}
	tp, _ := ForFamily(Qwen3, "", "<|im_end|>")
	if _, err := tp.Render(nil, Options{}); err == nil || !strings.Contains(err.Error(), "no messages") {
		t.Errorf("empty conversation: %v", err)
	}
	mt, _ := ForFamily(MistralInstruct, "<s>", "</s>")
	_, err := mt.Render([]Message{{Role: "user", Content: "a"}, {Role: "user", Content: "b"}}, Options{})
	var te *TemplateError
	if !errors.As(err, &te) || te.Message != "Conversation roles must alternate user/assistant/user/assistant/..." {
		t.Errorf("two users: %v", err)
	}
	if _, err := LoadTemplate(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "tokenizer_config.json") {
		t.Errorf("missing dir: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(`{"eos_token": "</s>"}`), 0o644)
	if _, err := LoadTemplate(dir); err == nil || !strings.Contains(err.Error(), "no chat_template") {
		t.Errorf("no template: %v", err)
	}
	// chat_template.jinja next to the config wins, AddedToken dicts are read
	os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(`{"bos_token": {"content": "<s>"}, "eos_token": "</s>", "chat_template": "{{ messages }}"}`), 0o644)
	src, _ := os.ReadFile(filepath.Join(testdataJinja(t), "mistral-instruct-v0.1.jinja"))
	os.WriteFile(filepath.Join(dir, "chat_template.jinja"), src, 0o644)
	tp, err = LoadTemplate(dir)
	if err != nil || tp.Family != MistralInstruct || tp.BOS != "<s>" || tp.EOS != "</s>" {
		t.Errorf("chat_template.jinja: %+v %v", tp, err)
	}
}

// Python semantics the templates depend on.
func TestPythonSemantics(t *testing.T) {
	if got := pyStrip("\x1c\u3000 a b\u00a0\x1f\n"); got != "a b" {
		t.Errorf("pyStrip: %q", got)
	}
	if got := pyStrip("\u200ba\u200b"); got != "\u200ba\u200b" {
		t.Errorf("pyStrip must keep zero-width space: %q", got)
	}
	for in, want := range map[string]string{
		`{"b": 1, "a": [1.5, 1e20, 0.00001, 100.0, -2.0, 1e16, 123456789012345.6]}`: `{"b": 1, "a": [1.5, 1e+20, 1e-05, 100.0, -2.0, 1e+16, 123456789012345.6]}`,
		`"tab\there \"q\" \\ </tag> 北京 \u0001"`:                                     `"tab\there \"q\" \\ </tag> 北京 \u0001"`,
		`{"x":{"y":[true,false,null]}}`:                                             `{"x": {"y": [true, false, null]}}`,
	} {
		got, err := pyToJSON(json.RawMessage(in))
		if err != nil || got != want {
			t.Errorf("tojson %s = %s (%v), want %s", in, got, err, want)
		}
	}
	if _, err := pyToJSON(json.RawMessage(`{"a": 1} x`)); err == nil {
		t.Error("tojson trailing data: no error")
	}
}

func testdataJinja(t *testing.T) string {
	return filepath.Dir(testdataPath(t, "chat", "jinja", "cases.jsonl"))
}

// Templates that share special tokens with a supported family but render
// differently do not get that family's renderer (they are generic).
func TestRecognizeRefusesLookalikes(t *testing.T) {
	for name, src := range map[string]string{
		"phi3-mini-original": "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') %}{{'<|user|>' + '\n' + message['content'] + '<|end|>' + '\n' + '<|assistant|>' + '\n'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|end|>' + '\n'}}{% endif %}{% endfor %}",
		"llama3.1-tools":     "{{- bos_token }}\n{%- if custom_tools is defined %}\n{%- set tools = custom_tools %}{%- endif %}{{- \"Cutting Knowledge Date: December 2023\\n\" }}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}",
		"chatml":             "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
		"mistral-nemo":       "{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content'] %}{%- set loop_messages = messages[1:] %}{%- endif %}{{- bos_token }}{%- for message in loop_messages %}{%- if message['role'] == 'user' %}{%- if loop.last and system_message is defined %}{{- '[INST] ' + system_message + '\\n\\n' + message['content'] + '[/INST]' }}{%- else %}{{- '[INST] ' + message['content'] + '[/INST]' }}{%- endif %}{%- elif message['role'] == 'assistant' %}{{- ' ' + message['content'] + eos_token}}{%- endif %}{%- endfor %}",
	} {
		if tp, err := Recognize(src, nil); err != nil || tp.Family != Generic {
			t.Errorf("%s: %v %v, want generic", name, tp, err)
		}
	}
	// every template of testdata/chat/jinja is recognised as its family
	want := map[string]Family{"qwen3": Qwen3, "llama3": Llama3, "llama2-chat": Llama2Chat, "mistral-instruct-v0.1": MistralInstruct,
		"mixtral-instruct": MistralInstruct, "mixtral-system": MistralSystem, "phi3.5": Phi3, "olmo2": OLMo2, "olmoe": OLMoE}
	for name, fam := range want {
		src := readFile(t, testdataJinja(t), name+".jinja")
		tp, err := Recognize(src, nil)
		if err != nil || tp.Family != fam {
			t.Errorf("%s: %v %v, want %s", name, tp, err, fam)
		}
	}
}

// pyIsSpace equals Python 3's str.isspace() over all of Unicode (the list
// is Python's: ' '.join('%x' % c for c in range(0x110000) if chr(c).isspace())).
func TestPyIsSpaceMatchesPython(t *testing.T) {
	const python = "9 a b c d 1c 1d 1e 1f 20 85 a0 1680 2000 2001 2002 2003 2004 2005 2006 2007 2008 2009 200a 2028 2029 202f 205f 3000"
	var got []string
	for r := rune(0); r < 0x110000; r++ {
		if pyIsSpace(r) {
			got = append(got, strconv.FormatInt(int64(r), 16))
		}
	}
	if s := strings.Join(got, " "); s != python {
		t.Errorf("pyIsSpace set\n got %s\nwant %s", s, python)
	}
}

func TestToolCallFunctionTruthiness(t *testing.T) {
	var tc ToolCall
	if err := json.Unmarshal([]byte(`{"function": {}, "name": "outer", "arguments": "x"}`), &tc); err != nil || tc.Name != "outer" {
		t.Errorf("empty function object: %+v %v", tc, err)
	}
	if err := json.Unmarshal([]byte(`{"function": {"name": "inner", "arguments": {}}, "name": "outer", "arguments": "x"}`), &tc); err != nil || tc.Name != "inner" {
		t.Errorf("function object: %+v %v", tc, err)
	}
}

// A role the template would skip is an error naming it (QA: "wizard" turns
// were dropped without a word by the Qwen3 renderer).
func TestUnknownRoleRejected(t *testing.T) {
	for _, fam := range []Family{Qwen3, Phi3, OLMo2, OLMoE} {
		tp, err := ForFamily(fam, "<s>", "</s>")
		if err != nil {
			t.Fatal(err)
		}
		msgs := []Message{{Role: "wizard", Content: "obey"}, {Role: "user", Content: "hi"}}
		_, err = tp.Render(msgs, Options{AddGenerationPrompt: true})
		if err == nil || !strings.Contains(err.Error(), `message 0 has role "wizard"`) {
			t.Errorf("%s: %v", fam, err)
		}
		if _, err := tp.Render(msgs[1:], Options{AddGenerationPrompt: true}); err != nil {
			t.Errorf("%s: %v", fam, err)
		}
	}
	tp, _ := ForFamily(Qwen3, "", "<|im_end|>")
	if _, err := tp.Render([]Message{{Role: "user", Content: "q"}, {Role: "tool", Content: "r"}}, Options{AddGenerationPrompt: true}); err != nil {
		t.Errorf("qwen3 tool turn: %v", err)
	}
}

func TestCheckTokenizer(t *testing.T) {
	qwenToks := map[string]int{"<|im_start|>": 1, "<|im_end|>": 2}
	lookup := func(s string) (int, bool) { id, ok := qwenToks[s]; return id, ok }
	for fam, want := range map[Family]string{Qwen3: "", Llama3: "<|start_header_id|>", Phi3: "<|user|>", MistralInstruct: ""} {
		tp, err := ForFamily(fam, "<s>", "</s>")
		if err != nil {
			t.Fatal(err)
		}
		err = tp.CheckTokenizer(lookup)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", fam, err, want)
		}
	}
}
