package tokenize

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Tokenizer encodes and decodes text like Hugging Face's fast tokenizers. It
// is safe for concurrent use.
type Tokenizer struct {
	model          *bpe
	idToToken      []string
	added          map[int]*AddedToken
	addedByContent map[string]*AddedToken
	rawMatch       *addedMatcher // added tokens with normalized=false
	normMatch      *addedMatcher // added tokens with normalized=true
	normalizer     normalizer
	pre            preTokenizer
	post           postProcessor
	decoder        decoder

	// From tokenizer_config.json ("" / false when absent).
	BOS, EOS, Pad, Unk string
	// CleanUpSpaces is clean_up_tokenization_spaces: Decode applies
	// transformers' clean-up when it is set.
	CleanUpSpaces bool
	// AddBOSToken and AddEOSToken are the config flags, for information: the
	// BOS/EOS that add_special_tokens inserts come from tokenizer.json's
	// post_processor, which is what the Rust library (and the reference
	// fixtures) use.
	AddBOSToken, AddEOSToken bool
	// ModelMaxLength is model_max_length, 0 when absent or set to
	// transformers' "no limit" placeholder (int(1e30)).
	ModelMaxLength int
}

// Encoding is the result of EncodeWithOffsets.
type Encoding struct {
	IDs []int
	// Offsets[i] is the byte range [start, end) of the input string that token i
	// covers (HF's offsets, in bytes rather than the characters transformers'
	// Python API reports). Tokens inserted by the post-processor (BOS/EOS) have
	// [0, 0], as in HF. Byte-level tokens holding part of a
	// multi-byte character cover the whole character, so neighbouring offsets
	// may overlap. Normalisation (NFC, the "▁" prefix) maps new characters to
	// the input characters they came from.
	Offsets [][2]int
	// Special[i] reports whether token i is a special added token (in the text
	// or inserted by the post-processor).
	Special []bool
}

// Encode returns the token ids of text. addSpecial applies the
// post-processor (e.g. BOS for Llama-2/Mistral), like transformers'
// add_special_tokens. Added tokens in the text ("<|im_end|>", "<s>") are
// always recognised, as in transformers (split_special_tokens=False).
func (t *Tokenizer) Encode(text string, addSpecial bool) []int {
	return t.EncodeWithOffsets(text, addSpecial).IDs
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// EncodeWithOffsets is Encode with per-token byte offsets into text.
func (t *Tokenizer) EncodeWithOffsets(text string, addSpecial bool) Encoding {
	n := len(text)/3 + 4
	e := Encoding{IDs: make([]int, 0, n), Offsets: make([][2]int, 0, n), Special: make([]bool, 0, n)}
	if addSpecial {
		for _, id := range t.post.prefix {
			e.add(id, [2]int{0, 0}, true)
		}
	}
	sc := scratchPool.Get().(*scratch)
	sc.text = appendText(sc.text.b[:0], sc.text.al[:0], text)
	sc.segs = t.rawMatch.split(sc.text, sc.segs[:0])
	for _, s := range sc.segs {
		if s.tok != nil {
			o := s.t.origin(0, len(s.t.b))
			e.add(s.tok.ID, [2]int{int(o.s), int(o.e)}, s.tok.Special)
			continue
		}
		nt := s.t
		if t.normalizer != nil {
			nt = t.normalizer.normalize(nt)
		}
		sc.segs2 = t.normMatch.split(nt, sc.segs2[:0])
		for _, s2 := range sc.segs2 {
			if s2.tok != nil {
				o := s2.t.origin(0, len(s2.t.b))
				e.add(s2.tok.ID, [2]int{int(o.s), int(o.e)}, s2.tok.Special)
				continue
			}
			sc.pieces = append(sc.pieces[:0], s2.t)
			if t.pre != nil {
				sc.pieces = t.pre.split([]ntext{s2.t}, sc.pieces[:0], sc)
			}
			for _, p := range sc.pieces {
				at := 0
				for _, tk := range t.model.encode(p.b) {
					o := p.origin(at, at+int(tk.n))
					e.add(int(tk.id), [2]int{int(o.s), int(o.e)}, false)
					at += int(tk.n)
				}
			}
		}
	}
	if cap(sc.text.b) < 1<<20 { // do not keep huge buffers alive
		scratchPool.Put(sc)
	}
	if t.post.trimOffsets {
		t.trimOffsets(&e, addSpecial)
	}
	if addSpecial {
		for _, id := range t.post.suffix {
			e.add(id, [2]int{0, 0}, true)
		}
	}
	return e
}

// trimOffsets is HF's ByteLevel process_offsets: a token's offsets lose its
// leading and trailing spaces ("Ġ" or whitespace chars of the token string),
// except the single prefix space of the first token when add_prefix_space.
func (t *Tokenizer) trimOffsets(e *Encoding, addSpecial bool) {
	first := 0
	if addSpecial {
		first = len(t.post.prefix)
	}
	isSpace := func(r rune) bool { return r == 'Ġ' || unicode.IsSpace(r) }
	for i := first; i < len(e.IDs); i++ {
		tok, _ := t.IDToToken(e.IDs[i])
		lead, trail := 0, 0
		for _, r := range tok {
			if !isSpace(r) {
				break
			}
			lead++
		}
		for j := len(tok); j > 0; {
			r, w := utf8.DecodeLastRuneInString(tok[:j])
			if !isSpace(r) {
				break
			}
			trail++
			j -= w
		}
		o := &e.Offsets[i]
		if lead > 0 {
			if (i == first || o[0] == 0) && t.post.addPrefixSpace && lead == 1 {
				lead = 0
			}
			o[0] = min(o[0]+lead, o[1])
		}
		if trail > 0 && o[1] >= trail {
			o[1] = max(o[1]-trail, o[0])
		}
	}
}

func (e *Encoding) add(id int, off [2]int, special bool) {
	e.IDs = append(e.IDs, id)
	e.Offsets = append(e.Offsets, off)
	e.Special = append(e.Special, special)
}

// VocabSize is the number of ids, added tokens included (the largest id + 1).
func (t *Tokenizer) VocabSize() int { return len(t.idToToken) }

// IDToToken returns the token string of an id (byte-level or "▁" form).
func (t *Tokenizer) IDToToken(id int) (string, bool) {
	if id < 0 || id >= len(t.idToToken) {
		return "", false
	}
	if a, ok := t.added[id]; ok {
		return a.Content, true
	}
	s := t.idToToken[id]
	if s == "" {
		if _, ok := t.model.vocab[""]; !ok {
			return "", false
		}
	}
	return s, true
}

// TokenToID returns the id of a token string; added tokens take precedence.
func (t *Tokenizer) TokenToID(tok string) (int, bool) {
	if a, ok := t.addedByContent[tok]; ok {
		return a.ID, true
	}
	id, ok := t.model.vocab[tok]
	return int(id), ok
}

// Tokens returns the token strings of ids ("" for an unknown id).
func (t *Tokenizer) Tokens(ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i], _ = t.IDToToken(id)
	}
	return out
}

