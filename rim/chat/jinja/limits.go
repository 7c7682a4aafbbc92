package jinja

import (
	"fmt"
	"unicode/utf8"
)

// Limits of one rendering. A chat template is code from a model directory
// and `rim serve` renders it for every request, so a hostile or broken
// template must fail with an error, not exhaust memory, the stack or time.
const (
	// maxOutput bounds the rendered size.
	maxOutput = 64 << 20
	// maxSteps bounds the loop iterations of one rendering.
	maxSteps = 10_000_000
	// maxValue bounds the size in bytes of any string the interpreter
	// builds ("x" * n, s ~ s, replace, join, tojson, repr).
	maxValue = maxOutput
	// maxItems bounds the length of any list the interpreter builds
	// (range, list concatenation, iterating a string).
	maxItems = 1 << 20
	// maxWork bounds the total work of a rendering: the bytes of the strings
	// and the items of the lists that operations build or read. It stops a
	// loop that rebuilds a large string (or scans a large list) at every
	// iteration, which maxSteps alone would let run for hours.
	maxWork = 1 << 30
	// maxNesting bounds the nesting of statements and expressions in the
	// source, and of lists and dicts in values (repr, tojson and == recurse
	// on them; Go's stack overflow is fatal, not recoverable).
	maxNesting = 256
)

// limitError is a limit of this file being exceeded. Deep inside value
// formatting it is raised with panic and turned back into the error by
// Render (renderLimit), so that str and repr keep their simple signatures.
type limitError struct{ msg string }

func (e *limitError) Error() string { return "jinja: " + e.msg }

func overLimit(format string, args ...any) *limitError {
	return &limitError{fmt.Sprintf(format, args...)}
}

// checkLen panics with a limitError if a string of n bytes, built by what,
// would exceed maxValue. n is computed by the caller before allocating.
func checkLen(what string, n int64) {
	if n > maxValue || n < 0 {
		panic(overLimit("%s would build a string of more than %d bytes", what, maxValue))
	}
}

// checkItems is checkLen for lists of n items.
func checkItems(what string, n int64) {
	if n > maxItems || n < 0 {
		panic(overLimit("%s would build a list of more than %d items", what, maxItems))
	}
}

// checkDepth panics when value nesting passes maxNesting.
func checkDepth(depth int) {
	if depth > maxNesting {
		panic(overLimit("value nested deeper than %d levels", maxNesting))
	}
}

// repeatLen is len(s)*n for s * n (n <= 0 gives 0), checked without overflow.
func repeatLen(s string, n int64) int64 {
	if n <= 0 || len(s) == 0 {
		return 0
	}
	if n > maxValue/int64(len(s)) {
		return maxValue + 1
	}
	return int64(len(s)) * n
}

// cost is the work charged for touching v: bytes of a string, items of a
// list or dict, nothing for scalars.
func cost(v any) int64 {
	switch x := v.(type) {
	case string:
		return int64(len(x))
	case []any:
		return int64(len(x))
	case *Dict:
		return int64(len(x.keys))
	case *bound:
		return cost(x.recv)
	}
	return 0
}

// charge adds the cost of vals to the rendering's work and panics with a
// limitError past maxWork. A nil env (a filter called by map) charges
// nothing: its caller's result is charged.
func (e *env) charge(vals ...any) {
	if e == nil {
		return
	}
	for _, v := range vals {
		e.work += cost(v)
	}
	if e.work > maxWork {
		panic(overLimit("template does more than %d units of string and list work (a loop rebuilding a large value?)", maxWork))
	}
}

// runeCount is len([]rune(s)) without the allocation.
func runeCount(s string) int64 { return int64(utf8.RuneCountInString(s)) }
