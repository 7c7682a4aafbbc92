package tokenize

import (
	"errors"
	"fmt"
)

// BatchOptions control EncodeBatch.
type BatchOptions struct {
	// AddSpecialTokens applies the post-processor (BOS/EOS) to every text.
	AddSpecialTokens bool
	// PadLeft pads at the start of each row (the layout for batched
	// generation); otherwise rows are padded at the end.
	PadLeft bool
	// PadID is the id used for padding; when nil the tokenizer's pad token
	// (tokenizer_config.json pad_token) is used, and EncodeBatch fails if there
	// is none.
	PadID *int
	// MaxLength, when > 0, rejects any text longer than this many tokens
	// (no silent truncation).
	MaxLength int
}

// Batch is a padded batch of encodings. All slices are [batch][seq].
type Batch struct {
	IDs [][]int
	// Mask is the attention mask: 1 for a real token, 0 for padding.
	Mask [][]int
	// Offsets are the byte offsets of each token into its own text; padding has
	// [-1, -1].
	Offsets [][][2]int
	// Lengths[i] is the number of real tokens of row i; Pads[i] the number of
	// padding tokens (on the left when PadLeft), so real token j of row i is at
	// column Pads[i]+j with left padding and j with right padding.
	Lengths, Pads []int
}

// EncodeBatch encodes texts and pads them to the longest one.
func (t *Tokenizer) EncodeBatch(texts []string, opt BatchOptions) (*Batch, error) {
	if len(texts) == 0 {
		return nil, errors.New("tokenize: empty batch")
	}
	pad := 0
	switch {
	case opt.PadID != nil:
		pad = *opt.PadID
		if _, ok := t.IDToToken(pad); !ok {
			return nil, fmt.Errorf("tokenize: pad id %d is outside the vocabulary [0, %d)", pad, t.VocabSize())
		}
	case t.Pad != "":
		id, err := t.SpecialID(t.Pad)
		if err != nil {
			return nil, err
		}
		pad = id
	default:
		return nil, errors.New("tokenize: tokenizer has no pad_token; set BatchOptions.PadID (e.g. the EOS id)")
	}
	encs := make([]Encoding, len(texts))
	longest := 0
	for i, s := range texts {
		encs[i] = t.EncodeWithOffsets(s, opt.AddSpecialTokens)
		n := len(encs[i].IDs)
		if opt.MaxLength > 0 && n > opt.MaxLength {
			return nil, fmt.Errorf("tokenize: text %d has %d tokens, more than the maximum length %d", i, n, opt.MaxLength)
		}
		longest = max(longest, n)
	}
	b := &Batch{
		IDs: make([][]int, len(texts)), Mask: make([][]int, len(texts)), Offsets: make([][][2]int, len(texts)),
		Lengths: make([]int, len(texts)), Pads: make([]int, len(texts)),
	}
	for i, e := range encs {
		n := len(e.IDs)
		ids, mask, offs := make([]int, longest), make([]int, longest), make([][2]int, longest)
		at := 0
		if opt.PadLeft {
			at = longest - n
		}
		for j := range longest {
			ids[j], offs[j] = pad, [2]int{-1, -1}
		}
		copy(ids[at:], e.IDs)
		copy(offs[at:], e.Offsets)
		for j := at; j < at+n; j++ {
			mask[j] = 1
		}
		b.IDs[i], b.Mask[i], b.Offsets[i] = ids, mask, offs
		b.Lengths[i], b.Pads[i] = n, longest-n
	}
	return b, nil
}
