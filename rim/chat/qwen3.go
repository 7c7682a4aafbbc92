package chat

import "strings"

// Qwen3 template text (from Qwen3's tokenizer_config.json chat_template).
const (
	qwenToolsHead = "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>"
	qwenToolsTail = "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
	qwenNoThink   = "<think>\n\n</think>\n\n"
)

// renderQwen3 mirrors Qwen3's template statement by statement:
//   - a system turn first (with the tool list when tools are given);
//   - last_query_index: the last user message that is not a bare
//     <tool_response>…</tool_response> (scanning messages[::-1]);
//   - assistant turns split their reasoning from content (reasoning_content,
//     else the text around </think>); the reasoning is rendered only for
//     turns after last_query_index, and always as a (maybe empty) think block
//     for the last message;
//   - consecutive tool messages form one user turn of <tool_response>s;
//   - the generation prompt, plus the empty think block when enable_thinking
//     is passed as false.
//
// Roles other than system/user/assistant/tool are skipped, as the template
// skips them.
func (t *Template) renderQwen3(msgs []Message, opt Options) (*Rendered, error) {
	n := len(msgs)
	b, err := startBuilder(opt, finalTurn(msgs, opt.AddGenerationPrompt), n)
	if err != nil {
		return nil, err
	}
	if len(opt.Tools) > 0 {
		b.lit("<|im_start|>system\n")
		if msgs[0].Role == "system" {
			b.region(KindSystem, 0, msgs[0].Content)
			b.lit("\n\n")
		}
		b.lit(qwenToolsHead)
		for _, tool := range opt.Tools {
			js, err := pyToJSON(tool)
			if err != nil {
				return nil, err
			}
			b.lit("\n" + js)
		}
		b.lit(qwenToolsTail)
	} else if msgs[0].Role == "system" {
		b.lit("<|im_start|>system\n")
		b.region(KindSystem, 0, msgs[0].Content)
		b.lit("<|im_end|>\n")
	}
	lastQuery := n - 1
	for i := n - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Role == "user" && !(strings.HasPrefix(m.Content, "<tool_response>") && strings.HasSuffix(m.Content, "</tool_response>")) {
			lastQuery = i
			break
		}
	}
	for i, m := range msgs {
		switch {
		case m.Role == "user" || (m.Role == "system" && i > 0):
			kind := KindUser
			if m.Role == "system" {
				kind = KindSystem
			}
			b.lit("<|im_start|>" + m.Role + "\n")
			b.region(kind, i, m.Content)
			if m.Role == "user" {
				b.mark(PosUserEnd, "<|im_end|>")
				b.lit("\n")
			} else {
				b.lit("<|im_end|>\n")
			}
		case m.Role == "assistant":
			content, reasoning := m.Content, ""
			if m.ReasoningContent != nil {
				reasoning = *m.ReasoningContent
			} else if strings.Contains(m.Content, "</think>") {
				parts := strings.Split(m.Content, "</think>")
				content = strings.TrimLeft(parts[len(parts)-1], "\n")
				r := strings.TrimRight(parts[0], "\n")
				rs := strings.Split(r, "<think>")
				reasoning = strings.TrimLeft(rs[len(rs)-1], "\n")
			}
			b.header(i, "<|im_start|>", "assistant", "\n", false)
			if i > lastQuery && (i == n-1 || reasoning != "") {
				b.think(i, "\n"+strings.Trim(reasoning, "\n")+"\n", "\n\n", strings.TrimLeft(content, "\n"))
			} else {
				b.body(i, content, "")
			}
			for j, tc := range m.ToolCalls {
				if (j == 0 && content != "") || j > 0 {
					b.lit("\n")
				}
				b.lit("<tool_call>\n{\"name\": \"" + tc.Name + "\", \"arguments\": ")
				args, err := toolArgs(tc)
				if err != nil {
					return nil, err
				}
				b.lit(args + "}\n</tool_call>")
			}
			b.region(KindTurnEnd, i, "<|im_end|>")
			b.lit("\n")
		case m.Role == "tool":
			if i == 0 || msgs[i-1].Role != "tool" {
				b.lit("<|im_start|>user")
			}
			b.lit("\n<tool_response>\n")
			b.region(KindTool, i, m.Content)
			b.lit("\n</tool_response>")
			if i == n-1 || msgs[i+1].Role != "tool" {
				b.lit("<|im_end|>\n")
			}
		}
	}
	if opt.AddGenerationPrompt {
		b.header(n, "<|im_start|>", "assistant", "\n", false)
		gen := ""
		if opt.EnableThinking != nil && !*opt.EnableThinking {
			gen = qwenNoThink
		}
		b.body(n, gen, opt.Prefill)
	}
	return b.rendered(), nil
}

// toolArgs renders a tool call's arguments: a JSON string as its value, any
// other JSON value through tojson.
func toolArgs(tc ToolCall) (string, error) {
	if len(tc.Arguments) > 0 && tc.Arguments[0] == '"' {
		var s string
		if err := jsonUnmarshalString(tc.Arguments, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	return pyToJSON(tc.Arguments)
}
