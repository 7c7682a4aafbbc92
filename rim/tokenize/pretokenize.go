package tokenize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// preTokenizer splits each piece of text into smaller pieces (pre-tokens);
// BPE then runs on each pre-token separately.
// split appends the pre-tokens of every piece of in to out; sc holds reusable
// buffers (encoding allocates little per call).
type preTokenizer interface {
	split(in, out []ntext, sc *scratch) []ntext
}

// scratch holds per-call buffers, recycled through a sync.Pool.
type scratch struct {
	ranges [][2]int
	seq    [2][]ntext
	pieces []ntext
	segs   []segment
	segs2  []segment
	text   ntext
}

// preSeq is a flat sequence (nested Sequences are flattened at load time).
type preSeq []preTokenizer

func (s preSeq) split(in, out []ntext, sc *scratch) []ntext {
	cur := in
	for i, t := range s {
		if i == len(s)-1 {
			return t.split(cur, out, sc)
		}
		sc.seq[i%2] = t.split(cur, sc.seq[i%2][:0], sc)
		cur = sc.seq[i%2]
	}
	return append(out, cur...)
}

// matcher appends the non-overlapping match ranges of a pattern in b to dst.
type matcher func(b []byte, dst [][2]int) [][2]int

// splitter is HF's Split pre-tokeniser: pattern matches, then a delimiter
// behaviour deciding what to do with the matches and the gaps.
type splitter struct {
	match    matcher
	behavior string // Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous
	invert   bool
}

func (s splitter) split(in, out []ntext, sc *scratch) []ntext {
	for _, p := range in {
		sc.ranges = s.match(p.b, sc.ranges[:0])
		if s.behavior == "Isolated" && !s.invert {
			at := 0
			for _, r := range sc.ranges {
				if r[0] > at {
					out = append(out, p.sub(at, r[0]))
				}
				if r[1] > r[0] {
					out = append(out, p.sub(r[0], r[1]))
				}
				at = r[1]
			}
			if at < len(p.b) {
				out = append(out, p.sub(at, len(p.b)))
			}
			continue
		}
		for _, r := range applyBehavior(len(p.b), sc.ranges, s.behavior, s.invert) {
			out = append(out, p.sub(r[0], r[1]))
		}
	}
	return out
}

// applyBehavior turns matches in a text of n bytes into the ranges to keep
// (HF NormalizedString::split with SplitDelimiterBehavior); empty ranges are
// dropped.
func applyBehavior(n int, matches [][2]int, behavior string, invert bool) [][2]int {
	type part struct {
		r     [2]int
		match bool
	}
	var parts []part
	at := 0
	for _, m := range matches {
		if m[0] > at {
			parts = append(parts, part{[2]int{at, m[0]}, false})
		}
		if m[1] > m[0] {
			parts = append(parts, part{m, true})
		}
		at = m[1]
	}
	if at < n {
		parts = append(parts, part{[2]int{at, n}, false})
	}
	if invert {
		for i := range parts {
			parts[i].match = !parts[i].match
		}
	}
	var out [][2]int
	switch behavior {
	case "Removed":
		for _, p := range parts {
			if !p.match {
				out = append(out, p.r)
			}
		}
	case "MergedWithPrevious":
		prevMatch := true
		for _, p := range parts {
			if p.match && !prevMatch && len(out) > 0 {
				out[len(out)-1][1] = p.r[1]
			} else {
				out = append(out, p.r)
			}
			prevMatch = p.match
		}
	case "MergedWithNext":
		// Mirror of MergedWithPrevious, walking backwards (as HF does).
		nextMatch := true
		for i := len(parts) - 1; i >= 0; i-- {
			p := parts[i]
			if p.match && !nextMatch && len(out) > 0 {
				out[len(out)-1][0] = p.r[0]
			} else {
				out = append(out, p.r)
			}
			nextMatch = p.match
		}
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	case "Contiguous":
		prevMatch := false
		for i, p := range parts {
			if i > 0 && p.match && prevMatch {
				out[len(out)-1][1] = p.r[1]
			} else {
				out = append(out, p.r)
			}
			prevMatch = p.match
		}
	default: // Isolated
		for _, p := range parts {
			out = append(out, p.r)
		}
	}
	return out
}

