package eval

import (
	"fmt"
	"regexp"
	"strings"
)

// Method is one way of finding the final answer in a response.
type Method string

const (
	MethodHash     Method = "####"        // GSM8K style: the text after the last "####"
	MethodBoxed    Method = "boxed"       // the last \boxed{…} (nested braces), also \fbox{…}
	MethodAnswerIs Method = "answer-is"   // "The (final) answer is …" / "Final answer: …"
	MethodLast     Method = "last-number" // the last number in the text
	MethodWhole    Method = "whole"       // the whole (short) answer text; off by default
	MethodNone     Method = ""            // nothing found
)

// DefaultOrder is the extraction order of docs/eval.md: ####, \boxed{}, "the
// answer is", last number.
var DefaultOrder = []Method{MethodHash, MethodBoxed, MethodAnswerIs, MethodLast}

// ParseOrder parses a comma-separated extraction order such as
// "boxed,####,answer-is,last-number".
func ParseOrder(s string) ([]Method, error) {
	var out []Method
	for _, f := range strings.Split(s, ",") {
		m := Method(strings.TrimSpace(f))
		switch m {
		case MethodHash, MethodBoxed, MethodAnswerIs, MethodLast, MethodWhole:
			out = append(out, m)
		default:
			return nil, fmt.Errorf("eval: unknown extraction method %q (want ####, boxed, answer-is, last-number, whole)", f)
		}
	}
	return out, nil
}

// AfterThink returns the part of a response after its reasoning: the text
// after the last "</think>". A response that opens "<think>" and never closes
// it was cut off mid-reasoning and has no answer (ok false). A response with
// no think tags is returned whole.
func AfterThink(resp string) (answer string, ok bool) {
	if i := strings.LastIndex(resp, "</think>"); i >= 0 {
		return resp[i+len("</think>"):], true
	}
	if strings.Contains(resp, "<think>") {
		return "", false
	}
	return resp, true
}

// Extract finds the final answer in a response's answer part (after
// AfterThink), trying the methods in order. It returns the raw answer text
// and the method that found it, or ok false.
func Extract(resp string, order []Method) (ans string, m Method, ok bool) {
	text, ok := AfterThink(resp)
	if !ok {
		return "", MethodNone, false
	}
	for _, m := range order {
		var a string
		switch m {
		case MethodHash:
			a = extractHash(text)
		case MethodBoxed:
			a = extractBoxed(text)
		case MethodAnswerIs:
			a = extractAnswerIs(text)
		case MethodLast:
			a = extractLastNumber(text)
		case MethodWhole:
			if t := strings.TrimSpace(text); len(t) <= 64 && !strings.Contains(t, "\n") {
				a = t
			}
		}
		if strings.TrimSpace(a) != "" {
			return strings.TrimSpace(a), m, true
		}
	}
	return "", MethodNone, false
}

func extractHash(s string) string {
	i := strings.LastIndex(s, "####")
	if i < 0 {
		return ""
	}
	rest := s[i+4:]
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// extractBoxed returns the content of the last \boxed{…} or \fbox{…},
// matching nested braces; an unclosed box yields "". "\boxed 5" (no braces)
// yields the following token.
func extractBoxed(s string) string {
	i := max(strings.LastIndex(s, `\boxed`), strings.LastIndex(s, `\fbox`))
	for i >= 0 {
		rest := s[i:]
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, `\boxed`), `\fbox`)
		if strings.HasPrefix(rest, "{") {
			if c, ok := braceContent(rest); ok {
				return c
			}
		} else if strings.HasPrefix(rest, " ") {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strings.TrimRight(f[0], "$.")
			}
		}
		// Malformed last box: try the previous one.
		j := max(strings.LastIndex(s[:i], `\boxed`), strings.LastIndex(s[:i], `\fbox`))
		i = j
	}
	return ""
}

// braceContent returns what lies between s's opening "{" and its matching
// "}"; escaped braces (\{ \}) do not count.
func braceContent(s string) (string, bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // skip the escaped character
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return s[1:i], true
			}
		}
	}
	return "", false
}

var answerIsRE = regexp.MustCompile(`(?i)(?:the\s+)?(?:final\s+)?answer\s*(?:is|:|=)\s*:?\s*`)

// extractAnswerIs takes the text after the last "answer is"/"answer:" up to
// the end of its line or sentence.
func extractAnswerIs(s string) string {
	locs := answerIsRE.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return ""
	}
	rest := s[locs[len(locs)-1][1]:]
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	// End of sentence: ". " or a trailing "." (a decimal point has a digit after it).
	for k := 0; k < len(rest); k++ {
		if rest[k] == '.' && (k+1 == len(rest) || rest[k+1] == ' ') {
			rest = rest[:k]
			break
		}
	}
	return strings.TrimSpace(rest)
}

var numberRE = regexp.MustCompile(`-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:/\d+)?|-?\.\d+`)

func extractLastNumber(s string) string {
	all := numberRE.FindAllString(s, -1)
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1]
}
