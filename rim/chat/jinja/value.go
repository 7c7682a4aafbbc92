package jinja

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Values are Go values with Python semantics: nil is None, Undefined is
// jinja2's Undefined, and bool, int64, float64, string, []any, *Dict,
// *Namespace, *loopInfo and callables.

// Undefined is a missing variable, attribute or item. It prints as "" and
// is false; most operations on it are errors, as in jinja2.
type Undefined struct{ name string }

// Dict is an insertion-ordered string-keyed mapping (a JSON object keeps its
// key order, which tojson must reproduce).
type Dict struct {
	keys []string
	m    map[string]any
}

// NewDict returns an empty Dict.
func NewDict() *Dict { return &Dict{m: map[string]any{}} }

// Set sets key k.
func (d *Dict) Set(k string, v any) {
	if _, ok := d.m[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.m[k] = v
}

// Get returns the value of key k.
func (d *Dict) Get(k string) (any, bool) {
	v, ok := d.m[k]
	return v, ok
}

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []string { return d.keys }

// Namespace is the mutable object made by namespace(...).
type Namespace struct{ m map[string]any }

// FromJSON decodes JSON into template values, keeping object key order;
// integers become int64 and other numbers float64, as Python's json does.
func FromJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := fromJSON(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func fromJSON(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := t.(type) {
	case json.Delim:
		if v == '{' {
			d := NewDict()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				val, err := fromJSON(dec)
				if err != nil {
					return nil, err
				}
				d.Set(kt.(string), val)
			}
			_, err := dec.Token()
			return d, err
		}
		var l []any
		for dec.More() {
			val, err := fromJSON(dec)
			if err != nil {
				return nil, err
			}
			l = append(l, val)
		}
		if l == nil {
			l = []any{}
		}
		_, err := dec.Token()
		return l, err
	case json.Number:
		s := string(v)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i, nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		return f, err
	default:
		return v, nil // string, bool, nil
	}
}

// truth is Python truthiness.
func truth(v any) bool {
	switch x := v.(type) {
	case nil, Undefined:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case *Dict:
		return len(x.keys) > 0
	}
	return true
}

// str is Python's str() as jinja2 prints values.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case Undefined:
		return ""
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return FloatRepr(x)
	case string:
		return x
	case []any, *Dict:
		return repr(v)
	case *Namespace:
		return "<Namespace>"
	}
	return fmt.Sprint(v)
}

// repr is Python's repr() for the value kinds templates meet. Past
// maxNesting or maxValue it panics with a limitError (see limits.go).
func repr(v any) string { return reprAt(v, 0) }

func reprAt(v any, depth int) string {
	checkDepth(depth)
	switch x := v.(type) {
	case string:
		q := "'"
		if strings.Contains(x, "'") && !strings.Contains(x, `"`) {
			q = `"`
		}
		r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
		s := r.Replace(x)
		if q == "'" {
			s = strings.ReplaceAll(s, "'", `\'`)
		}
		return q + s + q
	case []any:
		parts := make([]string, len(x))
		n := int64(2)
		for i, e := range x {
			parts[i] = reprAt(e, depth+1)
			n += int64(len(parts[i])) + 2
			checkLen("repr", n)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *Dict:
		parts := make([]string, len(x.keys))
		n := int64(2)
		for i, k := range x.keys {
			parts[i] = repr(k) + ": " + reprAt(x.m[k], depth+1)
			n += int64(len(parts[i])) + 2
			checkLen("repr", n)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return str(v)
}

// floatRepr is Python's repr(float).
func FloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, expS, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expS)
	digits := strings.Replace(mant, ".", "", 1)
	if exp >= -4 && exp < 16 {
		var s string
		switch {
		case exp < 0:
			s = "0." + strings.Repeat("0", -exp-1) + digits
		case exp+1 >= len(digits):
			s = digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
		default:
			s = digits[:exp+1] + "." + digits[exp+1:]
		}
		return sign + s
	}
	m := digits[:1]
	if len(digits) > 1 {
		m += "." + digits[1:]
	}
	es := "+"
	if exp < 0 {
		es, exp = "-", -exp
	}
	return fmt.Sprintf("%s%se%s%02d", sign, m, es, exp)
}

// toJSON is transformers' tojson: json.dumps(ensure_ascii=False) with ", "
// and ": " separators (or indent), key order kept.
func toJSON(v any, indent int, sortKeys bool) (string, error) {
	var sb strings.Builder
	if err := writeJSON(&sb, v, indent, 0, sortKeys); err != nil {
		return "", err
	}
	return sb.String(), nil
}

func writeJSON(sb *strings.Builder, v any, indent, depth int, sortKeys bool) error {
	checkDepth(depth)
	checkLen("tojson", int64(sb.Len()))
	nl := func(d int) {
		if indent > 0 {
			checkLen("tojson", int64(sb.Len())+int64(indent)*int64(d))
			sb.WriteByte('\n')
			sb.WriteString(strings.Repeat(" ", indent*d))
		}
	}
	sep := ", "
	if indent > 0 {
		sep = ","
	}
	switch x := v.(type) {
	case nil:
		sb.WriteString("null")
	case bool:
		if x {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case int64:
		sb.WriteString(strconv.FormatInt(x, 10))
	case float64:
		switch {
		case math.IsNaN(x):
			sb.WriteString("NaN")
		case math.IsInf(x, 1):
			sb.WriteString("Infinity")
		case math.IsInf(x, -1):
			sb.WriteString("-Infinity")
		default:
			sb.WriteString(FloatRepr(x))
		}
	case string:
		WriteJSONString(sb, x)
	case []any:
		if len(x) == 0 {
			sb.WriteString("[]")
			return nil
		}
		sb.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				sb.WriteString(sep)
			}
			nl(depth + 1)
			if err := writeJSON(sb, e, indent, depth+1, sortKeys); err != nil {
				return err
			}
		}
		nl(depth)
		sb.WriteByte(']')
	case *Dict:
		if len(x.keys) == 0 {
			sb.WriteString("{}")
			return nil
		}
		keys := x.keys
		if sortKeys {
			keys = append([]string(nil), keys...)
			sort.Strings(keys)
		}
		sb.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				sb.WriteString(sep)
			}
			nl(depth + 1)
			WriteJSONString(sb, k)
			sb.WriteString(": ")
			if err := writeJSON(sb, x.m[k], indent, depth+1, sortKeys); err != nil {
				return err
			}
		}
		nl(depth)
		sb.WriteByte('}')
	default:
		return fmt.Errorf("object of type %s is not JSON serializable", typeName(v))
	}
	return nil
}

// WriteJSONString writes s as a JSON string the way Python's
// json.dumps(ensure_ascii=False) (and Jinja's tojson) does: only quotes,
// backslashes and control characters are escaped.
func WriteJSONString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(sb, `\u%04x`, r)
			} else {
				sb.WriteRune(r)
			}
		}
	}
	sb.WriteByte('"')
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case Undefined:
		return "Undefined"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case *Dict:
		return "dict"
	case *Namespace:
		return "Namespace"
	}
	return fmt.Sprintf("%T", v)
}
