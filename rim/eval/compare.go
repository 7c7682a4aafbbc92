package eval

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// Tolerance bounds a numeric match: |pred − gold| ≤ Abs + Rel·|gold|.
type Tolerance struct{ Abs, Rel float64 }

// DefaultTolerance accepts float round-off only.
var DefaultTolerance = Tolerance{Abs: 1e-6, Rel: 1e-6}

// MATH401Tolerance is MATH401's own protocol (Yuan et al. 2023; shared/data
// README): a prediction is correct when |pred − target| < 1e-3. The RIM
// paper gives no rule of its own (docs/paper.md §4.2), so `rim eval math --set
// math401` uses this one by default. (Tolerance is ≤, so exactly 1e-3 off
// also passes; answers have 4 decimals or fewer, so the edge is immaterial.)
var MATH401Tolerance = Tolerance{Abs: 1e-3}

// IsMATH401 reports whether recs are MATH401 items: there is one, and every id has the "math401-" prefix
// that data.MATH401 gives them (rim eval --save-responses keeps it), so that recorded responses of
// MATH401 grade with MATH401Tolerance as the model mode does (docs/paper.md §3.2: |pred − target| < 1e-3).
func IsMATH401(recs []Recorded) bool {
	for _, r := range recs {
		if !strings.HasPrefix(r.ID, "math401-") {
			return false
		}
	}
	return len(recs) > 0
}

// Validate rejects negative or non-finite tolerances.
func (t Tolerance) Validate() error {
	if !(t.Abs >= 0) || math.IsInf(t.Abs, 0) {
		return fmt.Errorf("absolute tolerance %v: want a finite number ≥ 0", t.Abs)
	}
	if !(t.Rel >= 0) || math.IsInf(t.Rel, 0) {
		return fmt.Errorf("relative tolerance %v: want a finite number ≥ 0", t.Rel)
	}
	return nil
}

// Equivalent reports whether a predicted answer matches the gold answer
// "symbolically enough" for GSM8K and MATH500: equal after Normalize
// (case-insensitive), or equal as numbers when both sides are plain
// arithmetic (fractions, roots, π; see evalExpr), or a number followed by a
// unit word against a numeric gold ("18dollars" vs "18"), or "x=5" against
// "5", or tuples/lists whose elements match one by one (in order inside
// brackets, as a set for a bare list such as "1,-2").
func Equivalent(pred, gold string, tol Tolerance) bool {
	return equiv(Normalize(pred), Normalize(gold), tol, 0)
}

func equiv(a, b string, tol Tolerance, depth int) bool {
	if a == "" || b == "" || depth > 3 {
		return false
	}
	if strings.EqualFold(a, b) || numEqual(a, b, tol) {
		return true
	}
	if a2, b2 := dropAssign(a, b), dropAssign(b, a); a2 != a || b2 != b {
		if equiv(a2, b2, tol, depth+1) {
			return true
		}
	}
	ea, oa, ca := splitTop(a)
	eb, ob, cb := splitTop(b)
	if len(ea) < 2 || len(ea) != len(eb) || oa != ob || ca != cb {
		return false
	}
	if oa != 0 { // ordered: tuple, interval, vector
		for i := range ea {
			if !equiv(ea[i], eb[i], tol, depth+1) {
				return false
			}
		}
		return true
	}
	used := make([]bool, len(eb))
outer:
	for _, x := range ea {
		for j, y := range eb {
			if !used[j] && equiv(x, y, tol, depth+1) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

var unitRE = regexp.MustCompile(`^(-?\d+(?:\.\d+)?)[a-zA-Z]+$`)

func numEqual(a, b string, tol Tolerance) bool {
	y, ok := evalExpr(b)
	if !ok {
		return false
	}
	x, ok := evalExpr(a)
	if !ok {
		m := unitRE.FindStringSubmatch(a)
		if m == nil {
			return false
		}
		if x, ok = evalExpr(m[1]); !ok {
			return false
		}
	}
	return math.Abs(x-y) <= tol.Abs+tol.Rel*math.Abs(y)
}

var assignRE = regexp.MustCompile(`^[a-zA-Z]\w*=`)

// dropAssign removes a leading "x=" from s when other has no "=".
func dropAssign(s, other string) string {
	if strings.Contains(other, "=") {
		return s
	}
	return assignRE.ReplaceAllString(s, "")
}

// splitTop splits s at top-level commas, after removing one pair of outer
// brackets (returned as open/close, 0 when none).
func splitTop(s string) (parts []string, open, close byte) {
	if len(s) >= 2 && strings.IndexByte("([{", s[0]) >= 0 && strings.IndexByte(")]}", s[len(s)-1]) >= 0 {
		if inner, ok := outerPair(s); ok {
			open, close, s = s[0], s[len(s)-1], inner
		}
	}
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:]), open, close
}

// outerPair reports whether s's first and last characters bracket the whole
// string (so "(1,2)" yes, "(1)+(2)" no), returning the inside.
func outerPair(s string) (string, bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 && i != len(s)-1 {
				return "", false
			}
		}
	}
	return s[1 : len(s)-1], depth == 0
}

// Grade is the outcome of grading one response.
type Grade struct {
	Extracted string `json:"extracted"`        // raw extracted answer ("" when none)
	Method    Method `json:"method,omitempty"` // which extractor found it
	Found     bool   `json:"found"`            // false: an extraction failure, counted apart from wrong answers
	Correct   bool   `json:"correct"`
}

// Grader extracts and compares final answers.
type Grader struct {
	Order []Method  // extraction order; nil means DefaultOrder
	Tol   Tolerance // zero means DefaultTolerance
}

// Grade extracts the final answer of response (after </think>) and compares
// it with gold.
func (g Grader) Grade(response, gold string) Grade {
	order, tol := g.Order, g.Tol
	if order == nil {
		order = DefaultOrder
	}
	if tol == (Tolerance{}) {
		tol = DefaultTolerance
	}
	ans, m, ok := Extract(response, order)
	if !ok {
		return Grade{}
	}
	return Grade{Extracted: ans, Method: m, Found: true, Correct: Equivalent(ans, gold, tol)}
}
