package sft

import (
	"fmt"
	"strings"

	"github.com/rimlab/rim/rim/chat"
)

// Options control how records become examples.
type Options struct {
	// ExcludeThink masks the think block (tags and reasoning) of assistant
	// turns out of the loss; by default it is trained, as the paper trains on
	// reasoning traces.
	ExcludeThink bool
	// FinalOnly trains only the final assistant turn (default: every
	// assistant turn, as HF's assistant-token masks do).
	FinalOnly bool
	// MaxLen is the longest sequence kept (0 = no limit).
	MaxLen int
	// Policy for longer sequences: "truncate" (keep the first MaxLen tokens;
	// an example left with no trained token is dropped) or "drop".
	Policy string
}

// Stats counts what Build did.
type Stats struct {
	Examples   int // kept
	Truncated  int
	Dropped    int // dropped for length (policy drop, or nothing trainable left after truncation)
	Tokens     int // total tokens kept
	Trained    int // tokens with a label
	MaxSeqLen  int
	SourceRecs int
}

func (s Stats) String() string {
	return fmt.Sprintf("%d examples (%d records; %d truncated, %d dropped for length), %d tokens, %d trained, longest %d",
		s.Examples, s.SourceRecs, s.Truncated, s.Dropped, s.Tokens, s.Trained, s.MaxSeqLen)
}

// trainedKinds are the assistant-turn regions that carry a loss: what the
// model must generate (chat.KindTurnEnd documents this set).
func trainedKinds(excludeThink bool) map[chat.Kind]bool {
	k := map[chat.Kind]bool{chat.KindAnswer: true, chat.KindTurnEnd: true}
	if !excludeThink {
		k[chat.KindThinkOpen], k[chat.KindThink], k[chat.KindThinkEnd] = true, true, true
	}
	return k
}

// Build turns records into examples. Conversations need tmpl and tok (the
// model's chat template and tokenizer); pre-tokenised records need neither.
// Errors name the record's line: a conversation with no assistant turn,
// labels of the wrong length, a template error.
func Build(recs []Record, tmpl *chat.Template, tok chat.Tokenizer, opt Options) ([]Example, Stats, error) {
	var st Stats
	st.SourceRecs = len(recs)
	if len(recs) == 0 {
		return nil, st, fmt.Errorf("sft: empty dataset")
	}
	switch opt.Policy {
	case "", "truncate", "drop":
	default:
		return nil, st, fmt.Errorf("sft: max-length policy %q: want truncate or drop", opt.Policy)
	}
	if opt.MaxLen < 0 {
		return nil, st, fmt.Errorf("sft: max length %d < 0", opt.MaxLen)
	}
	var out []Example
	for i, r := range recs {
		line := i + 1
		ex, err := encodeRecord(r, tmpl, tok, opt)
		if err != nil {
			return nil, st, fmt.Errorf("sft: record %d: %w", line, err)
		}
		ex.Line = line
		if opt.MaxLen > 0 && len(ex.IDs) > opt.MaxLen {
			if opt.Policy == "drop" {
				st.Dropped++
				continue
			}
			ex.IDs, ex.Labels = ex.IDs[:opt.MaxLen], ex.Labels[:opt.MaxLen]
			// The last label is never predicted (HF shifts), so it does not count.
			if trainedShifted(ex) == 0 {
				st.Dropped++
				continue
			}
			st.Truncated++
		}
		if trainedShifted(ex) == 0 {
			return nil, st, fmt.Errorf("sft: record %d: no trained token (labels all -100 after the first position)", line)
		}
		st.Examples++
		st.Tokens += len(ex.IDs)
		st.Trained += trainedShifted(ex)
		st.MaxSeqLen = max(st.MaxSeqLen, len(ex.IDs))
		out = append(out, ex)
	}
	if len(out) == 0 {
		return nil, st, fmt.Errorf("sft: no example left (%s)", st)
	}
	return out, st, nil
}

// trainedShifted counts labels that enter the loss: positions 1..n-1.
func trainedShifted(e Example) int {
	n := 0
	for _, l := range e.Labels[min(1, len(e.Labels)):] {
		if l != IgnoreIndex {
			n++
		}
	}
	return n
}

