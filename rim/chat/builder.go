package chat

import "strings"

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
