package jinja

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// callable is a global function or a bound method.
type callable func(args []any, kw map[string]any) (any, error)

type bound struct {
	recv any
	name string
	fn   func(recv any, args []any, kw map[string]any) (any, error)
}

func call(fn any, args []any, kw map[string]any) (any, error) {
	switch f := fn.(type) {
	case callable:
		return f(args, kw)
	case *bound:
		return f.fn(f.recv, args, kw)
	case Undefined:
		return nil, &UndefinedError{f.name}
	}
	return nil, fmt.Errorf("jinja: '%s' object is not callable", typeName(fn))
}

// Now is the clock of strftime_now (a variable so that tests can fix it).
var Now = time.Now

var globals = map[string]any{
	"raise_exception": callable(func(args []any, kw map[string]any) (any, error) {
		msg := ""
		if len(args) > 0 {
			msg = str(args[0])
		}
		return nil, &RaiseError{msg}
	}),
	"namespace": callable(func(args []any, kw map[string]any) (any, error) {
		ns := &Namespace{m: map[string]any{}}
		for _, a := range args {
			if d, ok := a.(*Dict); ok {
				for _, k := range d.keys {
					ns.m[k] = d.m[k]
				}
			}
		}
		for k, v := range kw {
			ns.m[k] = v
		}
		return ns, nil
	}),
	"dict": callable(func(args []any, kw map[string]any) (any, error) {
		d := NewDict()
		keys := make([]string, 0, len(kw))
		for k := range kw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d.Set(k, kw[k])
		}
		return d, nil
	}),
	"range": callable(func(args []any, kw map[string]any) (any, error) {
		var b [3]int64
		b[2] = 1
		switch len(args) {
		case 1:
			b[1] = toInt(args[0])
		case 2, 3:
			b[0], b[1] = toInt(args[0]), toInt(args[1])
			if len(args) == 3 {
				b[2] = toInt(args[2])
			}
		default:
			return nil, fmt.Errorf("jinja: range expects 1 to 3 arguments")
		}
		if b[2] == 0 {
			return nil, fmt.Errorf("jinja: range step must not be zero")
		}
		var out []any
		for i := b[0]; (b[2] > 0 && i < b[1]) || (b[2] < 0 && i > b[1]); i += b[2] {
			out = append(out, i)
			if len(out) > 1<<20 {
				return nil, fmt.Errorf("jinja: range too large")
			}
		}
		return out, nil
	}),
	"strftime_now": callable(func(args []any, kw map[string]any) (any, error) {
		if len(args) != 1 {
			return nil, fmt.Errorf("jinja: strftime_now expects a format")
		}
		return strftime(Now(), str(args[0])), nil
	}),
}

func toInt(v any) int64 {
	i, f, isF, _ := num(v)
	if isF {
		return int64(f)
	}
	return i
}

// strftime formats t with the common C directives.
func strftime(t time.Time, f string) string {
	var sb strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			sb.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'd':
			fmt.Fprintf(&sb, "%02d", t.Day())
		case 'm':
			fmt.Fprintf(&sb, "%02d", int(t.Month()))
		case 'Y':
			fmt.Fprintf(&sb, "%d", t.Year())
		case 'y':
			fmt.Fprintf(&sb, "%02d", t.Year()%100)
		case 'b':
			sb.WriteString(t.Month().String()[:3])
		case 'B':
			sb.WriteString(t.Month().String())
		case 'a':
			sb.WriteString(t.Weekday().String()[:3])
		case 'A':
			sb.WriteString(t.Weekday().String())
		case 'H':
			fmt.Fprintf(&sb, "%02d", t.Hour())
		case 'M':
			fmt.Fprintf(&sb, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&sb, "%02d", t.Second())
		case '%':
			sb.WriteByte('%')
		default:
			sb.WriteByte('%')
			sb.WriteByte(f[i])
		}
	}
	return sb.String()
}

