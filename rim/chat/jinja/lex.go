package jinja

import (
	"fmt"
	"strings"
)

// tokKind is a lexical token kind inside a tag.
type tokKind int

const (
	tName tokKind = iota
	tString
	tInt
	tFloat
	tOp
	tEOF
)

type token struct {
	kind tokKind
	s    string // name, operator, or decoded string literal
	pos  int    // byte offset in the template source
}

// piece is a raw element of the template: text, an expression tag or a
// statement tag (its inner source).
type piece struct {
	kind   int // pText, pExpr, pStmt
	s      string
	pos    int
	lstrip bool // tag opened with "-": strip whitespace before it
	rstrip bool // tag closed with "-": strip whitespace after it
}

const (
	pText = iota
	pExpr
	pStmt
	pComment
)

// split cuts the source into text and tags, then applies whitespace
// control ("-" markers), trim_blocks (drop the first newline after a block
// or comment tag) and lstrip_blocks (drop spaces and tabs before a block or
// comment tag that starts its line), as transformers configures jinja2.
func split(src string) ([]piece, error) {
	var ps []piece
	i := 0
	for i < len(src) {
		j := indexTagStart(src, i)
		if j < 0 {
			ps = append(ps, piece{kind: pText, s: src[i:], pos: i})
			break
		}
		if j > i {
			ps = append(ps, piece{kind: pText, s: src[i:j], pos: i})
		}
		open := src[j : j+2]
		var kind int
		var close string
		switch open {
		case "{{":
			kind, close = pExpr, "}}"
		case "{%":
			kind, close = pStmt, "%}"
		default:
			kind, close = pComment, "#}"
		}
		k := j + 2
		p := piece{kind: kind, pos: j}
		if k < len(src) && src[k] == '-' {
			p.lstrip = true
			k++
		} else if k < len(src) && src[k] == '+' {
			k++ // "{%+" disables lstrip_blocks; treated like a plain tag
		}
		end := -1
		if kind == pComment {
			end = strings.Index(src[k:], close)
			if end >= 0 {
				end += k
			}
		} else {
			end = findClose(src, k, close)
		}
		if end < 0 {
			return nil, fmt.Errorf("unclosed %q at byte %d", open, j)
		}
		inner := src[k:end]
		if strings.HasSuffix(inner, "-") {
			p.rstrip = true
			inner = inner[:len(inner)-1]
		} else if strings.HasSuffix(inner, "+") && kind != pExpr {
			inner = inner[:len(inner)-1]
		}
		p.s = inner
		ps = append(ps, p)
		i = end + 2
	}
	// whitespace control
	for n := range ps {
		p := &ps[n]
		if p.kind == pText {
			continue
		}
		if p.lstrip && n > 0 && ps[n-1].kind == pText {
			ps[n-1].s = strings.TrimRight(ps[n-1].s, " \t\n\r\v\f")
		}
		if p.rstrip && n+1 < len(ps) && ps[n+1].kind == pText {
			ps[n+1].s = strings.TrimLeft(ps[n+1].s, " \t\n\r\v\f")
		}
	}
	// trim_blocks and lstrip_blocks
	for n := range ps {
		p := ps[n]
		if p.kind != pStmt && p.kind != pComment {
			continue
		}
		if !p.rstrip && n+1 < len(ps) && ps[n+1].kind == pText {
			t := ps[n+1].s
			if strings.HasPrefix(t, "\r\n") {
				ps[n+1].s = t[2:]
			} else if strings.HasPrefix(t, "\n") {
				ps[n+1].s = t[1:]
			}
		}
		if !p.lstrip && n > 0 && ps[n-1].kind == pText {
			t := ps[n-1].s
			k := strings.LastIndexAny(t, "\n")
			tail := t[k+1:]
			atLineStart := k >= 0 || n-1 == 0
			if atLineStart && strings.Trim(tail, " \t") == "" {
				ps[n-1].s = t[:k+1]
			}
		}
	}
	return ps, nil
}

// indexTagStart finds the next "{{", "{%" or "{#" at or after i.
func indexTagStart(src string, i int) int {
	for {
		j := strings.IndexByte(src[i:], '{')
		if j < 0 || i+j+1 >= len(src) {
			return -1
		}
		j += i
		if c := src[j+1]; c == '{' || c == '%' || c == '#' {
			return j
		}
		i = j + 1
	}
}

// findClose finds close after k, skipping string literals.
func findClose(src string, k int, close string) int {
	for i := k; i+1 < len(src); i++ {
		switch c := src[i]; c {
		case '\'', '"':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		default:
			if src[i:i+2] == close {
				return i
			}
		}
	}
	return -1
}

var ops2 = []string{"==", "!=", "<=", ">=", "//", "**"}

// lex tokenises the inside of a tag.
func lex(s string, base int) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			out = append(out, token{tName, s[i:j], base + i})
			i = j
		case c >= '0' && c <= '9':
			j := i
			isFloat := false
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '_') {
				j++
			}
			if j+1 < len(s) && s[j] == '.' && s[j+1] >= '0' && s[j+1] <= '9' {
				isFloat = true
				j++
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k < len(s) && s[k] >= '0' && s[k] <= '9' {
					isFloat = true
					for j = k; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
					}
				}
			}
			kind := tInt
			if isFloat {
				kind = tFloat
			}
			out = append(out, token{kind, strings.ReplaceAll(s[i:j], "_", ""), base + i})
			i = j
		case c == '\'' || c == '"':
			str, n, err := unquote(s[i:])
			if err != nil {
				return nil, fmt.Errorf("byte %d: %w", base+i, err)
			}
			out = append(out, token{tString, str, base + i})
			i += n
		default:
			op := ""
			for _, o := range ops2 {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				if !strings.ContainsRune("+-*/%~=<>()[]{},.:|!", rune(c)) {
					return nil, fmt.Errorf("byte %d: unexpected character %q", base+i, c)
				}
				op = s[i : i+1]
			}
			out = append(out, token{tOp, op, base + i})
			i += len(op)
		}
	}
	out = append(out, token{tEOF, "", base + len(s)})
	return out, nil
}

// unquote reads a Python string literal at the start of s and returns its
// value and length.
func unquote(s string) (string, int, error) {
	q := s[0]
	var sb strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == q {
			return sb.String(), i + 1, nil
		}
		if c != '\\' || i+1 >= len(s) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			sb.WriteByte('\n')
		case 't':
			sb.WriteByte('\t')
		case 'r':
			sb.WriteByte('\r')
		case '\\', '\'', '"':
			sb.WriteByte(e)
		case '0':
			sb.WriteByte(0)
		case 'a':
			sb.WriteByte('\a')
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'v':
			sb.WriteByte('\v')
		case 'u', 'x', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+n >= len(s) {
				return "", 0, fmt.Errorf("short \\%c escape", e)
			}
			var r rune
			if _, err := fmt.Sscanf(s[i+1:i+1+n], "%x", &r); err != nil {
				return "", 0, fmt.Errorf("bad \\%c escape", e)
			}
			sb.WriteRune(r)
			i += n
		case '\n':
		default:
			sb.WriteByte('\\')
			sb.WriteByte(e)
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}
