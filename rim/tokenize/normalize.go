package tokenize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalizer transforms text while keeping each output byte's origin.
type normalizer interface {
	normalize(t ntext) ntext
}

type normSeq []normalizer

func (s normSeq) normalize(t ntext) ntext {
	for _, n := range s {
		t = n.normalize(t)
	}
	return t
}

// unicodeNorm applies a Unicode normal form (NFC, NFD, NFKC, NFKD). Within
// each normalisation segment of m input and k output characters, output
// character 0 takes the origin of input character 0; when the segment shrinks
// (composition, k <= m) output j > 0 takes input j+m-k, so the absorbed
// characters right after the first are covered by no token; when it grows
// (decomposition) output j takes input min(j, m-1). This reproduces the
// alignments of HF's transform (checked against the Rust library in
// testdata/tokenize/hfref).
type unicodeNorm struct{ form norm.Form }

func (u unicodeNorm) normalize(t ntext) ntext {
	if u.form.IsNormal(t.b) {
		return t
	}
	out := ntext{b: make([]byte, 0, len(t.b)+8), al: make([]span, 0, len(t.b)+8)}
	var it norm.Iter
	it.Init(u.form, t.b)
	var starts []int
	var acc []byte // output of the current segment; the iterator may emit a
	in0 := 0       // compatibility decomposition in several pieces before it consumes input
	for !it.Done() {
		acc = append(acc, it.Next()...)
		in1 := it.Pos()
		if in1 == in0 {
			continue
		}
		starts = starts[:0]
		for i := in0; i < in1; {
			starts = append(starts, i)
			_, w := utf8.DecodeRune(t.b[i:in1])
			i += w
		}
		starts = append(starts, in1)
		m, k := len(starts)-1, utf8.RuneCount(acc)
		for j, at := 0, 0; at < len(acc); j++ {
			_, w := utf8.DecodeRune(acc[at:])
			c := min(j, m-1)
			if k <= m && j > 0 {
				c = j + m - k
			}
			o := t.origin(starts[c], starts[c+1])
			out.b = append(out.b, acc[at:at+w]...)
			for range w {
				out.al = append(out.al, o)
			}
			at += w
		}
		acc, in0 = acc[:0], in1
	}
	if len(acc) > 0 { // not expected: output after all input was consumed
		o := t.origin(len(t.b), len(t.b))
		out.b = append(out.b, acc...)
		for range acc {
			out.al = append(out.al, o)
		}
	}
	return out
}

// lowercase maps every character to its lower case like Rust's
// char::to_lowercase: Go's unicode.ToLower plus the one unconditional
// multi-character mapping of SpecialCasing.txt, U+0130 → "i\u0307".
type lowercase struct{}

func (lowercase) normalize(t ntext) ntext {
	out := ntext{b: make([]byte, 0, len(t.b)), al: make([]span, 0, len(t.b))}
	for i := 0; i < len(t.b); {
		r, n := utf8.DecodeRune(t.b[i:])
		o := t.origin(i, i+n)
		m := len(out.b)
		if r == 0x130 {
			out.b = append(out.b, "i\u0307"...)
		} else {
			out.b = utf8.AppendRune(out.b, unicode.ToLower(r))
		}
		for k := m; k < len(out.b); k++ {
			out.al = append(out.al, o)
		}
		i += n
	}
	return out
}

// prepend adds a string in front of non-empty text (HF Prepend normaliser); the
// new bytes take the origin of the first character.
type prepend struct{ s string }

func (p prepend) normalize(t ntext) ntext {
	if len(t.b) == 0 {
		return t
	}
	_, n := utf8.DecodeRune(t.b)
	o := t.origin(0, n)
	out := ntext{b: make([]byte, 0, len(t.b)+len(p.s)), al: make([]span, 0, len(t.b)+len(p.s))}
	out.b = append(out.b, p.s...)
	for range len(p.s) {
		out.al = append(out.al, o)
	}
	out.b = append(out.b, t.b...)
	out.al = append(out.al, t.al...)
	return out
}

// replace substitutes every occurrence of a literal string (HF Replace
// normaliser/decoder with a String pattern); replacement bytes take the origin
// of the bytes they replace.
type replace struct{ pat, with string }

func (r replace) normalize(t ntext) ntext {
	if r.pat == "" || !bytes.Contains(t.b, []byte(r.pat)) {
		return t
	}
	out := ntext{b: make([]byte, 0, len(t.b)+8), al: make([]span, 0, len(t.b)+8)}
	for i := 0; i < len(t.b); {
		if bytes.HasPrefix(t.b[i:], []byte(r.pat)) {
			o := t.origin(i, i+len(r.pat))
			out.b = append(out.b, r.with...)
			for range len(r.with) {
				out.al = append(out.al, o)
			}
			i += len(r.pat)
			continue
		}
		out.b = append(out.b, t.b[i])
		out.al = append(out.al, t.al[i])
		i++
	}
	return out
}

// strip removes leading and/or trailing whitespace (HF Strip normaliser).
type strip struct{ left, right bool }

func (s strip) normalize(t ntext) ntext {
	i, j := 0, len(t.b)
	if s.left {
		for i < j {
			r, n := utf8.DecodeRune(t.b[i:j])
			if !unicode.IsSpace(r) {
				break
			}
			i += n
		}
	}
	if s.right {
		for j > i {
			r, n := utf8.DecodeLastRune(t.b[i:j])
			if !unicode.IsSpace(r) {
				break
			}
			j -= n
		}
	}
	return t.sub(i, j)
}

// pattern is the {"String": ...} / {"Regex": ...} object of HF Split and Replace.
type pattern struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

type normJSON struct {
	Type        string            `json:"type"`
	Normalizers []json.RawMessage `json:"normalizers"`
	Prepend     string            `json:"prepend"`
	Pattern     pattern           `json:"pattern"`
	Content     string            `json:"content"`
	Left        bool              `json:"left"`
	Right       bool              `json:"right"`
}

func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var j normJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	switch j.Type {
	case "Sequence":
		var seq normSeq
		for _, r := range j.Normalizers {
			n, err := parseNormalizer(r)
			if err != nil {
				return nil, err
			}
			if n != nil {
				seq = append(seq, n)
			}
		}
		return seq, nil
	case "NFC":
		return unicodeNorm{norm.NFC}, nil
	case "NFD":
		return unicodeNorm{norm.NFD}, nil
	case "NFKC":
		return unicodeNorm{norm.NFKC}, nil
	case "NFKD":
		return unicodeNorm{norm.NFKD}, nil
	case "Lowercase":
		return lowercase{}, nil
	case "Prepend":
		return prepend{j.Prepend}, nil
	case "Replace":
		if j.Pattern.String == nil {
			return nil, fmt.Errorf("normalizer Replace: only String patterns are supported, got %s", strings.TrimSpace(string(raw)))
		}
		return replace{*j.Pattern.String, j.Content}, nil
	case "Strip":
		return strip{j.Left, j.Right}, nil
	}
	return nil, fmt.Errorf("normalizer type %q is not supported", j.Type)
}