func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// stripChars is Python's strip/lstrip/rstrip with an optional set of chars.
func stripChars(s string, args []any, left, right bool) (string, error) {
	f := pyIsSpace
	if len(args) > 0 && args[0] != nil {
		cs, ok := args[0].(string)
		if !ok {
			return "", fmt.Errorf("jinja: strip arg must be None or str")
		}
		f = func(r rune) bool { return strings.ContainsRune(cs, r) }
	}
	if left {
		s = strings.TrimLeftFunc(s, f)
	}
	if right {
		s = strings.TrimRightFunc(s, f)
	}
	return s, nil
}

func strArg(args []any, i int, method string) (string, error) {
	if len(args) <= i {
		return "", fmt.Errorf("jinja: %s expects an argument", method)
	}
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("jinja: %s argument must be str, not %s", method, typeName(args[i]))
	}
	return s, nil
}

type method = func(recv any, args []any, kw map[string]any) (any, error)

var strMethods = map[string]method{
	"strip":  func(r any, a []any, _ map[string]any) (any, error) { return stripChars(r.(string), a, true, true) },
	"lstrip": func(r any, a []any, _ map[string]any) (any, error) { return stripChars(r.(string), a, true, false) },
	"rstrip": func(r any, a []any, _ map[string]any) (any, error) { return stripChars(r.(string), a, false, true) },
	"upper":  func(r any, _ []any, _ map[string]any) (any, error) { return strings.ToUpper(r.(string)), nil },
	"lower":  func(r any, _ []any, _ map[string]any) (any, error) { return strings.ToLower(r.(string)), nil },
	"title":  func(r any, _ []any, _ map[string]any) (any, error) { return title(r.(string)), nil },
	"capitalize": func(r any, _ []any, _ map[string]any) (any, error) {
		s := []rune(strings.ToLower(r.(string)))
		if len(s) > 0 {
			s[0] = unicode.ToUpper(s[0])
		}
		return string(s), nil
	},
	"startswith": func(r any, a []any, _ map[string]any) (any, error) { return affix(r.(string), a, strings.HasPrefix) },
	"endswith":   func(r any, a []any, _ map[string]any) (any, error) { return affix(r.(string), a, strings.HasSuffix) },
	"split": func(r any, a []any, kw map[string]any) (any, error) {
		s := r.(string)
		maxsplit := int64(-1)
		if len(a) > 1 {
			maxsplit = toInt(a[1])
		} else if v, ok := kw["maxsplit"]; ok {
			maxsplit = toInt(v)
		}
		var parts []string
		if len(a) == 0 || a[0] == nil {
			checkItems("split()", countFields(s))
			parts = strings.FieldsFunc(s, pyIsSpace)
			if maxsplit >= 0 && int64(len(parts)) > maxsplit+1 {
				// rare: keep Python's exact behaviour for the common case only
				return nil, fmt.Errorf("jinja: split() with maxsplit and no separator is not supported")
			}
		} else {
			sep, err := strArg(a, 0, "split")
			if err != nil {
				return nil, err
			}
			if sep == "" {
				return nil, fmt.Errorf("jinja: empty separator")
			}
			checkItems("split()", int64(strings.Count(s, sep))+1)
			parts = strings.SplitN(s, sep, int(maxsplit)+int(b2i(maxsplit >= 0)))
			if maxsplit < 0 {
				parts = strings.Split(s, sep)
			}
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	},
	"replace": func(r any, a []any, _ map[string]any) (any, error) {
		old, err := strArg(a, 0, "replace")
		if err != nil {
			return nil, err
		}
		nw, err := strArg(a, 1, "replace")
		if err != nil {
			return nil, err
		}
		n := int64(-1)
		if len(a) > 2 {
			n = toInt(a[2])
		}
		s := r.(string)
		hits := int64(strings.Count(s, old)) // an empty old matches around every rune
		if n >= 0 {
			hits = min(hits, n)
		}
		checkLen("replace()", int64(len(s))+hits*(int64(len(nw))-int64(len(old))))
		return strings.Replace(s, old, nw, int(max(n, -1))), nil
	},
	"find": func(r any, a []any, _ map[string]any) (any, error) {
		sub, err := strArg(a, 0, "find")
		if err != nil {
			return nil, err
		}
		i := strings.Index(r.(string), sub)
		if i < 0 {
			return int64(-1), nil
		}
		return runeCount(r.(string)[:i]), nil
	},
	"count": func(r any, a []any, _ map[string]any) (any, error) {
		sub, err := strArg(a, 0, "count")
		if err != nil {
			return nil, err
		}
		return int64(strings.Count(r.(string), sub)), nil
	},
	"join": func(r any, a []any, _ map[string]any) (any, error) {
		if len(a) != 1 {
			return nil, fmt.Errorf("jinja: join expects one argument")
		}
		items, err := iterate(a[0])
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(items))
		for i, it := range items {
			s, ok := it.(string)
			if !ok {
				return nil, fmt.Errorf("jinja: join: expected str, found %s", typeName(it))
			}
			parts[i] = s
		}
		return joinChecked(parts, r.(string)), nil
	},
	"isdigit": func(r any, _ []any, _ map[string]any) (any, error) {
		s := r.(string)
		return s != "" && strings.IndexFunc(s, func(c rune) bool { return !unicode.IsDigit(c) }) < 0, nil
	},
}

