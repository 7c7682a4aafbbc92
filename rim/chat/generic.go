package chat

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rimlab/rim/rim/chat/jinja"
)

// specialTokenVars are the tokenizer attributes transformers passes to the
// template (its special_tokens_map), read from tokenizer_config.json.
var specialTokenVars = []string{"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token", "additional_special_tokens"}

// templateVars converts the special-token variables to template values
// (AddedToken dicts become their content; unset ones are left out).
func templateVars(vars map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range specialTokenVars {
		switch v := vars[k].(type) {
		case string:
			out[k] = v
		case map[string]any:
			if s, ok := v["content"].(string); ok {
				out[k] = s
			}
		case []any:
			l := make([]any, 0, len(v))
			for _, e := range v {
				switch x := e.(type) {
				case string:
					l = append(l, x)
				case map[string]any:
					if s, ok := x["content"].(string); ok {
						l = append(l, s)
					}
				}
			}
			out[k] = l
		}
	}
	return out
}

// messagesValue converts messages to the values the template sees, in the
// OpenAI layout transformers passes on.
func messagesValue(msgs []Message) ([]any, error) {
	out := make([]any, len(msgs))
	for i, m := range msgs {
		if m.raw != nil {
			if v, err := jinja.FromJSON(m.raw); err == nil {
				if d, ok := v.(*jinja.Dict); ok {
					syncRaw(d, m)
					out[i] = d
					continue
				}
			}
		}
		d := jinja.NewDict()
		d.Set("role", m.Role)
		d.Set("content", m.Content)
		if m.ReasoningContent != nil {
			d.Set("reasoning_content", *m.ReasoningContent)
		}
		if len(m.ToolCalls) > 0 {
			calls := make([]any, len(m.ToolCalls))
			for j, tc := range m.ToolCalls {
				args, err := jinja.FromJSON(tc.Arguments)
				if err != nil {
					return nil, fmt.Errorf("chat: message %d tool call %q: arguments: %w", i, tc.Name, err)
				}
				fn := jinja.NewDict()
				fn.Set("name", tc.Name)
				fn.Set("arguments", args)
				c := jinja.NewDict()
				c.Set("type", "function")
				c.Set("function", fn)
				calls[j] = c
			}
			d.Set("tool_calls", calls)
		}
		out[i] = d
	}
	return out, nil
}

// syncRaw updates a message read from JSON with the struct's role, content
// and reasoning_content when the caller changed them (a null or missing
// content stays null while Content is "").
func syncRaw(d *jinja.Dict, m Message) {
	if v, _ := d.Get("role"); v != m.Role {
		d.Set("role", m.Role)
	}
	switch v, _ := d.Get("content"); c := v.(type) {
	case string:
		if c != m.Content {
			d.Set("content", m.Content)
		}
	default:
		if m.Content != "" {
			d.Set("content", m.Content)
		}
	}
	if m.ReasoningContent != nil {
		if v, _ := d.Get("reasoning_content"); v != *m.ReasoningContent {
			d.Set("reasoning_content", *m.ReasoningContent)
		}
	}
}

// execJinja runs the template source the way apply_chat_template calls it:
// messages, tools (None when there are none), documents=None,
// add_generation_prompt, enable_thinking when set, and the special tokens.
func (t *Template) execJinja(msgs []Message, opt Options, addGen bool) (string, error) {
	vars := map[string]any{}
	for k, v := range t.vars {
		vars[k] = v
	}
	mv, err := messagesValue(msgs)
	if err != nil {
		return "", err
	}
	vars["messages"] = mv
	vars["tools"] = nil
	if opt.Tools != nil { // an empty list is not None ("tools is not none")
		tools := make([]any, len(opt.Tools))
		for i, raw := range opt.Tools {
			if tools[i], err = jinja.FromJSON(raw); err != nil {
				return "", fmt.Errorf("chat: tool %d: %w", i, err)
			}
		}
		vars["tools"] = tools
	}
	vars["documents"] = nil
	vars["add_generation_prompt"] = addGen
	if opt.EnableThinking != nil {
		vars["enable_thinking"] = *opt.EnableThinking
	}
	out, err := t.src.Render(vars)
	var re *jinja.RaiseError
	if errors.As(err, &re) {
		return "", raise(re.Message)
	}
	if err != nil {
		return "", fmt.Errorf("chat: template: %w", err)
	}
	return out, nil
}

