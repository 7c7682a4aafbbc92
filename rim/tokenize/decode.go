package tokenize

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// decoder is one step of tokenizer.json's decoder: it maps the list of token
// strings to a new list (HF Decoder::decode_chain); the final list is joined.
type decoder interface {
	decodeChain(toks []string) []string
}

type decSeq []decoder

func (s decSeq) decodeChain(t []string) []string {
	for _, d := range s {
		t = d.decodeChain(t)
	}
	return t
}

// byteLevelDec maps byte-level chars back to bytes and decodes them lossily.
// A token containing a char outside the byte-level table (an added token such
// as "<|im_end|>" is fine, all ASCII; others may not be) contributes its raw
// UTF-8 bytes, as in HF.
type byteLevelDec struct{}

func (byteLevelDec) decodeChain(toks []string) []string {
	var buf []byte
	for _, t := range toks {
		start := len(buf)
		ok := true
		for _, r := range t {
			b, in := charToByte[r]
			if !in {
				ok = false
				break
			}
			buf = append(buf, b)
		}
		if !ok {
			buf = append(buf[:start], t...)
		}
	}
	return []string{lossyString(buf)}
}

type replaceDec struct{ pat, with string }

func (r replaceDec) decodeChain(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = strings.ReplaceAll(t, r.pat, r.with)
	}
	return out
}

// byteFallbackDec turns runs of "<0xNN>" tokens into their bytes: the UTF-8
// string when valid, else one U+FFFD per byte token (HF ByteFallback).
type byteFallbackDec struct{}

func parseByteToken(t string) (byte, bool) {
	if len(t) != 6 || !strings.HasPrefix(t, "<0x") || t[5] != '>' {
		return 0, false
	}
	var v byte
	for _, c := range []byte(t[3:5]) {
		switch {
		case c >= '0' && c <= '9':
			v = v*16 + c - '0'
		case c >= 'A' && c <= 'F':
			v = v*16 + c - 'A' + 10
		case c >= 'a' && c <= 'f':
			v = v*16 + c - 'a' + 10
		default:
			return 0, false
		}
	}
	return v, true
}

func (byteFallbackDec) decodeChain(toks []string) []string {
	var out []string
	var pending []byte
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if utf8.Valid(pending) {
			out = append(out, string(pending))
		} else {
			for range pending {
				out = append(out, "\uFFFD")
			}
		}
		pending = pending[:0]
	}
	for _, t := range toks {
		if b, ok := parseByteToken(t); ok {
			pending = append(pending, b)
			continue
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out
}

type fuseDec struct{}

func (fuseDec) decodeChain(toks []string) []string { return []string{strings.Join(toks, "")} }

// stripDec removes up to start leading and stop trailing occurrences of a
// char from every token (HF Strip decoder).
type stripDec struct {
	content     rune
	start, stop int
}

func (s stripDec) decodeChain(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		rs := []rune(t)
		a := 0
		for a < s.start && a < len(rs) && rs[a] == s.content {
			a++
		}
		z := len(rs)
		for k := 0; k < s.stop && z > a && rs[z-1] == s.content; k++ {
			z--
		}
		out[i] = string(rs[a:z])
	}
	return out
}

// metaspaceDec replaces the metaspace char by a space; in the first token it
// is dropped instead unless the prepend scheme is "never" (HF Metaspace).
type metaspaceDec struct {
	repl      string
	stripLead bool
}

func (m metaspaceDec) decodeChain(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		if i == 0 && m.stripLead {
			// HF drops every replacement char of the first token, not only a leading one.
			out[i] = strings.ReplaceAll(t, m.repl, "")
			continue
		}
		out[i] = strings.ReplaceAll(t, m.repl, " ")
	}
	return out
}

type decJSON struct {
	Type          string            `json:"type"`
	Decoders      []json.RawMessage `json:"decoders"`
	Pattern       pattern           `json:"pattern"`
	Content       string            `json:"content"`
	Start         int               `json:"start"`
	Stop          int               `json:"stop"`
	Replacement   string            `json:"replacement"`
	PrependScheme string            `json:"prepend_scheme"`
	AddPrefix     *bool             `json:"add_prefix_space"`
}

func parseDecoder(raw json.RawMessage) (decoder, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var j decJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("decoder: %w", err)
	}
	switch j.Type {
	case "Sequence":
		var seq decSeq
		for _, r := range j.Decoders {
			d, err := parseDecoder(r)
			if err != nil {
				return nil, err
			}
			if d != nil {
				seq = append(seq, d)
			}
		}
		return seq, nil
	case "ByteLevel":
		return byteLevelDec{}, nil
	case "Replace":
		if j.Pattern.String == nil {
			return nil, fmt.Errorf("decoder Replace: only String patterns are supported")
		}
		return replaceDec{*j.Pattern.String, j.Content}, nil
	case "ByteFallback":
		return byteFallbackDec{}, nil
	case "Fuse":
		return fuseDec{}, nil
	case "Strip":
		rs := []rune(j.Content)
		if len(rs) != 1 {
			return nil, fmt.Errorf("decoder Strip: content %q must be one character", j.Content)
		}
		return stripDec{rs[0], j.Start, j.Stop}, nil
	case "Metaspace":
		repl := j.Replacement
		if repl == "" {
			repl = "▁"
		}
		lead := j.PrependScheme != "never"
		if j.PrependScheme == "" && j.AddPrefix != nil {
			lead = *j.AddPrefix
		}
		return metaspaceDec{repl, lead}, nil
	}
	return nil, fmt.Errorf("decoder type %q is not supported", j.Type)
}

// cleanUpTokenization is transformers' clean_up_tokenization: it removes the
// space before punctuation and English contractions.
func cleanUpTokenization(s string) string {
	return cleanUpReplacer.Replace(s)
}

// The replacements are applied one after the other in transformers; a single
// strings.Replacer would differ on overlapping patterns (" ' " then " 's"), so
// they are applied in sequence.
var cleanUpReplacer = seqReplacer{
	" .", ".", " ?", "?", " !", "!", " ,", ",", " ' ", "'", " n't", "n't",
	" 'm", "'m", " 's", "'s", " 've", "'ve", " 're", "'re",
}

type seqReplacer []string

func (r seqReplacer) Replace(s string) string {
	for i := 0; i+1 < len(r); i += 2 {
		s = strings.ReplaceAll(s, r[i], r[i+1])
	}
	return s
}
