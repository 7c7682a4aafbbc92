package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rimlab/rim/rim/chat"
)

// chatRequest is the body of POST /v1/chat/completions.
type chatRequest struct {
	Model               string          `json:"model"`
	Messages            []wireMessage   `json:"messages"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	TopK                *int            `json:"top_k"`
	Seed                *int64          `json:"seed"`
	Stop                json.RawMessage `json:"stop"`
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	N                  *int `json:"n"`
	ChatTemplateKwargs *struct {
		EnableThinking *bool `json:"enable_thinking"`
	} `json:"chat_template_kwargs"`
	// Accepted only at their defaults (checkUnsupported): rim serve has no
	// log-probabilities, tool calling or constrained output.
	Logprobs       json.RawMessage `json:"logprobs"`
	TopLogprobs    json.RawMessage `json:"top_logprobs"`
	Tools          json.RawMessage `json:"tools"`
	ToolChoice     json.RawMessage `json:"tool_choice"`
	Functions      json.RawMessage `json:"functions"`
	FunctionCall   json.RawMessage `json:"function_call"`
	ResponseFormat json.RawMessage `json:"response_format"`
}

// checkUnsupported answers 400 (code "unsupported_parameter") for a
// feature rim serve does not implement when the request sets it to
// anything but its default, instead of silently ignoring it.
func (cr *chatRequest) checkUnsupported() *apiError {
	isDefault := func(raw json.RawMessage, defaults ...string) bool {
		c := string(bytes.Join(bytes.Fields(raw), nil))
		if c == "" || c == "null" {
			return true
		}
		for _, d := range defaults {
			if c == d {
				return true
			}
		}
		return false
	}
	for _, p := range []struct {
		name     string
		raw      json.RawMessage
		defaults []string
	}{
		{"logprobs", cr.Logprobs, []string{"false"}},
		{"top_logprobs", cr.TopLogprobs, []string{"0"}},
		{"tools", cr.Tools, []string{"[]"}},
		{"tool_choice", cr.ToolChoice, []string{`"none"`, `"auto"`}},
		{"functions", cr.Functions, []string{"[]"}},
		{"function_call", cr.FunctionCall, []string{`"none"`, `"auto"`}},
		{"response_format", cr.ResponseFormat, []string{`{"type":"text"}`}},
	} {
		if !isDefault(p.raw, p.defaults...) {
			return withCode(badRequest(p.name, "%s is not supported by rim serve (got %s)", p.name, bytes.TrimSpace(p.raw)), "unsupported_parameter")
		}
	}
	return nil
}

// wireMessage is a message as OpenAI clients send it.
type wireMessage struct {
	Role             string          `json:"role"`
	Content          json.RawMessage `json:"content"`
	ReasoningContent *string         `json:"reasoning_content"`
}

// toChat converts the wire messages, accepting string content or a list of
// text parts (joined, as vLLM does for text-only models).
func toChat(ms []wireMessage) ([]chat.Message, *apiError) {
	out := make([]chat.Message, len(ms))
	for i, m := range ms {
		param := fmt.Sprintf("messages[%d]", i)
		if m.Role == "" {
			return nil, badRequest(param+".role", "messages[%d] has no role", i)
		}
		content, err := contentText(m.Content)
		if err != nil {
			return nil, badRequest(param+".content", "messages[%d].content: %v", i, err)
		}
		out[i] = chat.Message{Role: m.Role, Content: content, ReasoningContent: m.ReasoningContent}
	}
	return out, nil
}

func contentText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var parts []struct {
		Type string  `json:"type"`
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", fmt.Errorf("must be a string or a list of text parts")
	}
	var sb strings.Builder
	for j, p := range parts {
		if p.Type != "text" || p.Text == nil {
			return "", fmt.Errorf("part %d has type %q: only text parts are supported", j, p.Type)
		}
		if j > 0 {
			sb.WriteString("\n")
		}
		sb.WriteString(*p.Text)
	}
	return sb.String(), nil
}

// stopStrings reads "stop": null, a string or a list of strings.
func stopStrings(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("must be a string or a list of strings")
	}
	return many, nil
}

type respMessage struct {
	Role             string `json:"role"`
	Content          string `json:"content"`
	ReasoningContent string `json:"reasoning_content,omitempty"`
}

type choice struct {
	Index        int          `json:"index"`
	Message      *respMessage `json:"message,omitempty"`
	Delta        *delta       `json:"delta,omitempty"`
	FinishReason *string      `json:"finish_reason"`
}

type delta struct {
	Role             string `json:"role,omitempty"`
	Content          string `json:"content,omitempty"`
	ReasoningContent string `json:"reasoning_content,omitempty"`
}

// Usage counts tokens like OpenAI; ReasoningTokens are the think-block
// tokens among the completion tokens.
type usage struct {
	PromptTokens            int `json:"prompt_tokens"`
	CompletionTokens        int `json:"completion_tokens"`
	TotalTokens             int `json:"total_tokens"`
	CompletionTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

type completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage,omitempty"`
}

// apiError is an OpenAI-style error body with its HTTP status.
type apiError struct {
	status  int
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func (e *apiError) Error() string { return e.Message }

func badRequest(param, format string, args ...any) *apiError {
	e := &apiError{status: 400, Message: fmt.Sprintf(format, args...), Type: "invalid_request_error"}
	if param != "" {
		e.Param = &param
	}
	return e
}

func withCode(e *apiError, code string) *apiError {
	e.Code = &code
	return e
}
