package generate

import "strings"

// ThinkTags are a model's reasoning delimiters (Qwen3: "<think>" and
// "</think>", both single added tokens).
type ThinkTags struct {
	Open, Close     string
	OpenID, CloseID int
}

// QwenThinkTags are Qwen3's tags with the ids looked up by the caller.
func QwenThinkTags(openID, closeID int) *ThinkTags {
	return &ThinkTags{Open: "<think>", Close: "</think>", OpenID: openID, CloseID: closeID}
}

// TagLookup is what ThinkTagsFrom needs from a tokenizer.
type TagLookup interface {
	TokenToID(tok string) (int, bool)
}

// ThinkTagsFrom returns Qwen-style think tags when the tokenizer has both
// "<think>" and "</think>" as tokens, nil otherwise (no think split).
func ThinkTagsFrom(tok TagLookup) *ThinkTags {
	o, ok1 := tok.TokenToID("<think>")
	c, ok2 := tok.TokenToID("</think>")
	if !ok1 || !ok2 {
		return nil
	}
	return QwenThinkTags(o, c)
}

// inThinkAfter reports whether a think block is open after ids (the last
// tag among them is the open tag), starting from state open.
func (t *ThinkTags) inThinkAfter(open bool, ids []int) bool {
	if t == nil {
		return false
	}
	for _, id := range ids {
		switch id {
		case t.OpenID:
			open = true
		case t.CloseID:
			open = false
		}
	}
	return open
}

// closedIn reports whether the last think tag among ids is the close tag:
// the prompt's think block was already closed, by the template (Qwen3's
// no-think mode renders "<think>\n\n</think>\n\n") or by a prefill.
func (t *ThinkTags) closedIn(ids []int) bool {
	if t == nil {
		return false
	}
	for i := len(ids) - 1; i >= 0; i-- {
		switch ids[i] {
		case t.CloseID:
			return true
		case t.OpenID:
			return false
		}
	}
	return false
}

// Split separates generated text into the reasoning and the answer, the way
// Qwen3's chat template reads an assistant turn back (docs/paper.md §4.3):
//
//	if "</think>" in text:
//	    thinking = text.split("</think>")[0].rstrip("\n").split("<think>")[-1].lstrip("\n")
//	    answer   = text.split("</think>")[-1].lstrip("\n")
//
// Without a close tag, the text is all thinking (closed = false: generation
// was cut off inside the block) when the prompt left a think block open
// (startedInThink, e.g. an assistant prefill "<think>\n…") or the text opens
// one (starts with the open tag, after white space); otherwise it is all answer (no-think mode, or a model that answered
// directly). With t == nil everything is answer.
func (t *ThinkTags) Split(text string, startedInThink bool) (thinking, answer string, closed bool) {
	if t == nil {
		return "", text, false
	}
	if strings.Contains(text, t.Close) {
		parts := strings.Split(text, t.Close)
		th := strings.TrimRight(parts[0], "\n")
		if i := strings.LastIndex(th, t.Open); i >= 0 {
			th = th[i+len(t.Open):]
		}
		return strings.TrimLeft(th, "\n"), strings.TrimLeft(parts[len(parts)-1], "\n"), true
	}
	if rest, ok := strings.CutPrefix(strings.TrimLeft(text, " \t\n"), t.Open); ok {
		return strings.TrimLeft(rest, "\n"), "", false
	}
	if startedInThink {
		return strings.TrimLeft(text, "\n"), "", false
	}
	return "", text, false
}

// countTokens splits the generated ids into think and answer tokens: the
// think block runs through the last close tag (or to the end when it was
// cut off), the answer is the rest.
func (t *ThinkTags) countTokens(ids []int, startedInThink bool) (think, answer int) {
	if t == nil {
		return 0, len(ids)
	}
	last, opened := -1, startedInThink || (len(ids) > 0 && ids[0] == t.OpenID)
	for i, id := range ids {
		if id == t.CloseID {
			last = i
		}
	}
	switch {
	case last >= 0:
		return last + 1, len(ids) - last - 1
	case opened:
		return len(ids), 0
	}
	return 0, len(ids)
}
