package tokenize

import (
	"unicode"
	"unicode/utf8"
)

// This file hand-writes the two regex families that byte-level BPE
// tokenizers use, because Go's regexp has no lookahead and both end in
// `\s+(?!\S)|\s+`. Each function returns the matches of the pattern found by
// a leftmost-first backtracking engine (Oniguruma, which HF tokenizers use),
// alternative by alternative, so the result is exactly the regex's.
//
// cl100k family (Qwen2/3 with digits=1, Llama-3/OLMo2 with digits=3):
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,digits}|
//	 ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// GPT-2 family (ByteLevel use_regex, GPT-2/NeoX/OLMoE):
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// \s is Unicode White_Space (Oniguruma's \s in UTF-8 mode equals Go's
// unicode.IsSpace), \p{L} and \p{N} are the Unicode categories.

func isL(r rune) bool { return unicode.IsLetter(r) }
func isN(r rune) bool { return unicode.IsNumber(r) }
func isS(r rune) bool { return unicode.IsSpace(r) }

// isP is [^\s\p{L}\p{N}].
func isP(r rune) bool { return !isS(r) && !isL(r) && !isN(r) }

func isNL(r rune) bool { return r == '\r' || r == '\n' }

func runeAt(b []byte, i int) (rune, int) {
	if i >= len(b) {
		return -1, 0
	}
	if b[i] < utf8.RuneSelf {
		return rune(b[i]), 1
	}
	return utf8.DecodeRune(b[i:])
}

// contraction returns the length of 's|'t|'re|'ve|'m|'ll|'d at i (0 if none).
func contraction(b []byte, i int, fold bool) int {
	if i >= len(b) || b[i] != '\'' {
		return 0
	}
	low := func(k int) rune {
		r, _ := runeAt(b, k)
		if fold {
			if r == 'ſ' { // U+017F folds to 's' under (?i)
				return 's'
			}
			return unicode.ToLower(r)
		}
		return r
	}
	c1 := low(i + 1)
	switch c1 {
	case 's', 't', 'm', 'd':
		_, w := runeAt(b, i+1)
		return 1 + w
	case 'r', 'v', 'l':
		want := map[rune]rune{'r': 'e', 'v': 'e', 'l': 'l'}[c1]
		_, w1 := runeAt(b, i+1)
		if low(i+1+w1) == want {
			_, w2 := runeAt(b, i+1+w1)
			return 1 + w1 + w2
		}
	}
	return 0
}

// runOf returns the end of the run of runes satisfying f starting at i, taking
// at most max runes (max <= 0: unlimited).
func runOf(b []byte, i int, f func(rune) bool, max int) int {
	n := 0
	for i < len(b) && (max <= 0 || n < max) {
		r, w := runeAt(b, i)
		if !f(r) {
			break
		}
		i += w
		n++
	}
	return i
}

// spaceTail applies `\s+(?!\S)|\s+` to the whitespace run [i, k).
func spaceTail(b []byte, i, k int) int {
	if k == len(b) {
		return k
	}
	_, lw := utf8.DecodeLastRune(b[i:k])
	if k-lw > i { // at least two whitespace runes: give the last one back
		return k - lw
	}
	return k
}

// splitCL100K returns the match ranges of the cl100k-family pattern.
func splitCL100K(b []byte, digits int, out [][2]int) [][2]int {
	for i := 0; i < len(b); {
		end := matchCL100K(b, i, digits)
		out = append(out, [2]int{i, end})
		i = end
	}
	return out
}

func matchCL100K(b []byte, i, digits int) int {
	if n := contraction(b, i, true); n > 0 {
		return i + n
	}
	c, w := runeAt(b, i)
	c2, _ := runeAt(b, i+w)
	switch {
	case isL(c):
		return runOf(b, i, isL, 0)
	case !isNL(c) && !isN(c) && isL(c2):
		return runOf(b, i+w, isL, 0)
	case isN(c):
		return runOf(b, i, isN, digits)
	}
	if c == ' ' && isP(c2) {
		j := runOf(b, i+w, isP, 0)
		return runOf(b, j, isNL, 0)
	}
	if isP(c) {
		j := runOf(b, i, isP, 0)
		return runOf(b, j, isNL, 0)
	}
	// c is whitespace.
	k := runOf(b, i, isS, 0)
	lastNL := -1
	for j := i; j < k; {
		r, rw := runeAt(b, j)
		if isNL(r) {
			lastNL = j + rw
		}
		j += rw
	}
	if lastNL > 0 {
		return lastNL
	}
	return spaceTail(b, i, k)
}

// splitGPT2 returns the match ranges of the GPT-2 pattern.
func splitGPT2(b []byte, out [][2]int) [][2]int {
	for i := 0; i < len(b); {
		end := matchGPT2(b, i)
		out = append(out, [2]int{i, end})
		i = end
	}
	return out
}

func matchGPT2(b []byte, i int) int {
	if n := contraction(b, i, false); n > 0 {
		return i + n
	}
	c, w := runeAt(b, i)
	c2, _ := runeAt(b, i+w)
	start := i
	if c == ' ' && (isL(c2) || isN(c2) || isP(c2)) {
		start, c = i+w, c2
	}
	switch {
	case isL(c):
		return runOf(b, start, isL, 0)
	case isN(c):
		return runOf(b, start, isN, 0)
	case isP(c):
		return runOf(b, start, isP, 0)
	}
	k := runOf(b, i, isS, 0)
	return spaceTail(b, i, k)
}