func encodeRecord(r Record, tmpl *chat.Template, tok chat.Tokenizer, opt Options) (Example, error) {
	if len(r.InputIDs) > 0 {
		if len(r.Messages) > 0 {
			return Example{}, fmt.Errorf("both messages and input_ids")
		}
		ex := Example{IDs: append([]int(nil), r.InputIDs...)}
		if r.Labels == nil {
			ex.Labels = append([]int(nil), r.InputIDs...)
		} else if len(r.Labels) != len(r.InputIDs) {
			return Example{}, fmt.Errorf("%d labels for %d input_ids", len(r.Labels), len(r.InputIDs))
		} else {
			ex.Labels = append([]int(nil), r.Labels...)
		}
		for _, id := range ex.IDs {
			if id < 0 {
				return Example{}, fmt.Errorf("negative token id %d", id)
			}
		}
		return ex, nil
	}
	if tmpl == nil || tok == nil {
		return Example{}, fmt.Errorf("a conversation needs the model's chat template and tokenizer")
	}
	msgs := r.Messages
	hasAsst := false
	for _, m := range msgs {
		if m.Role == "assistant" {
			hasAsst = true
		}
	}
	if !hasAsst {
		return Example{}, fmt.Errorf("conversation has no assistant turn")
	}
	if msgs[len(msgs)-1].Role != "assistant" {
		return Example{}, fmt.Errorf("conversation must end with an assistant turn (ends with %q)", msgs[len(msgs)-1].Role)
	}
	if tmpl.Family != chat.Qwen3 {
		// Only Qwen3's template knows reasoning_content; elsewhere the
		// reasoning goes inline as <think>…</think> before the answer (§5.3).
		msgs = inlineThink(msgs)
	}
	enc, err := tmpl.Encode(tok, msgs, chat.Options{})
	if err != nil {
		return Example{}, err
	}
	labels := make([]int, len(enc.IDs))
	for i := range labels {
		labels[i] = IgnoreIndex
	}
	kinds := trainedKinds(opt.ExcludeThink)
	for turn, m := range msgs {
		if m.Role != "assistant" || (opt.FinalOnly && turn != len(msgs)-1) {
			continue
		}
		// The trained range of a turn runs from the end of its header (or the
		// first trained region) to the end of its last trained region (the
		// end-of-turn token), so separators the template writes between
		// regions ("\n\n" after </think>) are trained too; with ExcludeThink
		// it starts at the answer. A token straddling the header is not trained.
		start, end := -1, -1
		for _, sp := range enc.Spans {
			if sp.Turn != turn {
				continue
			}
			switch {
			case sp.Kind == chat.KindHeader:
				start = max(start, sp.End)
			case sp.Kind == chat.KindAnswer && opt.ExcludeThink:
				start = max(start, sp.Start)
				end = max(end, sp.End)
			case kinds[sp.Kind] && sp.End > sp.Start:
				if start < 0 {
					start = sp.Start
				}
				end = max(end, sp.End)
			}
		}
		for t := max(start, 0); t < end; t++ {
			labels[t] = enc.IDs[t]
		}
	}
	if opt.ExcludeThink && tmpl.Family != chat.Qwen3 && hasReasoning(r.Messages) {
		return Example{}, fmt.Errorf("excluding the think block needs a template with think regions (qwen3); %s inlines the reasoning", tmpl.Family)
	}
	return Example{IDs: enc.IDs, Labels: labels}, nil
}

func hasReasoning(msgs []chat.Message) bool {
	for _, m := range msgs {
		if m.ReasoningContent != nil && *m.ReasoningContent != "" {
			return true
		}
	}
	return false
}

func inlineThink(msgs []chat.Message) []chat.Message {
	out := make([]chat.Message, len(msgs))
	for i, m := range msgs {
		out[i] = m
		if m.Role == "assistant" && m.ReasoningContent != nil {
			out[i].Content = "<think>\n" + strings.Trim(*m.ReasoningContent, "\n") + "\n</think>\n\n" + strings.TrimLeft(m.Content, "\n")
			out[i].ReasoningContent = nil
		}
	}
	return out
}
