package chat

import (
	"fmt"
	"sort"
)

// Tokenizer is what chat needs from a tokenizer: the ids of text encoded
// without added special tokens (the templates write BOS themselves, as
// apply_chat_template(tokenize=True) does), and each token's byte range
// [Start, End) in text. Tokens of special/added tokens cover their bytes.
type Tokenizer interface {
	EncodeOffsets(text string) (ids []int, offsets []Range, err error)
}

// TokenizerFunc adapts a function to Tokenizer.
type TokenizerFunc func(text string) ([]int, []Range, error)

// EncodeOffsets calls f.
func (f TokenizerFunc) EncodeOffsets(text string) ([]int, []Range, error) { return f(text) }

// Encoded is a rendered conversation as token ids with token-index regions.
type Encoded struct {
	Text string
	IDs  []int
	// Offsets holds each token's byte range in Text.
	Offsets []Range
	// Spans are the byte regions of Rendered mapped to token ranges: a
	// token belongs to a region when its bytes overlap the region's bytes,
	// so a token that straddles a boundary (a BPE merge across template
	// text and content) belongs to both neighbours. An empty byte region
	// maps to the empty range at the first token starting at or after it.
	Spans []Region
	// Positions are the token indices of the named positions (Pos*
	// constants) that exist for this rendering.
	Positions map[string]int
	FinalTurn int
	// Approx is Rendered.Approx: regions located by search (generic path).
	Approx bool
}

// Find returns the first span of kind k in turn.
func (e *Encoded) Find(k Kind, turn int) (Region, bool) { return findRegion(e.Spans, k, turn) }

// Final returns the final assistant turn's span of kind k.
func (e *Encoded) Final(k Kind) (Region, bool) { return findRegion(e.Spans, k, e.FinalTurn) }

// All returns every span of kind k in order.
func (e *Encoded) All(k Kind) []Region { return allRegions(e.Spans, k) }

// Pos returns the token index of a named position.
func (e *Encoded) Pos(name string) (int, bool) {
	p, ok := e.Positions[name]
	return p, ok
}

// Encode tokenises a rendering and maps its regions and marks to tokens.
func Encode(tok Tokenizer, r *Rendered) (*Encoded, error) {
	ids, offs, err := tok.EncodeOffsets(r.Text)
	if err != nil {
		return nil, fmt.Errorf("chat: encode: %w", err)
	}
	if len(offs) != len(ids) {
		return nil, fmt.Errorf("chat: encode: tokenizer gave %d offsets for %d ids", len(offs), len(ids))
	}
	e := &Encoded{Text: r.Text, IDs: ids, Offsets: offs, Positions: map[string]int{}, FinalTurn: r.FinalTurn, Approx: r.Approx}
	for _, g := range r.Regions {
		s, t := tokenRange(offs, g.Start, g.End)
		e.Spans = append(e.Spans, Region{Kind: g.Kind, Turn: g.Turn, Start: s, End: t})
	}
	for name, m := range r.Marks {
		s, t := tokenRange(offs, m.Start, m.End)
		if s >= t {
			return nil, fmt.Errorf("chat: encode: no token covers position %s (bytes %d..%d)", name, m.Start, m.End)
		}
		if name == PosUserEnd {
			e.Positions[name] = t - 1
		} else {
			e.Positions[name] = s
		}
	}
	return e, nil
}

// Render renders and encodes in one step.
func (t *Template) Encode(tok Tokenizer, msgs []Message, opt Options) (*Encoded, error) {
	r, err := t.Render(msgs, opt)
	if err != nil {
		return nil, err
	}
	return Encode(tok, r)
}

// tokenRange maps the byte range [bs, be) to the tokens overlapping it. A
// zero-width token counts when it sits inside the range.
func tokenRange(offs []Range, bs, be int) (int, int) {
	// first token that ends after bs (or starts at/after bs if zero-width)
	s := sort.Search(len(offs), func(i int) bool {
		o := offs[i]
		return o.End > bs || (o.Start == o.End && o.Start >= bs)
	})
	if bs == be {
		return s, s
	}
	t := s
	for t < len(offs) && offs[t].Start < be {
		t++
	}
	return s, t
}