// joinChecked is strings.Join after checking the result's size.
func joinChecked(parts []string, sep string) string {
	n := int64(len(sep)) * int64(max(len(parts)-1, 0))
	for _, p := range parts {
		n += int64(len(p))
	}
	checkLen("join", n)
	return strings.Join(parts, sep)
}

// countFields is len(strings.FieldsFunc(s, pyIsSpace)) without building them.
func countFields(s string) int64 {
	var n int64
	in := false
	for _, r := range s {
		sp := pyIsSpace(r)
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}

func affix(s string, a []any, f func(string, string) bool) (any, error) {
	if len(a) == 0 {
		return nil, fmt.Errorf("jinja: startswith/endswith expects an argument")
	}
	switch p := a[0].(type) {
	case string:
		return f(s, p), nil
	case []any:
		for _, e := range p {
			if ps, ok := e.(string); ok && f(s, ps) {
				return true, nil
			}
		}
		return false, nil
	}
	return nil, fmt.Errorf("jinja: startswith first arg must be str or a tuple of str, not %s", typeName(a[0]))
}

// title is Python's str.title: upper-case the first letter of each run of
// letters, lower-case the rest.
func title(s string) string {
	out := []rune(s)
	prev := false
	for i, r := range out {
		if unicode.IsLetter(r) {
			if prev {
				out[i] = unicode.ToLower(r)
			} else {
				out[i] = unicode.ToUpper(r)
			}
			prev = true
		} else {
			prev = false
		}
	}
	return string(out)
}

var dictMethods = map[string]method{
	"items": func(r any, _ []any, _ map[string]any) (any, error) {
		d := r.(*Dict)
		out := make([]any, len(d.keys))
		for i, k := range d.keys {
			out[i] = []any{k, d.m[k]}
		}
		return out, nil
	},
	"keys": func(r any, _ []any, _ map[string]any) (any, error) {
		d := r.(*Dict)
		out := make([]any, len(d.keys))
		for i, k := range d.keys {
			out[i] = k
		}
		return out, nil
	},
	"values": func(r any, _ []any, _ map[string]any) (any, error) {
		d := r.(*Dict)
		out := make([]any, len(d.keys))
		for i, k := range d.keys {
			out[i] = d.m[k]
		}
		return out, nil
	},
	"get": func(r any, a []any, _ map[string]any) (any, error) {
		k, err := strArg(a, 0, "get")
		if err != nil {
			return nil, err
		}
		if v, ok := r.(*Dict).m[k]; ok {
			return v, nil
		}
		if len(a) > 1 {
			return a[1], nil
		}
		return nil, nil
	},
}

type filterFn func(e *env, v any, args []any, kw map[string]any) (any, error)

func argOr(args []any, kw map[string]any, i int, name string, def any) any {
	if len(args) > i {
		return args[i]
	}
	if v, ok := kw[name]; ok {
		return v
	}
	return def
}

var filters map[string]filterFn

func init() {
	filters = map[string]filterFn{
		"trim": func(_ *env, v any, a []any, _ map[string]any) (any, error) {
			return stripChars(str(v), a, true, true)
		},
		"tojson": func(_ *env, v any, a []any, kw map[string]any) (any, error) {
			indent := toInt(argOr(a, kw, 0, "indent", int64(0)))
			checkLen("tojson indent", indent)
			sortKeys := truth(argOr(nil, kw, 0, "sort_keys", false))
			return toJSON(v, int(indent), sortKeys)
		},
		"length": filterLength,
		"count":  filterLength,
		"string": func(_ *env, v any, _ []any, _ map[string]any) (any, error) { return str(v), nil },
		"lower":  func(_ *env, v any, _ []any, _ map[string]any) (any, error) { return strings.ToLower(str(v)), nil },
		"upper":  func(_ *env, v any, _ []any, _ map[string]any) (any, error) { return strings.ToUpper(str(v)), nil },
		"title":  func(_ *env, v any, _ []any, _ map[string]any) (any, error) { return title(str(v)), nil },
		"capitalize": func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
			return strMethods["capitalize"](str(v), nil, nil)
		},
		"safe": func(_ *env, v any, _ []any, _ map[string]any) (any, error) { return v, nil },
		"int": func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
			if s, ok := v.(string); ok {
				i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
				if err != nil {
					return int64(0), nil
				}
				return i, nil
			}
			return toInt(v), nil
		},
		"default": filterDefault,
		"d":       filterDefault,
		"first": func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
			items, err := iterate(v)
			if err != nil || len(items) == 0 {
				return Undefined{"first"}, err
			}
			return items[0], nil
		},
		"last": func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
			items, err := iterate(v)
			if err != nil || len(items) == 0 {
				return Undefined{"last"}, err
			}
			return items[len(items)-1], nil
		},
		"list": func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
			items, err := iterate(v)
			if items == nil {
				items = []any{}
			}
			return items, err
		},
		"reverse": func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
			if s, ok := v.(string); ok {
				r := []rune(s)
				for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
					r[i], r[j] = r[j], r[i]
				}
				return string(r), nil
			}
			items, err := iterate(v)
			out := make([]any, len(items))
			for i := range items {
				out[i] = items[len(items)-1-i]
			}
			return out, err
		},
		"join": func(_ *env, v any, a []any, kw map[string]any) (any, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			sep := str(argOr(a, kw, 0, "d", ""))
			parts := make([]string, len(items))
			for i, it := range items {
				if attr, ok := argOr(a, kw, 1, "attribute", nil).(string); ok {
					if it, err = getAttr(it, attr); err != nil {
						return nil, err
					}
				}
				parts[i] = str(it)
				checkLen("join", int64(len(parts[i])))
			}
			return joinChecked(parts, sep), nil
		},
		"items": func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
			if d, ok := v.(*Dict); ok {
				return dictMethods["items"](d, nil, nil)
			}
			return nil, fmt.Errorf("jinja: items: expected a dict, found %s", typeName(v))
		},
		"selectattr": func(e *env, v any, a []any, _ map[string]any) (any, error) { return selectAttr(v, a, true) },
		"rejectattr": func(e *env, v any, a []any, _ map[string]any) (any, error) { return selectAttr(v, a, false) },
		"map": func(_ *env, v any, a []any, kw map[string]any) (any, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(items))
			if attr, ok := kw["attribute"].(string); ok {
				for i, it := range items {
					x, err := getAttr(it, attr)
					if err != nil {
						return nil, err
					}
					if _, undef := x.(Undefined); undef {
						if d, ok := kw["default"]; ok {
							x = d
						}
					}
					out[i] = x
				}
				return out, nil
			}
			if len(a) == 0 {
				return nil, fmt.Errorf("jinja: map needs a filter name or attribute=")
			}
			f, ok := filters[str(a[0])]
			if !ok {
				return nil, fmt.Errorf("jinja: unknown filter %q", str(a[0]))
			}
			for i, it := range items {
				if out[i], err = f(nil, it, a[1:], nil); err != nil {
					return nil, err
				}
			}
			return out, nil
		},
		"replace": func(_ *env, v any, a []any, _ map[string]any) (any, error) {
			return strMethods["replace"](str(v), a, nil)
		},
		"abs": func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
			i, f, isF, ok := num(v)
			if !ok {
				return nil, fmt.Errorf("jinja: bad operand type for abs(): '%s'", typeName(v))
			}
			if isF {
				if f < 0 {
					return -f, nil
				}
				return f, nil
			}
			if i < 0 {
				return -i, nil
			}
			return i, nil
		},
	}
}

