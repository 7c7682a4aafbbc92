package chat

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// Case is one record of a chat.jsonl reference file
// (shared/fixtures/tokenizers/README.md): a conversation, the
// apply_chat_template kwargs and template variables, and either the
// rendered text with its ids or the template's error.
type Case struct {
	ID           string                     `json:"id"`
	Template     string                     `json:"template"`
	Messages     json.RawMessage            `json:"messages"`
	Kwargs       map[string]json.RawMessage `json:"kwargs"`
	TemplateVars map[string]any             `json:"template_vars"`
	Rendered     *string                    `json:"rendered"`
	IDs          []int                      `json:"ids"`
	Error        *string                    `json:"error"`
}

// Options converts the case's kwargs (add_generation_prompt,
// enable_thinking, tools; others are template variables no supported
// template reads, and are ignored).
func (c *Case) Options() (Options, error) {
	o := Options{SkipUnknownRoles: true} // transformers' behaviour
	if raw, ok := c.Kwargs["add_generation_prompt"]; ok {
		if err := json.Unmarshal(raw, &o.AddGenerationPrompt); err != nil {
			return o, fmt.Errorf("chat: case %s: add_generation_prompt: %w", c.ID, err)
		}
	}
	if raw, ok := c.Kwargs["enable_thinking"]; ok {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return o, fmt.Errorf("chat: case %s: enable_thinking: %w", c.ID, err)
		}
		// jinja's "is false" is true only for the boolean false; any
		// other passed value leaves thinking on.
		if b, ok := v.(bool); ok {
			o.EnableThinking = Bool(b)
		} else {
			o.EnableThinking = Bool(true)
		}
	}
	if raw, ok := c.Kwargs["tools"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &o.Tools); err != nil {
			return o, fmt.Errorf("chat: case %s: tools must be a list: %w", c.ID, err)
		}
	}
	return o, nil
}

// Conversation decodes the case's messages.
func (c *Case) Conversation() ([]Message, error) {
	var msgs []Message
	if err := json.Unmarshal(c.Messages, &msgs); err != nil {
		return nil, fmt.Errorf("chat: case %s: messages: %w", c.ID, err)
	}
	return msgs, nil
}

// ReadCases reads a chat.jsonl file.
func ReadCases(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	defer f.Close()
	var out []Case
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var c Case
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("chat: %s:%d: %w", path, line, err)
		}
		if c.Rendered == nil && c.Error == nil {
			return nil, fmt.Errorf("chat: %s:%d: record %q has neither rendered nor error", path, line, c.ID)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("chat: %s: %w", path, err)
	}
	return out, nil
}

// CaseTemplate resolves a case's template: the file named by c.Template
// next to the cases file (caseDir) when it exists, else the chat template
// of modelDir. The case's template_vars give bos_token and eos_token.
func CaseTemplate(c *Case, caseDir, modelDir string) (*Template, error) {
	if c.Template != "" {
		src, err := os.ReadFile(filepath.Join(caseDir, c.Template))
		if err == nil {
			return Recognize(string(src), c.TemplateVars)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("chat: %w", err)
		}
	}
	if modelDir == "" {
		return nil, fmt.Errorf("chat: case %s: template %q not found in %s", c.ID, c.Template, caseDir)
	}
	t, err := LoadTemplate(modelDir)
	if err != nil {
		return nil, err
	}
	if c.TemplateVars != nil {
		t.BOS, t.EOS = varString(c.TemplateVars, "bos_token"), varString(c.TemplateVars, "eos_token")
		t.vars = templateVars(c.TemplateVars)
	}
	return t, nil
}

// CheckCase renders one case and compares it with the reference; it
// returns a description of each mismatch (both sides), none when it
// passes. With a nil tok the ids are not checked.
func CheckCase(tok Tokenizer, c *Case, caseDir, modelDir string) []string {
	t, err := CaseTemplate(c, caseDir, modelDir)
	if err != nil {
		return []string{err.Error()}
	}
	opt, err := c.Options()
	if err != nil {
		return []string{err.Error()}
	}
	msgs, err := c.Conversation()
	var r *Rendered
	if err == nil {
		r, err = t.Render(msgs, opt)
	}
	if c.Error != nil {
		var te *TemplateError
		switch {
		case err == nil:
			return []string{fmt.Sprintf("want error %q, got rendered %q", *c.Error, r.Text)}
		case !errors.As(err, &te):
			return []string{fmt.Sprintf("want template error %q, got %v", *c.Error, err)}
		case te.Message != *c.Error:
			return []string{fmt.Sprintf("want template error %q, got %q", *c.Error, te.Message)}
		}
		return nil
	}
	if err != nil {
		return []string{fmt.Sprintf("want rendered %q, got error: %v", *c.Rendered, err)}
	}
	if r.Text != *c.Rendered {
		return []string{fmt.Sprintf("rendered text differs\n  want %q\n  got  %q", *c.Rendered, r.Text)}
	}
	if tok == nil || c.IDs == nil {
		return nil
	}
	e, err := Encode(tok, r)
	if err != nil {
		return []string{err.Error()}
	}
	if !slices.Equal(e.IDs, c.IDs) {
		return []string{fmt.Sprintf("ids differ\n  want %v\n  got  %v", c.IDs, e.IDs)}
	}
	return nil
}

// VerifyFile checks every record of a chat.jsonl file (see CheckCase),
// printing each mismatch to w, and returns how many records were checked
// and how many failed.
func VerifyFile(tok Tokenizer, path, modelDir string, w io.Writer) (checked, failed int, err error) {
	cases, err := ReadCases(path)
	if err != nil {
		return 0, 0, err
	}
	dir := filepath.Dir(path)
	for i := range cases {
		c := &cases[i]
		checked++
		if probs := CheckCase(tok, c, dir, modelDir); len(probs) > 0 {
			failed++
			for _, p := range probs {
				fmt.Fprintf(w, "chat %s: %s\n", c.ID, p)
			}
		}
	}
	return checked, failed, nil
}
