package chat

// renderPhi3 mirrors the Phi-3/Phi-3.5 template: "<|ROLE|>\n" + content +
// "<|end|>\n" for system (Phi-3.5: only when its content is non-empty),
// user and assistant turns, then "<|assistant|>\n" with
// add_generation_prompt, else eos_token (Phi-3.5). Other roles are skipped.
func (t *Template) renderPhi3(msgs []Message, opt Options) (*Rendered, error) {
	n := len(msgs)
	b, err := startBuilder(opt, finalTurn(msgs, opt.AddGenerationPrompt), n)
	if err != nil {
		return nil, err
	}
	for i, m := range msgs {
		switch {
		case m.Role == "system" && (!t.sysNonEmpty || m.Content != ""):
			b.lit("<|system|>\n")
			b.region(KindSystem, i, m.Content)
			b.lit("<|end|>\n")
		case m.Role == "user":
			b.lit("<|user|>\n")
			b.region(KindUser, i, m.Content)
			b.mark(PosUserEnd, "<|end|>")
			b.lit("\n")
		case m.Role == "assistant":
			b.header(i, "<|assistant|>", "", "\n", true)
			b.body(i, m.Content, "")
			b.region(KindTurnEnd, i, "<|end|>")
			b.lit("\n")
		}
	}
	if opt.AddGenerationPrompt {
		b.header(n, "<|assistant|>", "", "\n", true)
		b.body(n, "", opt.Prefill)
	} else if t.eosIfNoGen {
		b.lit(t.EOS)
	}
	return b.rendered(), nil
}

// renderTulu mirrors the AllenAI (Tülu) templates of OLMo-2 and OLMoE:
// bos_token first, "<|ROLE|>\n" + content + "\n" for system and user turns,
// "<|assistant|>\n" + content + eos_token for assistant turns (followed by
// "\n" unless it is the last message in OLMo-2, always in OLMoE, whose
// template is written over lines and rendered with trim_blocks), and
// "<|assistant|>\n" after the last message with add_generation_prompt.
// Other roles are skipped.
func (t *Template) renderTulu(msgs []Message, opt Options) (*Rendered, error) {
	n := len(msgs)
	b, err := startBuilder(opt, finalTurn(msgs, opt.AddGenerationPrompt), n)
	if err != nil {
		return nil, err
	}
	switch {
	case t.tuluBOS:
		b.lit(t.BOS)
	case t.tuluEOSStart:
		b.lit(t.EOS)
	}
	olmoe := t.Family == OLMoE
	for i, m := range msgs {
		switch {
		case m.Role == "system" && (!olmoe || t.tuluSystem):
			b.lit("<|system|>\n")
			b.region(KindSystem, i, m.Content)
			b.lit("\n")
		case m.Role == "user":
			b.lit("<|user|>\n")
			b.region(KindUser, i, m.Content)
			b.mark(PosUserEnd, "\n")
		case m.Role == "assistant":
			b.header(i, "<|assistant|>", "", "\n", true)
			b.body(i, m.Content, "")
			b.region(KindTurnEnd, i, t.EOS)
			if olmoe || i < n-1 {
				b.lit("\n")
			}
		}
	}
	if opt.AddGenerationPrompt {
		b.header(n, "<|assistant|>", "", "\n", true)
		b.body(n, "", opt.Prefill)
	}
	return b.rendered(), nil
}
