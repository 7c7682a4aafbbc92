package display

import (
	"math"
	"strconv"
	"strings"
)

// FormatNumber formats v for a table: integers exactly (with thin-space
// thousands separators from 10 000 up), other values with `digits`
// significant digits, scientific notation below 1e-3 or from 1e6 up,
// "NaN"/"+Inf"/"-Inf" spelled out.
func FormatNumber(v float64, digits int) string {
	if digits <= 0 {
		digits = 4
	}
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	a := math.Abs(v)
	if v == math.Trunc(v) && a < 1e15 {
		return groupThousands(strconv.FormatInt(int64(v), 10))
	}
	if a < 1e-3 || a >= 1e6 {
		return strconv.FormatFloat(v, 'e', digits-1, 64)
	}
	return strconv.FormatFloat(v, 'g', digits, 64)
}

// groupThousands inserts a separator every three digits for numbers of 5+ digits.
func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) < 5 {
		if neg {
			return "-" + s
		}
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u2009")
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatCell turns a table value into text; numbers are right-aligned.
func formatCell(v any, digits int) (s string, numeric bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, false
	case float64:
		return FormatNumber(x, digits), true
	case float32:
		return FormatNumber(float64(x), digits), true
	case int:
		return groupThousands(strconv.Itoa(x)), true
	case int64:
		return groupThousands(strconv.FormatInt(x, 10)), true
	case int32:
		return groupThousands(strconv.FormatInt(int64(x), 10)), true
	case bool:
		return strconv.FormatBool(x), false
	case interface{ String() string }:
		return x.String(), false
	case error:
		return x.Error(), false
	}
	return strings.TrimSpace(sprint(v)), false
}
