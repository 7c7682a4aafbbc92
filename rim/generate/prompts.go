package generate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rimlab/rim/rim/chat"
)

// PromptRecord is one line of a prompts file (JSONL): either "prompt" (a
// user message, with an optional "system") or "messages" (a whole
// conversation); "id" is copied to the output, "think" and "prefill" are
// per-prompt overrides.
type PromptRecord struct {
	ID       json.RawMessage `json:"id,omitempty"`
	Prompt   string          `json:"prompt,omitempty"`
	System   string          `json:"system,omitempty"`
	Messages []chat.Message  `json:"messages,omitempty"`
	Think    *bool           `json:"think,omitempty"`
	Prefill  *string         `json:"prefill,omitempty"`
}

// Conversation turns the record into a Conversation; defaults fill Think
// and Prefill where the record has none.
func (p PromptRecord) Conversation(think *bool, prefill string) (Conversation, error) {
	c := Conversation{Think: think, Prefill: prefill}
	if p.Think != nil {
		c.Think = p.Think
	}
	if p.Prefill != nil {
		c.Prefill = *p.Prefill
	}
	switch {
	case len(p.Messages) > 0 && (p.Prompt != "" || p.System != ""):
		return c, fmt.Errorf("set either prompt (and system) or messages, not both")
	case len(p.Messages) > 0:
		c.Messages = p.Messages
	case strings.TrimSpace(p.Prompt) == "":
		return c, fmt.Errorf("prompt is empty")
	default:
		if p.System != "" {
			c.Messages = append(c.Messages, chat.Message{Role: "system", Content: p.System})
		}
		c.Messages = append(c.Messages, chat.Message{Role: "user", Content: p.Prompt})
	}
	return c, nil
}

// ReadPrompts reads a prompts file: JSONL records (PromptRecord, or a bare
// JSON string per line) when the name ends in .jsonl or .json, otherwise
// one plain-text prompt per non-blank line. Errors name the file and line.
func ReadPrompts(path string) ([]PromptRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	ext := strings.ToLower(filepath.Ext(path))
	jsonl := ext == ".jsonl" || ext == ".json"
	var out []PromptRecord
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		var r PromptRecord
		switch {
		case !jsonl:
			r.Prompt = line
		case strings.HasPrefix(strings.TrimSpace(line), `"`):
			if err := json.Unmarshal([]byte(line), &r.Prompt); err != nil {
				return nil, fmt.Errorf("generate: %s:%d: %w", path, n, err)
			}
		default:
			dec := json.NewDecoder(strings.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&r); err != nil {
				return nil, fmt.Errorf("generate: %s:%d: %w", path, n, err)
			}
		}
		if _, err := r.Conversation(nil, ""); err != nil {
			return nil, fmt.Errorf("generate: %s:%d: %w", path, n, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("generate: %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("generate: %s has no prompts", path)
	}
	return out, nil
}
