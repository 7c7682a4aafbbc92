package chat

import "github.com/rimlab/rim/rim/tokenize"

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
