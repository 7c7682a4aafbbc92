package chat

import "strings"

// Kind names a region of a rendered conversation.
type Kind string

// Region kinds. A turn's regions carry the index of its message (Turn); the
// generation prompt has Turn == len(messages).
const (
	KindSystem    Kind = "system"           // a system message's content
	KindUser      Kind = "user"             // a user message's content (as rendered: trimmed where the template trims)
	KindTool      Kind = "tool"             // a tool message's content
	KindHeader    Kind = "assistant_header" // the text that opens an assistant turn, e.g. "<|im_start|>assistant\n"
	KindThinkOpen Kind = "think_open"       // the "<think>" tag
	KindThink     Kind = "think"            // between <think> and </think>; "\n\n" in Qwen3 no-think mode
	KindThinkEnd  Kind = "think_close"      // the "</think>" tag
	KindAnswer    Kind = "answer"           // an assistant turn's content after any think block
	KindTurnEnd   Kind = "turn_end"         // the token(s) that close an assistant turn (<|im_end|>, <|eot_id|>, eos_token, <|end|>): with the think and answer spans, what SFT trains on
	KindPrefill   Kind = "prefill"          // Options.Prefill (overlaps the think/answer regions it falls in)
)

// Named positions: single tokens the paper probes (notes.md §6.1, Fig 3;
// §6.2, Fig 4 and A3). They refer to the final assistant turn.
const (
	// PosUserEnd is the last token that closes the last user turn:
	// <|im_end|> for Qwen3 ("Input −5"), <|eot_id|> for Llama-3, <|end|> for
	// Phi-3.5, the "]" of [/INST] for Mistral, the "\n" for OLMo.
	PosUserEnd = "user_end"
	// PosHeaderStart is the first token of the final assistant header:
	// <|im_start|> for Qwen3 ("Input −3"), <|start_header_id|> for Llama-3,
	// <|assistant|> for Phi/OLMo, the first token of " [/INST]" for Mistral.
	PosHeaderStart = "header_start"
	// PosRole is the token naming the assistant role in the final header:
	// "assistant" for Qwen3 ("Input −2") and Llama-3, <|assistant|> for
	// Phi/OLMo; absent for Mistral.
	PosRole = "role"
	// PosThinkOpen and PosThinkClose are the final turn's <think> and
	// </think> tokens, when the turn has them.
	PosThinkOpen  = "think_open"
	PosThinkClose = "think_close"
)

// Region is a half-open range [Start, End) of bytes (in Rendered) or tokens
// (in Encoded) with its kind and the index of the message it belongs to.
type Region struct {
	Kind  Kind `json:"kind"`
	Turn  int  `json:"turn"`
	Start int  `json:"start"`
	End   int  `json:"end"`
}

// Len is End-Start.
func (r Region) Len() int { return r.End - r.Start }

// Range is a half-open byte or token range.
type Range struct{ Start, End int }

// Rendered is a conversation rendered to text, with byte regions.
type Rendered struct {
	Text    string
	Regions []Region
	// Marks holds the byte ranges of the named positions (Pos* constants).
	Marks map[string]Range
	// FinalTurn is the turn index of the final assistant turn: len(messages)
	// for a generation prompt, the last message's index when it is an
	// assistant turn rendered as such, -1 when there is none.
	FinalTurn int
}

// Find returns the first region of kind k in turn.
func findRegion(rs []Region, k Kind, turn int) (Region, bool) {
	for _, r := range rs {
		if r.Kind == k && r.Turn == turn {
			return r, true
		}
	}
	return Region{}, false
}