func filterLength(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		return runeCount(x), nil
	case []any:
		return int64(len(x)), nil
	case *Dict:
		return int64(len(x.keys)), nil
	case Undefined:
		return int64(0), nil
	}
	return nil, fmt.Errorf("jinja: object of type '%s' has no len()", typeName(v))
}

func filterDefault(_ *env, v any, a []any, kw map[string]any) (any, error) {
	def := argOr(a, kw, 0, "default_value", "")
	boolean := truth(argOr(a, kw, 1, "boolean", false))
	if _, undef := v.(Undefined); undef || (boolean && !truth(v)) {
		return def, nil
	}
	return v, nil
}

func selectAttr(v any, a []any, keep bool) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(a) == 0 {
		return nil, fmt.Errorf("jinja: selectattr needs an attribute")
	}
	attr := str(a[0])
	out := []any{}
	for _, it := range items {
		x, err := getAttr(it, attr)
		if err != nil {
			return nil, err
		}
		ok := truth(x)
		if len(a) > 1 {
			t, found := tests[str(a[1])]
			if !found {
				return nil, fmt.Errorf("jinja: unknown test %q", str(a[1]))
			}
			if ok, err = t(x, a[2:]); err != nil {
				return nil, err
			}
		}
		if ok == keep {
			out = append(out, it)
		}
	}
	return out, nil
}

