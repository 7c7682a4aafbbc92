package chat

import (
	"strings"
	"unicode"
)

// pyIsSpace reports whether Python's str.isspace() is true for r: Unicode
// White_Space (what unicode.IsSpace covers) plus the information separators
// U+001C..U+001F, which Python counts as whitespace and Go does not. The
// templates' str.strip() and jinja2's |trim use this definition.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyStrip is Python's s.strip() with no argument.
func pyStrip(s string) string { return strings.TrimFunc(s, pyIsSpace) }

// pyStripBounds returns the byte bounds [lo, hi) of pyStrip(s) within s.
func pyStripBounds(s string) (lo, hi int) {
	t := strings.TrimLeftFunc(s, pyIsSpace)
	lo = len(s) - len(t)
	hi = lo + len(strings.TrimRightFunc(t, pyIsSpace))
	return lo, hi
}