// byteLevelPre is HF's ByteLevel pre-tokeniser: optional prefix space, optional
// GPT-2 regex split. The byte→char mapping itself is done by the BPE model,
// which works on raw bytes when the tokenizer is byte-level.
type byteLevelPre struct {
	addPrefixSpace bool
	useRegex       bool
}

func (b byteLevelPre) split(in, out []ntext, sc *scratch) []ntext {
	for _, p := range in {
		if b.addPrefixSpace && !bytes.HasPrefix(p.b, []byte(" ")) {
			p = prepend{" "}.normalize(p)
		}
		if !b.useRegex {
			out = append(out, p)
			continue
		}
		sc.ranges = splitGPT2(p.b, sc.ranges[:0])
		for _, r := range sc.ranges {
			out = append(out, p.sub(r[0], r[1]))
		}
	}
	return out
}

// metaspace is HF's Metaspace pre-tokeniser (newer Llama-2/Mistral files):
// spaces become the replacement char, a prefix is added per prepend scheme, and
// the text is split before each replacement char.
type metaspace struct {
	repl   string
	scheme string // always, first, never
	split_ bool
}

func (m metaspace) split(in, out []ntext, sc *scratch) []ntext {
	for _, p := range in {
		p = replace{" ", m.repl}.normalize(p)
		if len(p.b) > 0 && !bytes.HasPrefix(p.b, []byte(m.repl)) {
			if m.scheme == "always" || (m.scheme == "first" && p.al[0].s == 0) {
				p = prepend{m.repl}.normalize(p)
			}
		}
		if !m.split_ {
			out = append(out, p)
			continue
		}
		var ms [][2]int
		for i := 0; i < len(p.b); {
			k := bytes.Index(p.b[i:], []byte(m.repl))
			if k < 0 {
				break
			}
			ms = append(ms, [2]int{i + k, i + k + len(m.repl)})
			i += k + len(m.repl)
		}
		for _, r := range applyBehavior(len(p.b), ms, "MergedWithNext", false) {
			out = append(out, p.sub(r[0], r[1]))
		}
	}
	return out
}

// digits is HF's Digits pre-tokeniser.
type digits struct{ individual bool }

func (d digits) split(in, out []ntext, sc *scratch) []ntext {
	s := splitter{behavior: "Isolated", match: func(b []byte, ms [][2]int) [][2]int {
		for i := 0; i < len(b); {
			r, w := runeAt(b, i)
			if !unicode.IsNumber(r) {
				i += w
				continue
			}
			if d.individual {
				ms = append(ms, [2]int{i, i + w})
				i += w
				continue
			}
			j := runOf(b, i, unicode.IsNumber, 0)
			ms = append(ms, [2]int{i, j})
			i = j
		}
		return ms
	}}
	if !d.individual {
		s.behavior = "Contiguous"
	}
	return s.split(in, out, sc)
}

// whitespaceSplit is HF's WhitespaceSplit: split on whitespace, dropping it.
type whitespaceSplit struct{}

func (whitespaceSplit) split(in, out []ntext, sc *scratch) []ntext {
	s := splitter{behavior: "Removed", match: func(b []byte, ms [][2]int) [][2]int {
		for i := 0; i < len(b); {
			r, w := utf8.DecodeRune(b[i:])
			if unicode.IsSpace(r) {
				ms = append(ms, [2]int{i, i + w})
			}
			i += w
		}
		return ms
	}}
	return s.split(in, out, sc)
}

var (
	// cl100kPattern is the cl100k-family regex with its digit quantifier cut out.
	cl100kHead   = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}`
	cl100kTail   = `| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	gpt2Pattern  = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	digitQuantRe = regexp.MustCompile(`^\{1,([1-9])\}$`)
)

