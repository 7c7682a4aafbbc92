package tokenize

import (
	"unicode/utf8"
)

// span is a half-open byte range [s, e) in the caller's original string.
type span struct{ s, e int32 }

// ntext is a (possibly normalised) piece of text: its bytes and, for each
// byte, the original byte range it came from (HF's NormalizedString alignments,
// kept per byte rather than per char).
type ntext struct {
	b  []byte
	al []span
}

func (t ntext) sub(i, j int) ntext { return ntext{t.b[i:j], t.al[i:j]} }

// origin returns the original range covered by bytes [i, j) of t.
func (t ntext) origin(i, j int) span {
	if i >= j {
		if i < len(t.al) {
			return span{t.al[i].s, t.al[i].s}
		}
		if len(t.al) > 0 {
			e := t.al[len(t.al)-1].e
			return span{e, e}
		}
		return span{}
	}
	r := t.al[i]
	for k := i + 1; k < j; k++ {
		if a := t.al[k]; a.s < r.s {
			r.s = a.s
		}
		if a := t.al[k]; a.e > r.e {
			r.e = a.e
		}
	}
	return r
}

// newText builds the ntext of an input string. Invalid UTF-8 is replaced by
// U+FFFD per maximal ill-formed subsequence (as Rust's from_utf8_lossy and
// Python's errors="replace" do); every byte of a character, or of the
// replacement, maps to the whole original character range.
func newText(s string) ntext {
	return appendText(make([]byte, 0, len(s)), make([]span, 0, len(s)), s)
}

// appendText is newText reusing the given buffers.
func appendText(b []byte, al []span, s string) ntext {
	t := ntext{b: b, al: al}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			n = invalidLen(s[i:])
			t.b = append(t.b, "\uFFFD"...)
			for k := 0; k < 3; k++ {
				t.al = append(t.al, span{int32(i), int32(i + n)})
			}
			i += n
			continue
		}
		t.b = append(t.b, s[i:i+n]...)
		for k := 0; k < n; k++ {
			t.al = append(t.al, span{int32(i), int32(i + n)})
		}
		i += n
	}
	return t
}

// invalidLen returns the length of the maximal prefix of s that is a
// (truncated) prefix of a well-formed UTF-8 sequence, at least 1: the unit that
// the Unicode "maximal subpart" practice (and Rust's from_utf8_lossy) replaces
// by a single U+FFFD. s must start with an ill-formed sequence.
func invalidLen(s string) int {
	c := s[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(s); k++ {
		b := s[n]
		if k == 0 {
			if b < lo || b > hi {
				return n
			}
		} else if b < 0x80 || b > 0xBF {
			return n
		}
		n++
	}
	return n
}

// lossyString converts bytes to a string, replacing each maximal ill-formed
// subsequence by U+FFFD (Rust's String::from_utf8_lossy).
func lossyString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	s := string(b)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			out = append(out, "\uFFFD"...)
			i += invalidLen(s[i:])
			continue
		}
		out = append(out, s[i:i+n]...)
		i += n
	}
	return string(out)
}
