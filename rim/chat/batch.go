package chat

import (
	"fmt"
	"maps"
)

// Side says where padding goes.
type Side int

const (
	// Left padding puts pad tokens before each row, so that every row's
	// last prompt token is at seq-1 (what batched generation needs).
	Left Side = iota
	// Right padding puts them after each row.
	Right
)

// Shift returns a copy of e whose spans and positions are moved n tokens
// to the right, e.g. by n left-padding tokens. IDs and Offsets are shared.
func (e *Encoded) Shift(n int) *Encoded {
	c := *e
	c.Spans = make([]Region, len(e.Spans))
	for i, s := range e.Spans {
		s.Start += n
		s.End += n
		c.Spans[i] = s
	}
	c.Positions = maps.Clone(e.Positions)
	for k := range c.Positions {
		c.Positions[k] += n
	}
	return &c
}

// Batch is a set of encoded conversations padded to one length, with each
// row's regions in batch coordinates.
type Batch struct {
	// IDs is [batch, seq]; Mask is [batch, seq] with 1 for real tokens
	// and 0 for padding.
	IDs  [][]int
	Mask [][]int
	// Pad[i] is the number of padding tokens on row i's left (0 with right
	// padding): add it to a token index of the unpadded row.
	Pad []int
	// Rows are the encodings with spans and positions shifted by Pad.
	Rows []*Encoded
}

// NewBatch pads items to the longest one with padID, on the given side.
func NewBatch(items []*Encoded, padID int, side Side) (*Batch, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("chat: batch: no conversations")
	}
	if padID < 0 {
		return nil, fmt.Errorf("chat: batch: pad id %d is negative", padID)
	}
	if side != Left && side != Right {
		return nil, fmt.Errorf("chat: batch: unknown padding side %d", side)
	}
	seq := 0
	for i, e := range items {
		if e == nil {
			return nil, fmt.Errorf("chat: batch: row %d is nil", i)
		}
		seq = max(seq, len(e.IDs))
	}
	b := &Batch{}
	for _, e := range items {
		n := seq - len(e.IDs)
		ids, mask := make([]int, seq), make([]int, seq)
		start := 0
		if side == Left {
			start = n
		}
		for j := range ids {
			ids[j] = padID
		}
		copy(ids[start:], e.IDs)
		for j := start; j < start+len(e.IDs); j++ {
			mask[j] = 1
		}
		b.IDs, b.Mask = append(b.IDs, ids), append(b.Mask, mask)
		b.Pad = append(b.Pad, start)
		b.Rows = append(b.Rows, e.Shift(start))
	}
	return b, nil
}

// Pos returns, per row, the batch token index of a named position; it is
// an error when a row lacks it.
func (b *Batch) Pos(name string) ([]int, error) {
	out := make([]int, len(b.Rows))
	for i, r := range b.Rows {
		p, ok := r.Positions[name]
		if !ok {
			return nil, fmt.Errorf("chat: batch row %d has no position %q", i, name)
		}
		out[i] = p
	}
	return out, nil
}

// Final returns, per row, the final assistant turn's span of kind k in
// batch coordinates; it is an error when a row lacks it.
func (b *Batch) Final(k Kind) ([]Region, error) {
	out := make([]Region, len(b.Rows))
	for i, r := range b.Rows {
		s, ok := r.Final(k)
		if !ok {
			return nil, fmt.Errorf("chat: batch row %d has no final %s span", i, k)
		}
		out[i] = s
	}
	return out, nil
}

// Flat returns IDs and Mask flattened row-major as int32, the layout of a
// [batch, seq] tensor.
func (b *Batch) Flat() (ids, mask []int32) {
	for i := range b.IDs {
		for j := range b.IDs[i] {
			ids = append(ids, int32(b.IDs[i][j]))
			mask = append(mask, int32(b.Mask[i][j]))
		}
	}
	return ids, mask
}

// EncodeBatch renders and encodes each conversation with the same options
// and pads them into one batch (left padding for generation, so that the
// prompts end in the same column).
func (t *Template) EncodeBatch(tok Tokenizer, convs [][]Message, opt Options, padID int, side Side) (*Batch, error) {
	items := make([]*Encoded, len(convs))
	for i, c := range convs {
		e, err := t.Encode(tok, c, opt)
		if err != nil {
			return nil, fmt.Errorf("chat: batch row %d: %w", i, err)
		}
		items[i] = e
	}
	return NewBatch(items, padID, side)
}
