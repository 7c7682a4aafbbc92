package chat

// renderLlama3 mirrors the original Llama-3-Instruct template: every message
// becomes <|start_header_id|>ROLE<|end_header_id|>\n\n + (content | trim) +
// <|eot_id|>, bos_token before the first, and the assistant header always
// ends the text (the template ignores add_generation_prompt). Any role
// string is accepted, as the template accepts it.
func (t *Template) renderLlama3(msgs []Message, opt Options) (*Rendered, error) {
	n := len(msgs)
	b, err := startBuilder(opt, n, n)
	if err != nil {
		return nil, err
	}
	for i, m := range msgs {
		if i == 0 {
			b.lit(t.BOS)
		}
		content := pyStrip(m.Content)
		if m.Role == "assistant" {
			b.header(i, "<|start_header_id|>", "assistant", "<|end_header_id|>\n\n", false)
			b.body(i, content, "")
			b.region(KindTurnEnd, i, "<|eot_id|>")
			continue
		}
		b.lit("<|start_header_id|>" + m.Role + "<|end_header_id|>\n\n")
		switch m.Role {
		case "user":
			b.region(KindUser, i, content)
			b.mark(PosUserEnd, "<|eot_id|>")
			continue
		case "system":
			b.region(KindSystem, i, content)
		default:
			b.region(KindTool, i, content)
		}
		b.lit("<|eot_id|>")
	}
	b.header(n, "<|start_header_id|>", "assistant", "<|end_header_id|>\n\n", false)
	b.body(n, "", opt.Prefill)
	return b.rendered(), nil
}

// renderLlama2 mirrors the Llama-2-chat template: an optional first system
// message goes inside the first [INST] between <<SYS>> and <</SYS>>, roles
// must alternate user/assistant (raised as the template's own error), user
// turns are bos_token + "[INST] " + strip(content) + " [/INST]" and assistant
// turns " " + strip(content) + " " + eos_token. add_generation_prompt is
// ignored: a conversation ending with a user turn ends with " [/INST]",
// which is then the final assistant header. Other roles after the first
// message are skipped, as the template skips them.
func (t *Template) renderLlama2(msgs []Message, opt Options) (*Rendered, error) {
	n := len(msgs)
	off := 0
	hasSys := msgs[0].Role == "system"
	if hasSys {
		off = 1
	}
	for j, m := range msgs[off:] {
		if (m.Role == "user") != (j%2 == 0) {
			return nil, raise(errAlternate)
		}
	}
	final := lastUserAsstFinal(msgs[off:], off, n)
	b, err := startBuilder(opt, final, n)
	if err != nil {
		return nil, err
	}
	for j, m := range msgs[off:] {
		i := j + off
		switch m.Role {
		case "user":
			b.lit(t.BOS + "[INST] ")
			if j == 0 && hasSys {
				b.stripped(i, part{"", "<<SYS>>\n"}, part{KindSystem, msgs[0].Content}, part{"", "\n<</SYS>>\n\n"}, part{KindUser, m.Content})
				// the system region belongs to message 0
				b.regions[len(b.regions)-2].Turn = 0
			} else {
				b.stripped(i, part{KindUser, m.Content})
			}
			b.header(nextAssistant(msgs, i), " [/INST]", "", "", false)
			b.marks[PosUserEnd] = lastHeaderRange(b)
		case "assistant":
			b.lit(" ")
			b.body(i, pyStrip(m.Content), "")
			b.lit(" ")
			b.region(KindTurnEnd, i, t.EOS)
		}
	}
	if final == n {
		b.body(n, "", opt.Prefill)
	}
	return b.rendered(), nil
}

