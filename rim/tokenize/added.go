package tokenize

import (
	"bytes"
	"sort"
	"unicode"
	"unicode/utf8"
)

// AddedToken is an entry of tokenizer.json's added_tokens: a string matched
// as a whole in the text before (Normalized false) or after (Normalized true)
// normalisation, never split by BPE.
type AddedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"` // only matched between word boundaries
	LStrip     bool   `json:"lstrip"`      // swallows whitespace on its left
	RStrip     bool   `json:"rstrip"`      // swallows whitespace on its right
	Normalized bool   `json:"normalized"`  // matched in normalised text
	Special    bool   `json:"special"`     // dropped by skip_special_tokens
}

// addedMatcher finds added tokens leftmost-longest (HF uses an Aho-Corasick
// automaton with MatchKind::LeftmostLongest; with at most a few hundred
// patterns, candidates bucketed by first byte and sorted longest-first give the
// same matches).
type addedMatcher struct {
	first [256][]addedPat
}

type addedPat struct {
	pat []byte
	tok *AddedToken
}

func newAddedMatcher(toks []*AddedToken, pats []string) *addedMatcher {
	if len(toks) == 0 {
		return nil
	}
	m := &addedMatcher{}
	for i, t := range toks {
		if pats[i] == "" {
			continue
		}
		p := []byte(pats[i])
		m.first[p[0]] = append(m.first[p[0]], addedPat{p, t})
	}
	for b := range m.first {
		sort.SliceStable(m.first[b], func(i, j int) bool { return len(m.first[b][i].pat) > len(m.first[b][j].pat) })
	}
	return m
}

// segment is a piece of the text after added-token extraction: either an added
// token (tok != nil) or text still to be tokenised.
type segment struct {
	t   ntext
	tok *AddedToken
}

// isWordRune approximates Rust regex's Unicode \w (Alphabetic, marks, decimal
// digits, connector punctuation, joiners), used by single_word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.M, r) || unicode.Is(unicode.Nd, r) ||
		unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Pc, r) || r == 0x200C || r == 0x200D
}

// split extracts added tokens from t (HF AddedVocabulary::find_matches).
func (m *addedMatcher) split(t ntext, out []segment) []segment {
	if m == nil || len(t.b) == 0 {
		return append(out, segment{t: t})
	}
	b := t.b
	at := 0
	for i := 0; i < len(b); {
		var hit *addedPat
		for k := range m.first[b[i]] {
			if bytes.HasPrefix(b[i:], m.first[b[i]][k].pat) {
				hit = &m.first[b[i]][k]
				break
			}
		}
		if hit == nil {
			i++
			continue
		}
		start, stop := i, i+len(hit.pat)
		tk := hit.tok
		if tk.SingleWord {
			before, _ := utf8.DecodeLastRune(b[:start])
			after, _ := utf8.DecodeRune(b[stop:])
			if (start > 0 && before != utf8.RuneError && isWordRune(before)) || (stop < len(b) && isWordRune(after)) {
				i++
				continue
			}
		}
		if tk.LStrip {
			for start > at {
				r, w := utf8.DecodeLastRune(b[:start])
				if !unicode.IsSpace(r) {
					break
				}
				start -= w
			}
		}
		if tk.RStrip {
			for stop < len(b) {
				r, w := utf8.DecodeRune(b[stop:])
				if !unicode.IsSpace(r) {
					break
				}
				stop += w
			}
		}
		if start > at {
			out = append(out, segment{t: t.sub(at, start)})
		}
		out = append(out, segment{t: t.sub(start, stop), tok: tk})
		at, i = stop, stop
	}
	if at < len(b) {
		out = append(out, segment{t: t.sub(at, len(b))})
	}
	return out
}