// regexMatcher returns the matcher for a Split regex: the hand-written
// splitters for the known families, Go's regexp for anything else it can
// compile (patterns without lookaround).
func regexMatcher(pat string) (matcher, error) {
	if pat == gpt2Pattern {
		return splitGPT2, nil
	}
	if strings.HasPrefix(pat, cl100kHead) && strings.HasSuffix(pat, cl100kTail) {
		q := pat[len(cl100kHead) : len(pat)-len(cl100kTail)]
		n := 0
		switch {
		case q == "":
			n = 1
		case q == "+":
			n = 0
		default:
			m := digitQuantRe.FindStringSubmatch(q)
			if m == nil {
				return nil, fmt.Errorf("pre-tokenizer regex %q: unsupported digit quantifier %q", pat, q)
			}
			n = int(m[1][0] - '0')
		}
		return func(b []byte, dst [][2]int) [][2]int { return splitCL100K(b, n, dst) }, nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("pre-tokenizer regex %q is not supported (not a known GPT-2/cl100k pattern, and Go's regexp rejects it: %v)", pat, err)
	}
	return func(b []byte, out [][2]int) [][2]int {
		for _, m := range re.FindAllIndex(b, -1) {
			out = append(out, [2]int{m[0], m[1]})
		}
		return out
	}, nil
}

type preJSON struct {
	Type           string            `json:"type"`
	Pretokenizers  []json.RawMessage `json:"pretokenizers"`
	Pattern        pattern           `json:"pattern"`
	Behavior       string            `json:"behavior"`
	Invert         bool              `json:"invert"`
	AddPrefixSpace bool              `json:"add_prefix_space"`
	UseRegex       *bool             `json:"use_regex"`
	Replacement    string            `json:"replacement"`
	PrependScheme  string            `json:"prepend_scheme"`
	Split          *bool             `json:"split"`
	Individual     bool              `json:"individual_digits"`
}

// parsePreTokenizer reads the pre_tokenizer object; byteLevel reports whether
// a ByteLevel step is present (the model then works on bytes).
func parsePreTokenizer(raw json.RawMessage, byteLevel *bool) (preTokenizer, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var j preJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	switch j.Type {
	case "Sequence":
		var seq preSeq
		for _, r := range j.Pretokenizers {
			p, err := parsePreTokenizer(r, byteLevel)
			if err != nil {
				return nil, err
			}
			if inner, ok := p.(preSeq); ok {
				seq = append(seq, inner...)
			} else if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	case "Split":
		var m matcher
		switch {
		case j.Pattern.Regex != nil:
			var err error
			if m, err = regexMatcher(*j.Pattern.Regex); err != nil {
				return nil, err
			}
		case j.Pattern.String != nil:
			lit := []byte(*j.Pattern.String)
			m = func(b []byte, out [][2]int) [][2]int {
				for i := 0; len(lit) > 0 && i < len(b); {
					k := bytes.Index(b[i:], lit)
					if k < 0 {
						break
					}
					out = append(out, [2]int{i + k, i + k + len(lit)})
					i += k + len(lit)
				}
				return out
			}
		default:
			return nil, fmt.Errorf("pre_tokenizer Split: missing pattern")
		}
		switch j.Behavior {
		case "Isolated", "Removed", "MergedWithPrevious", "MergedWithNext", "Contiguous":
		default:
			return nil, fmt.Errorf("pre_tokenizer Split: unknown behavior %q", j.Behavior)
		}
		return splitter{m, j.Behavior, j.Invert}, nil
	case "ByteLevel":
		*byteLevel = true
		useRegex := j.UseRegex == nil || *j.UseRegex
		return byteLevelPre{j.AddPrefixSpace, useRegex}, nil
	case "Metaspace":
		repl := j.Replacement
		if repl == "" {
			repl = "▁"
		}
		scheme := j.PrependScheme
		if scheme == "" {
			scheme = "always"
		}
		return metaspace{repl, scheme, j.Split == nil || *j.Split}, nil
	case "Digits":
		return digits{j.Individual}, nil
	case "WhitespaceSplit":
		return whitespaceSplit{}, nil
	}
	return nil, fmt.Errorf("pre_tokenizer type %q is not supported", j.Type)
}