func allRegions(rs []Region, k Kind) []Region {
	var out []Region
	for _, r := range rs {
		if r.Kind == k {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the first region of kind k in turn.
func (r *Rendered) Find(k Kind, turn int) (Region, bool) { return findRegion(r.Regions, k, turn) }

// Final returns the final assistant turn's region of kind k.
func (r *Rendered) Final(k Kind) (Region, bool) { return findRegion(r.Regions, k, r.FinalTurn) }

// All returns every region of kind k in order.
func (r *Rendered) All(k Kind) []Region { return allRegions(r.Regions, k) }

// Slice returns the text of a byte region.
func (r *Rendered) Slice(g Region) string { return r.Text[g.Start:g.End] }

// builder accumulates rendered text and its regions.
type builder struct {
	sb      strings.Builder
	regions []Region
	marks   map[string]Range
	final   int
}

func newBuilder(final int) *builder { return &builder{marks: map[string]Range{}, final: final} }

func (b *builder) pos() int { return b.sb.Len() }

// lit writes template text that belongs to no region.
func (b *builder) lit(s string) { b.sb.WriteString(s) }

// region writes s as a region of kind k (an empty s gives an empty region).
func (b *builder) region(k Kind, turn int, s string) {
	start := b.pos()
	b.sb.WriteString(s)
	b.regions = append(b.regions, Region{Kind: k, Turn: turn, Start: start, End: b.pos()})
}

// mark writes s and records its range under name (a later mark wins).
func (b *builder) mark(name, s string) {
	start := b.pos()
	b.sb.WriteString(s)
	b.marks[name] = Range{start, b.pos()}
}

// header writes an assistant header open+role+rest as one KindHeader region;
// for the final turn it also marks PosHeaderStart (open) and PosRole (role,
// or open when role is empty and roleIsOpen).
func (b *builder) header(turn int, open, role, rest string, roleIsOpen bool) {
	start := b.pos()
	isFinal := turn == b.final
	if isFinal {
		b.mark(PosHeaderStart, open)
		if role != "" {
			b.mark(PosRole, role)
		} else if roleIsOpen {
			b.marks[PosRole] = b.marks[PosHeaderStart]
		}
	} else {
		b.lit(open)
		b.lit(role)
	}
	b.lit(rest)
	b.regions = append(b.regions, Region{Kind: KindHeader, Turn: turn, Start: start, End: b.pos()})
}

// body writes an assistant turn's text s followed by prefill, splitting a
// leading <think>…</think> block into its tag, content and close regions and
// the rest into the answer. Newlines between </think> and the answer belong
// to neither. For the final turn it marks the think tags.
func (b *builder) body(turn int, s, prefill string) {
	start := b.pos()
	text := s + prefill
	if prefill != "" {
		b.regions = append(b.regions, Region{Kind: KindPrefill, Turn: turn, Start: start + len(s), End: start + len(text)})
	}
	const open, close = "<think>", "</think>"
	if text == "" {
		return
	}
	if !strings.HasPrefix(text, open) {
		b.region(KindAnswer, turn, text)
		return
	}
	b.region(KindThinkOpen, turn, open)
	if turn == b.final {
		b.marks[PosThinkOpen] = Range{start, start + len(open)}
	}
	rest := text[len(open):]
	i := strings.Index(rest, close)
	if i < 0 {
		b.region(KindThink, turn, rest)
		return
	}
	b.region(KindThink, turn, rest[:i])
	cs := b.pos()
	b.region(KindThinkEnd, turn, close)
	if turn == b.final {
		b.marks[PosThinkClose] = Range{cs, cs + len(close)}
	}
	after := rest[i+len(close):]
	ans := strings.TrimLeft(after, "\n")
	b.lit(after[:len(after)-len(ans)])
	b.region(KindAnswer, turn, ans)
}

// think writes a think block that the template itself builds:
// "<think>" + inner + "</think>" + sep + answer, with inner as the think
// region and answer as the answer region (no parsing, so tags inside the
// reasoning or answer cannot confuse the regions).
func (b *builder) think(turn int, inner, sep, answer string) {
	os := b.pos()
	b.region(KindThinkOpen, turn, "<think>")
	b.region(KindThink, turn, inner)
	cs := b.pos()
	b.region(KindThinkEnd, turn, "</think>")
	if turn == b.final {
		b.marks[PosThinkOpen] = Range{os, os + len("<think>")}
		b.marks[PosThinkClose] = Range{cs, cs + len("</think>")}
	}
	b.lit(sep)
	if answer != "" {
		b.region(KindAnswer, turn, answer)
	}
}

// stripped writes the Python strip() of the concatenation of parts, keeping
// each part's region (kind "" means template text).
type part struct {
	kind Kind
	text string
}

func (b *builder) stripped(turn int, parts ...part) {
	var all strings.Builder
	for _, p := range parts {
		all.WriteString(p.text)
	}
	lo, hi := pyStripBounds(all.String())
	off := 0
	for _, p := range parts {
		s, e := off, off+len(p.text)
		off = e
		s, e = max(s, lo), min(e, hi)
		if e < s {
			// the part was stripped away entirely; keep an empty region at its place
			if s > hi {
				s = hi
			}
			e = s
		}
		text := all.String()[s:e]
		if p.kind == "" {
			b.lit(text)
		} else {
			b.region(p.kind, turn, text)
		}
	}
}

func (b *builder) rendered() *Rendered {
	return &Rendered{Text: b.sb.String(), Regions: b.regions, Marks: b.marks, FinalTurn: b.final}
}