// renderGeneric renders with the jinja interpreter (any template) and
// locates the regions by searching each message's content in the output,
// in order (as rendered, or stripped when the template strips it). The
// final assistant header is what add_generation_prompt adds; its think
// block and answer are split as for the known families. Positions are
// approximate: PosUserEnd is the token right after the last user content
// and PosHeaderStart the first token of the generation prompt; there is no
// PosRole. Rendered.Approx is set.
func (t *Template) renderGeneric(msgs []Message, opt Options) (*Rendered, error) {
	text, err := t.execJinja(msgs, opt, opt.AddGenerationPrompt)
	if err != nil {
		return nil, err
	}
	n := len(msgs)
	final := -1
	hs := -1 // start of the generation prompt
	if opt.AddGenerationPrompt {
		if without, err := t.execJinja(msgs, opt, false); err == nil && len(without) < len(text) && strings.HasPrefix(text, without) {
			final, hs = n, len(without)
		}
	} else if msgs[n-1].Role == "assistant" {
		final = n - 1
	}
	if err := checkPrefill(opt, final, n); err != nil {
		return nil, err
	}
	r := &Rendered{Text: text + opt.Prefill, Marks: map[string]Range{}, FinalTurn: final, Approx: true}
	cursor, lastUserEnd := 0, -1
	limit := len(text)
	if hs >= 0 {
		limit = hs
	}
	for i, m := range msgs {
		s, e := findContent(text[:limit], cursor, m.Content)
		if s < 0 {
			continue
		}
		cursor = e
		switch m.Role {
		case "system":
			r.Regions = append(r.Regions, Region{KindSystem, i, s, e})
		case "user":
			r.Regions = append(r.Regions, Region{KindUser, i, s, e})
			lastUserEnd = e
		case "assistant":
			b := newBuilder(final)
			b.body(i, text[s:e], "")
			r.addShifted(b, s)
		default:
			r.Regions = append(r.Regions, Region{KindTool, i, s, e})
		}
	}
	if lastUserEnd >= 0 && lastUserEnd < len(r.Text) {
		r.Marks[PosUserEnd] = Range{lastUserEnd, lastUserEnd + 1}
	}
	if hs >= 0 {
		gen := text[hs:]
		k := strings.Index(gen, "<think>")
		if k < 0 {
			k = len(gen)
		}
		r.Regions = append(r.Regions, Region{KindHeader, n, hs, hs + k})
		if k > 0 {
			r.Marks[PosHeaderStart] = Range{hs, hs + 1}
		}
		b := newBuilder(final)
		b.body(n, gen[k:], opt.Prefill)
		r.addShifted(b, hs+k)
	}
	return r, nil
}

// findContent finds content (as is, else stripped) in text at or after
// from; -1 when absent or empty.
func findContent(text string, from int, content string) (int, int) {
	for _, c := range []string{content, pyStrip(content)} {
		if c == "" {
			continue
		}
		if i := strings.Index(text[from:], c); i >= 0 {
			return from + i, from + i + len(c)
		}
	}
	return -1, -1
}

// addShifted appends a sub-builder's regions and marks, moved by off bytes.
func (r *Rendered) addShifted(b *builder, off int) {
	for _, g := range b.regions {
		g.Start += off
		g.End += off
		r.Regions = append(r.Regions, g)
	}
	for k, m := range b.marks {
		r.Marks[k] = Range{m.Start + off, m.End + off}
	}
}
