package chat

import (
	"fmt"

	"github.com/rimlab/rim/rim/tokenize"
)

// Wrap adapts a rim/tokenize tokenizer to Tokenizer: the rendered text is
// encoded without added special tokens (the template writes BOS itself) and
// each token keeps its byte range in the text.
func Wrap(t *tokenize.Tokenizer) Tokenizer {
	return TokenizerFunc(func(text string) ([]int, []Range, error) {
		e := t.EncodeWithOffsets(text, false)
		offs := make([]Range, len(e.Offsets))
		for i, o := range e.Offsets {
			offs[i] = Range{o[0], o[1]}
		}
		return e.IDs, offs, nil
	})
}

// PadID returns the id to pad batches with: the tokenizer's pad_token, else
// its eos_token (what transformers' generation falls back to). Padding is
// masked out, so the choice does not change results; it must only be a
// valid id.
func PadID(t *tokenize.Tokenizer) (int, error) {
	for _, name := range []string{t.Pad, t.EOS} {
		if name == "" {
			continue
		}
		if id, err := t.SpecialID(name); err == nil {
			return id, nil
		}
	}
	return 0, fmt.Errorf("chat: tokenizer has neither a pad_token nor an eos_token in its vocabulary; pass a pad id to NewBatch")
}
