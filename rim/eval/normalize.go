package eval

import (
	"regexp"
	"strings"
)

// Normalize canonicalises an answer string for comparison: it drops math
// delimiters ($, \( \), \[ \]), \left/\right, spacing commands, \text{…} and
// similar wrappers (keeping their content), degree signs, "\%" and "%",
// trailing full stops, thousands separators in numbers, spaces; it rewrites
// \dfrac/\tfrac to \frac, "\frac12" to "\frac{1}{2}" and "\sqrt2" to
// "\sqrt{2}". The result is compared literally and, where it parses, as a
// number (see Equivalent).
func Normalize(s string) string {
	s = strings.TrimSpace(s)
	for _, r := range []struct{ old, new string }{
		{`\$`, ""}, {"$", ""}, {`\(`, ""}, {`\)`, ""}, {`\[`, ""}, {`\]`, ""},
		{`\left`, ""}, {`\right`, ""}, {`\!`, ""}, {`\,`, ""}, {`\;`, ""}, {`\:`, ""}, {`\ `, ""},
		{`\displaystyle`, ""}, {`\dfrac`, `\frac`}, {`\tfrac`, `\frac`},
		{`^{\circ}`, ""}, {`^\circ`, ""}, {`°`, ""}, {`\circ`, ""}, {`\%`, ""}, {"%", ""},
		{`\cdot`, `*`}, {`\times`, `*`}, {`\div`, `/`}, {"−", "-"}, {`\le`, "<="}, {`\ge`, ">="},
	} {
		s = strings.ReplaceAll(s, r.old, r.new)
	}
	s = unwrapCommands(s, []string{`\text`, `\textbf`, `\mathrm`, `\mathbf`, `\mbox`, `\operatorname`, `\boxed`})
	s = strings.Join(strings.Fields(s), "")
	s = strings.TrimRight(s, ".")
	if !strings.ContainsAny(s, "([{") { // inside brackets a comma separates coordinates
		s = thousandsRE.ReplaceAllStringFunc(s, func(m string) string { return strings.ReplaceAll(m, ",", "") })
	}
	s = shortFracRE.ReplaceAllString(s, `\frac{$1}{$2}`)
	s = shortSqrtRE.ReplaceAllString(s, `\sqrt{$1}`)
	s = strings.ReplaceAll(s, "{,}", "")
	return s
}

// thousandsRE matches a number grouped in thousands ("1,234,567") that is not
// part of a longer comma list such as "1,-2" or "3,5,7". Grouping is only
// accepted when every group has exactly three digits and the whole token is
// not followed by more digits.
var thousandsRE = regexp.MustCompile(`(?:^|[^\d,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:$|[^\d,])`)

var (
	shortFracRE = regexp.MustCompile(`\\frac(\d)(\d)`)
	shortSqrtRE = regexp.MustCompile(`\\sqrt(\d+)`)
)

// unwrapCommands replaces \cmd{x} by x for each named command (nested braces
// matched).
func unwrapCommands(s string, cmds []string) string {
	for _, c := range cmds {
		for {
			i := strings.Index(s, c+"{")
			if i < 0 {
				break
			}
			inner, ok := braceContent(s[i+len(c):])
			if !ok {
				break
			}
			s = s[:i] + inner + s[i+len(c)+len(inner)+2:]
		}
	}
	return s
}
