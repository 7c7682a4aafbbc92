package tokenize

// PreTokens calls fn with each pre-token of text, in order: the raw UTF-8
// bytes that BPE would then merge, after added-token extraction (added tokens
// themselves are skipped), normalisation and the pre-tokenizer, exactly as
// Encode splits the text. fn must not keep pre after it returns. A BPE
// trainer uses this so that its words are the tokenizer's words (rim's one
// implementation of the regex split, see split.go).
func (t *Tokenizer) PreTokens(text string, fn func(pre []byte)) {
	sc := scratchPool.Get().(*scratch)
	sc.text = appendText(sc.text.b[:0], sc.text.al[:0], text)
	sc.segs = t.rawMatch.split(sc.text, sc.segs[:0])
	for _, s := range sc.segs {
		if s.tok != nil {
			continue
		}
		nt := s.t
		if t.normalizer != nil {
			nt = t.normalizer.normalize(nt)
		}
		sc.segs2 = t.normMatch.split(nt, sc.segs2[:0])
		for _, s2 := range sc.segs2 {
			if s2.tok != nil {
				continue
			}
			sc.pieces = append(sc.pieces[:0], s2.t)
			if t.pre != nil {
				sc.pieces = t.pre.split([]ntext{s2.t}, sc.pieces[:0], sc)
			}
			for _, p := range sc.pieces {
				if len(p.b) > 0 {
					fn(p.b)
				}
			}
		}
	}
	if cap(sc.text.b) < 1<<20 {
		scratchPool.Put(sc)
	}
}

// ByteLevelChar returns the character a byte-level BPE vocabulary writes byte
// b as (GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for
// themselves, the others map to U+0100 onwards in byte order).
func ByteLevelChar(b byte) rune { return byteToChar[b] }