type testFn func(v any, args []any) (bool, error)

var tests = map[string]testFn{
	"defined":   func(v any, _ []any) (bool, error) { _, u := v.(Undefined); return !u, nil },
	"undefined": func(v any, _ []any) (bool, error) { _, u := v.(Undefined); return u, nil },
	"none":      func(v any, _ []any) (bool, error) { return v == nil, nil },
	"string":    func(v any, _ []any) (bool, error) { _, ok := v.(string); return ok, nil },
	"mapping":   func(v any, _ []any) (bool, error) { _, ok := v.(*Dict); return ok, nil },
	"boolean":   func(v any, _ []any) (bool, error) { _, ok := v.(bool); return ok, nil },
	"true":      func(v any, _ []any) (bool, error) { b, ok := v.(bool); return ok && b, nil },
	"false":     func(v any, _ []any) (bool, error) { b, ok := v.(bool); return ok && !b, nil },
	"number": func(v any, _ []any) (bool, error) {
		switch v.(type) {
		case int64, float64:
			return true, nil
		}
		return false, nil
	},
	"integer": func(v any, _ []any) (bool, error) { _, ok := v.(int64); return ok, nil },
	"float":   func(v any, _ []any) (bool, error) { _, ok := v.(float64); return ok, nil },
	"sequence": func(v any, _ []any) (bool, error) {
		switch v.(type) {
		case string, []any, *Dict:
			return true, nil
		}
		return false, nil
	},
	"iterable": func(v any, _ []any) (bool, error) {
		switch v.(type) {
		case string, []any, *Dict:
			return true, nil
		}
		return false, nil
	},
	"equalto": testEq,
	"eq":      testEq,
	"==":      testEq,
	"ne": func(v any, a []any) (bool, error) {
		r, err := testEq(v, a)
		return !r, err
	},
	"sameas": func(v any, a []any) (bool, error) {
		if len(a) != 1 {
			return false, fmt.Errorf("jinja: sameas expects one argument")
		}
		switch x := v.(type) {
		case nil, bool:
			return v == a[0], nil
		default:
			_ = x
			return equal(v, a[0]), nil
		}
	},
	"in": func(v any, a []any) (bool, error) {
		if len(a) != 1 {
			return false, fmt.Errorf("jinja: in expects one argument")
		}
		return contains(a[0], v)
	},
	"odd":  func(v any, _ []any) (bool, error) { return toInt(v)%2 != 0, nil },
	"even": func(v any, _ []any) (bool, error) { return toInt(v)%2 == 0, nil },
}

func testEq(v any, a []any) (bool, error) {
	if len(a) != 1 {
		return false, fmt.Errorf("jinja: equalto expects one argument")
	}
	return equal(v, a[0]), nil
}