// IsSpecial reports whether id is a special added token (the ones
// skip_special_tokens drops).
func (t *Tokenizer) IsSpecial(id int) bool {
	a, ok := t.added[id]
	return ok && a.Special
}

// AddedTokens returns the added tokens, by id.
func (t *Tokenizer) AddedTokens() map[int]AddedToken {
	out := make(map[int]AddedToken, len(t.added))
	for id, a := range t.added {
		out[id] = *a
	}
	return out
}

// SpecialID returns the id of a named token (e.g. t.EOS) or an error naming it.
func (t *Tokenizer) SpecialID(tok string) (int, error) {
	if tok == "" {
		return 0, fmt.Errorf("tokenize: token name is empty (not set in tokenizer_config.json?)")
	}
	id, ok := t.TokenToID(tok)
	if !ok {
		return 0, fmt.Errorf("tokenize: token %q is not in the vocabulary", tok)
	}
	return id, nil
}

// Decode turns ids back into text like transformers' tokenizer.decode:
// the tokenizer.json decoder, then clean-up when the config's
// clean_up_tokenization_spaces is set.
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) (string, error) {
	return t.DecodeWith(ids, skipSpecial, t.CleanUpSpaces)
}

// DecodeWith is Decode with an explicit clean-up choice (cleanUp=false gives
// the raw decoder output of the Rust library).
func (t *Tokenizer) DecodeWith(ids []int, skipSpecial, cleanUp bool) (string, error) {
	toks := make([]string, 0, len(ids))
	for i, id := range ids {
		s, ok := t.IDToToken(id)
		if !ok {
			return "", fmt.Errorf("tokenize: id %d at position %d is outside the vocabulary [0, %d)", id, i, len(t.idToToken))
		}
		if skipSpecial && t.IsSpecial(id) {
			continue
		}
		toks = append(toks, s)
	}
	var out string
	if t.decoder != nil {
		out = strings.Join(t.decoder.decodeChain(toks), "")
	} else {
		out = strings.Join(toks, " ")
	}
	if cleanUp {
		out = cleanUpTokenization(out)
	}
	return out, nil
}
