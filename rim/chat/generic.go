package chat

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
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
// locates each message's content: exactly, from a probe rendering with
// sentinel contents, when the template inserts contents unchanged (or
// stripped); else by searching the contents in order. The
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
	if !opt.AddGenerationPrompt {
		final = finalTurn(msgs, false)
	} else if without, err := t.execJinja(msgs, opt, false); err == nil && len(without) < len(text) && strings.HasPrefix(text, without) {
		final, hs = n, len(without)
	}
	if err := checkPrefill(opt, final, n); err != nil {
		return nil, err
	}
	r := &Rendered{Text: text + opt.Prefill, Marks: map[string]Range{}, FinalTurn: final, Approx: true}
	limit := len(text)
	if hs >= 0 {
		limit = hs
	}
	spans := t.locateBySentinels(msgs, opt, text)
	if spans == nil {
		spans = locateBySearch(msgs, text[:limit])
	}
	lastUserEnd := -1
	for i, m := range msgs {
		s, e := spans[i][0], spans[i][1]
		if s < 0 {
			continue
		}
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
	// templates may place contents out of message order (a system prompt
	// folded into the last user turn): keep regions in text order
	sort.SliceStable(r.Regions, func(a, b int) bool { return r.Regions[a].Start < r.Regions[b].Start })
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

// locateBySearch finds each message's content (as is, else stripped) in
// text, in order; [-1, -1] when absent or empty.
func locateBySearch(msgs []Message, text string) [][2]int {
	out := make([][2]int, len(msgs))
	cursor := 0
	for i, m := range msgs {
		out[i] = [2]int{-1, -1}
		for _, c := range []string{m.Content, pyStrip(m.Content)} {
			if c == "" {
				continue
			}
			if k := strings.Index(text[cursor:], c); k >= 0 {
				out[i] = [2]int{cursor + k, cursor + k + len(c)}
				cursor += k + len(c)
				break
			}
		}
	}
	return out
}

// sentinel marks message i's content in a probe rendering (Unicode private
// use plane 15, which no template or tokenizer gives a meaning).
func sentinel(i int) string { return "\U000F0000" + strconv.Itoa(i) + "\U000F0001" }

// locateBySentinels renders the conversation once more with every content
// replaced by a unique sentinel and rebuilds the real text from that probe,
// substituting each message's content (as is, or stripped as many
// templates do). When the rebuilt text equals the real one, the content
// positions are exact; otherwise (the template looks inside the content,
// or prints it twice) it returns nil and the caller searches instead.
func (t *Template) locateBySentinels(msgs []Message, opt Options, text string) [][2]int {
	probe := make([]Message, len(msgs))
	for i, m := range msgs {
		probe[i] = m
		probe[i].Content = sentinel(i)
	}
	ptext, err := t.execJinja(probe, opt, opt.AddGenerationPrompt)
	if err != nil {
		return nil
	}
	for _, strip := range []bool{false, true} {
		out := make([][2]int, len(msgs))
		for i := range out {
			out[i] = [2]int{-1, -1}
		}
		var sb strings.Builder
		rest := ptext
		ok := true
		for len(rest) > 0 {
			k := strings.Index(rest, "\U000F0000")
			if k < 0 {
				sb.WriteString(rest)
				break
			}
			sb.WriteString(rest[:k])
			rest = rest[k+len("\U000F0000"):]
			end := strings.Index(rest, "\U000F0001")
			i, err := strconv.Atoi(rest[:max(end, 0)])
			if end < 0 || err != nil || i < 0 || i >= len(msgs) || out[i][0] >= 0 {
				ok = false
				break
			}
			rest = rest[end+len("\U000F0001"):]
			c := msgs[i].Content
			if strip {
				c = pyStrip(c)
			}
			if c != "" {
				out[i] = [2]int{sb.Len(), sb.Len() + len(c)}
			}
			sb.WriteString(c)
		}
		if ok && sb.String() == text {
			return out
		}
	}
	return nil
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