// renderMistral mirrors the Mistral-7B-Instruct-v0.1 / Mixtral-8x7B-Instruct
// template: one bos_token, "[INST] " + content + " [/INST]" for user turns,
// content + eos_token (+ " " in the Mistral-7B revision) for assistant
// turns, no system role (a leading system message breaks the alternation
// check and raises its error), add_generation_prompt ignored.
func (t *Template) renderMistral(msgs []Message, opt Options) (*Rendered, error) {
	n := len(msgs)
	for i, m := range msgs {
		if (m.Role == "user") != (i%2 == 0) {
			return nil, raise(errAlternate)
		}
		if m.Role != "user" && m.Role != "assistant" {
			return nil, raise(errOnlyUserAsst)
		}
	}
	final := lastUserAsstFinal(msgs, 0, n)
	b, err := startBuilder(opt, final, n)
	if err != nil {
		return nil, err
	}
	b.lit(t.BOS)
	for i, m := range msgs {
		if m.Role == "user" {
			b.lit("[INST] ")
			b.region(KindUser, i, m.Content)
			b.header(nextAssistant(msgs, i), " [/INST]", "", "", false)
			b.marks[PosUserEnd] = lastHeaderRange(b)
			continue
		}
		b.body(i, m.Content, "")
		b.region(KindTurnEnd, i, t.EOS)
		if t.eosSpace {
			b.lit(" ")
		}
	}
	if final == n {
		b.body(n, "", opt.Prefill)
	}
	return b.rendered(), nil
}

// lastUserAsstFinal returns the final assistant turn of an [INST]-style
// rendering: n when the last user/assistant message is a user turn (the
// text ends with " [/INST]"), that message's index when it is an assistant
// turn, -1 when there is none.
func lastUserAsstFinal(loop []Message, off, n int) int {
	for j := len(loop) - 1; j >= 0; j-- {
		switch loop[j].Role {
		case "user":
			return n
		case "assistant":
			return j + off
		}
	}
	return -1
}

// nextAssistant returns the turn that the " [/INST]" closing user turn i
// opens: the next user/assistant message when it is an assistant turn,
// len(msgs) (the generation prompt) when there is none.
func nextAssistant(msgs []Message, i int) int {
	for j := i + 1; j < len(msgs); j++ {
		switch msgs[j].Role {
		case "assistant":
			return j
		case "user":
			return len(msgs)
		}
	}
	return len(msgs)
}

func lastHeaderRange(b *builder) Range {
	r := b.regions[len(b.regions)-1]
	return Range{r.Start, r.End}
}

// renderMistralSystem mirrors the later Mixtral-8x7B-Instruct-v0.1 /
// Mistral-7B-Instruct-v0.1 template: an optional first system message is
// put before the first user turn's content (" [INST] " + system + "\n\n" +
// content + " [/INST]"), the other user turns are " [INST] " + content +
// " [/INST]", assistant turns " " + content + eos_token; roles must
// alternate after the system message and only user/assistant are allowed
// (both raised with the template's own messages, checked message by
// message in order); add_generation_prompt is ignored.
func (t *Template) renderMistralSystem(msgs []Message, opt Options) (*Rendered, error) {
	n := len(msgs)
	off := 0
	hasSys := msgs[0].Role == "system"
	if hasSys {
		off = 1
	}
	loop := msgs[off:]
	for j, m := range loop {
		if (m.Role == "user") != (j%2 == 0) {
			return nil, raise(errAlternateSys)
		}
		if m.Role != "user" && m.Role != "assistant" {
			return nil, raise(errOnlyUserAsstSys)
		}
	}
	final := lastUserAsstFinal(loop, off, n)
	b, err := startBuilder(opt, final, n)
	if err != nil {
		return nil, err
	}
	b.lit(t.BOS)
	for j, m := range loop {
		i := j + off
		if m.Role == "user" {
			b.lit(" [INST] ")
			if j == 0 && hasSys {
				b.region(KindSystem, 0, msgs[0].Content)
				b.lit("\n\n")
			}
			b.region(KindUser, i, m.Content)
			b.header(nextAssistant(msgs, i), " [/INST]", "", "", false)
			b.marks[PosUserEnd] = lastHeaderRange(b)
			continue
		}
		b.lit(" ")
		b.body(i, m.Content, "")
		b.region(KindTurnEnd, i, t.EOS)
	}
	if final == n {
		b.body(n, "", opt.Prefill)
	}
	return b.rendered(), nil
}
