package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Message is one turn of a conversation in the OpenAI / Hugging Face format:
// {"role": ..., "content": ..., "reasoning_content": ..., "tool_calls": [...]}.
// Only string content is supported (no multimodal content lists).
type Message struct {
	Role    string
	Content string
	// ReasoningContent, when non-nil, is used by Qwen3 as the turn's
	// reasoning instead of parsing <think>…</think> out of Content.
	ReasoningContent *string
	ToolCalls        []ToolCall

	// raw is the JSON the message was read from: the generic interpreter
	// passes it on (with role and content updated from the fields), so
	// that keys this struct has no field for (tool_call_id, name, ...) reach
	// the template as they would in transformers.
	raw json.RawMessage
}

// ToolCall is one call of an assistant turn. Arguments holds the raw JSON
// value: a JSON string is inserted as-is, an object goes through tojson.
type ToolCall struct {
	Name      string
	Arguments json.RawMessage
}

// Options are the apply_chat_template keyword arguments.
type Options struct {
	// AddGenerationPrompt appends the assistant header (templates that
	// ignore the flag, like Llama-3 here and the Mistral ones, behave as
	// their template does).
	AddGenerationPrompt bool
	// EnableThinking is Qwen3's enable_thinking: nil means "not passed"
	// (the template then adds nothing), false adds the empty think block
	// "<think>\n\n</think>\n\n" after the generation prompt.
	EnableThinking *bool
	// Tools are the function specs (each a JSON object), listed by
	// templates that support tools; their key order is kept. nil is
	// "not passed" (None); an empty non-nil slice is an empty list, which
	// some templates treat differently ("tools is not none").
	Tools []json.RawMessage
	// Prefill is text appended verbatim after the generation prompt: the
	// start of the assistant turn that the model continues (the paper's
	// inference-time injection, docs/paper.md §5.2). For Qwen3 think mode use
	// ThinkPrefill(s) to put s right after <think>. It needs a rendering
	// that ends with an open assistant header.
	Prefill string
	// SkipUnknownRoles renders as transformers does: a turn whose role the
	// template does not render (Qwen3: not system/user/assistant/tool;
	// Phi-3, OLMo-2, OLMoE: not system/user/assistant) is dropped silently.
	// By default such a turn is an error naming the role (a typo would
	// otherwise vanish from the prompt or the training data). Parity checks
	// against transformers' renderings (Case.Options) set it.
	SkipUnknownRoles bool
}

// ThinkPrefill returns the prefill that opens a think block and starts it
// with s ("<think>\n" + s), as the paper does for Qwen3 (docs/paper.md §5.2).
func ThinkPrefill(s string) string { return "<think>\n" + s }

// Bool returns a pointer to b, for Options.EnableThinking.
func Bool(b bool) *bool { return &b }

// UnmarshalJSON reads a message, requiring a string "role" and a string
// "content" (an assistant turn with only tool calls may have "content":
// null or none; it is then rendered as "").
func (m *Message) UnmarshalJSON(data []byte) error {
	var raw struct {
		Role             *string         `json:"role"`
		Content          json.RawMessage `json:"content"`
		ReasoningContent json.RawMessage `json:"reasoning_content"`
		ToolCalls        []ToolCall      `json:"tool_calls"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("chat: message: %w", err)
	}
	if raw.Role == nil {
		return fmt.Errorf("chat: message has no role")
	}
	*m = Message{Role: *raw.Role, ToolCalls: raw.ToolCalls, raw: append(json.RawMessage(nil), data...)}
	switch c := bytes.TrimSpace(raw.Content); {
	case len(c) == 0 || string(c) == "null":
		if len(raw.ToolCalls) == 0 {
			return fmt.Errorf("chat: %s message has no content", m.Role)
		}
	default:
		if err := json.Unmarshal(c, &m.Content); err != nil {
			return fmt.Errorf("chat: %s message: content must be a string", m.Role)
		}
	}
	if c := bytes.TrimSpace(raw.ReasoningContent); len(c) > 0 && string(c) != "null" {
		var s string
		if err := json.Unmarshal(c, &s); err != nil {
			return fmt.Errorf("chat: %s message: reasoning_content must be a string", m.Role)
		}
		m.ReasoningContent = &s
	}
	return nil
}

// MarshalJSON writes the message in the same format.
func (m Message) MarshalJSON() ([]byte, error) {
	out := struct {
		Role             string     `json:"role"`
		Content          string     `json:"content"`
		ReasoningContent *string    `json:"reasoning_content,omitempty"`
		ToolCalls        []ToolCall `json:"tool_calls,omitempty"`
	}{m.Role, m.Content, m.ReasoningContent, m.ToolCalls}
	return json.Marshal(out)
}

// UnmarshalJSON accepts both {"type":"function","function":{"name","arguments"}}
// and the flat {"name","arguments"} form, as the Qwen3 template does.
func (tc *ToolCall) UnmarshalJSON(data []byte) error {
	var raw struct {
		Function  json.RawMessage `json:"function"`
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("chat: tool call: %w", err)
	}
	// jinja's "if tool_call.function" is false for null and for {}
	if f := bytes.TrimSpace(raw.Function); len(f) > 0 && string(f) != "null" && !isEmptyObject(f) {
		var inner struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		}
		if err := json.Unmarshal(f, &inner); err != nil {
			return fmt.Errorf("chat: tool call function: %w", err)
		}
		raw.Name, raw.Arguments = inner.Name, inner.Arguments
	}
	if len(bytes.TrimSpace(raw.Arguments)) == 0 {
		return fmt.Errorf("chat: tool call %q has no arguments", raw.Name)
	}
	*tc = ToolCall{Name: raw.Name, Arguments: append(json.RawMessage(nil), bytes.TrimSpace(raw.Arguments)...)}
	return nil
}

// MarshalJSON writes the nested OpenAI form.
func (tc ToolCall) MarshalJSON() ([]byte, error) {
	type fn struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	return json.Marshal(struct {
		Type     string `json:"type"`
		Function fn     `json:"function"`
	}{"function", fn{tc.Name, tc.Arguments}})
}

// User returns the one-turn conversation [{"role": "user", "content": s}]
// (the paper's prompts are single user turns, docs/paper.md §4.3).
func User(s string) []Message { return []Message{{Role: "user", Content: s}} }

func isEmptyObject(b []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && len(m) == 0
}
