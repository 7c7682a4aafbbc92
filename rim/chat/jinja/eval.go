package jinja

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// RaiseError is raised by the template's raise_exception(message).
type RaiseError struct{ Message string }

func (e *RaiseError) Error() string { return e.Message }

// UndefinedError is an operation on an undefined value, as jinja2 raises it.
type UndefinedError struct{ What string }

func (e *UndefinedError) Error() string { return e.What + " is undefined" }

var errBreak = errors.New("break")
var errContinue = errors.New("continue")

type env struct {
	frames []map[string]any
	out    strings.Builder
	steps  int
	work   int64 // see maxWork
}

func (e *env) lookup(name string) any {
	for i := len(e.frames) - 1; i >= 0; i-- {
		if v, ok := e.frames[i][name]; ok {
			return v
		}
	}
	if f, ok := globals[name]; ok {
		return f
	}
	return Undefined{name}
}

// Render executes the template with vars (values as made by FromJSON, or
// Go strings, bools, int64, float64, []any, *Dict).
func (t *Template) Render(vars map[string]any) (out string, err error) {
	e := &env{frames: []map[string]any{vars, {}}}
	defer func() {
		if r := recover(); r != nil {
			if le, ok := r.(*limitError); ok {
				out, err = "", le
				return
			}
			err = fmt.Errorf("jinja: internal error: %v", r)
		}
	}()
	if err := e.exec(t.body); err != nil {
		if err == errBreak || err == errContinue {
			return "", fmt.Errorf("jinja: break/continue outside a loop")
		}
		return "", err
	}
	return e.out.String(), nil
}

func (e *env) exec(nodes []node) error {
	for _, n := range nodes {
		switch n := n.(type) {
		case *textNode:
			e.out.WriteString(n.s)
		case *outputNode:
			v, err := e.eval(n.e)
			if err != nil {
				return err
			}
			e.out.WriteString(str(v))
		case *ifNode:
			done := false
			for i, c := range n.conds {
				v, err := e.eval(c)
				if err != nil {
					return err
				}
				if truth(v) {
					if err := e.exec(n.bodies[i]); err != nil {
						return err
					}
					done = true
					break
				}
			}
			if !done {
				if err := e.exec(n.els); err != nil {
					return err
				}
			}
		case *forNode:
			if err := e.execFor(n); err != nil {
				return err
			}
		case *setNode:
			v, err := e.eval(n.e)
			if err != nil {
				return err
			}
			if n.attr == "" {
				e.frames[len(e.frames)-1][n.name] = v
				continue
			}
			ns, ok := e.lookup(n.name).(*Namespace)
			if !ok {
				return fmt.Errorf("jinja: cannot assign attribute on non-namespace object %s", n.name)
			}
			ns.m[n.attr] = v
		case *loopCtl:
			if n.brk {
				return errBreak
			}
			return errContinue
		case *passNode:
			if err := e.exec(n.body); err != nil {
				return err
			}
		}
		if e.out.Len() > maxOutput {
			return fmt.Errorf("jinja: output larger than %d bytes", maxOutput)
		}
	}
	return nil
}

func (e *env) execFor(n *forNode) error {
	it, err := e.eval(n.iter)
	if err != nil {
		return err
	}
	items, err := iterate(it)
	if err != nil {
		return err
	}
	e.charge(items)
	frame := map[string]any{}
	e.frames = append(e.frames, frame)
	defer func() { e.frames = e.frames[:len(e.frames)-1] }()
	if n.cond != nil { // the loop filter is applied before loop.* is computed
		var kept []any
		for _, item := range items {
			if err := bind(frame, n.targets, item); err != nil {
				return err
			}
			v, err := e.eval(n.cond)
			if err != nil {
				return err
			}
			if truth(v) {
				kept = append(kept, item)
			}
		}
		items = kept
	}
	// jinja2 runs the else block unless some iteration ran its body to the
	// end: a loop whose iterations all "continue" (or that breaks in its
	// first iteration) also gets it.
	completed := false
	for i, item := range items {
		if err := bind(frame, n.targets, item); err != nil {
			return err
		}
		frame["loop"] = &loopInfo{i: i, items: items}
		if e.steps++; e.steps > maxSteps {
			return fmt.Errorf("jinja: more than %d loop iterations", maxSteps)
		}
		if err := e.exec(n.body); err != nil {
			if err == errBreak {
				break
			}
			if err == errContinue {
				continue
			}
			return err
		}
		completed = true
	}
	if !completed {
		return e.exec(n.els)
	}
	return nil
}

func bind(frame map[string]any, targets []string, item any) error {
	if len(targets) == 1 {
		frame[targets[0]] = item
		return nil
	}
	l, ok := item.([]any)
	if !ok || len(l) != len(targets) {
		return fmt.Errorf("jinja: cannot unpack %s into %d variables", typeName(item), len(targets))
	}
	for i, t := range targets {
		frame[t] = l[i]
	}
	return nil
}

// loopInfo is jinja2's loop variable.
type loopInfo struct {
	i     int
	items []any
}

func (l *loopInfo) attr(name string) any {
	n := len(l.items)
	switch name {
	case "index":
		return int64(l.i + 1)
	case "index0":
		return int64(l.i)
	case "revindex":
		return int64(n - l.i)
	case "revindex0":
		return int64(n - l.i - 1)
	case "first":
		return l.i == 0
	case "last":
		return l.i == n-1
	case "length":
		return int64(n)
	case "previtem":
		if l.i > 0 {
			return l.items[l.i-1]
		}
	case "nextitem":
		if l.i < n-1 {
			return l.items[l.i+1]
		}
	}
	return Undefined{"loop." + name}
}

// iterate lists the items of an iterable (a dict iterates over its keys, a
// string over its characters, undefined over nothing).
func iterate(v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case *Dict:
		out := make([]any, len(x.keys))
		for i, k := range x.keys {
			out[i] = k
		}
		return out, nil
	case string:
		checkItems("iterating a string", runeCount(x))
		var out []any
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case Undefined:
		return nil, nil
	}
	return nil, fmt.Errorf("jinja: '%s' object is not iterable", typeName(v))
}

func (e *env) eval(x expr) (any, error) {
	switch x := x.(type) {
	case *literal:
		return x.v, nil
	case *nameExpr:
		return e.lookup(x.name), nil
	case *listExpr:
		out := make([]any, 0, len(x.elems))
		for _, el := range x.elems {
			v, err := e.eval(el)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case *dictExpr:
		d := NewDict()
		for i := range x.keys {
			k, err := e.eval(x.keys[i])
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("jinja: only string dict keys are supported")
			}
			v, err := e.eval(x.vals[i])
			if err != nil {
				return nil, err
			}
			d.Set(ks, v)
		}
		return d, nil
	case *attrExpr:
		obj, err := e.eval(x.obj)
		if err != nil {
			return nil, err
		}
		return getAttr(obj, x.name)
	case *itemExpr:
		obj, err := e.eval(x.obj)
		if err != nil {
			return nil, err
		}
		idx, err := e.eval(x.idx)
		if err != nil {
			return nil, err
		}
		if s, ok := obj.(string); ok {
			e.charge(s) // indexing walks the runes
		}
		return getItem(obj, idx)
	case *sliceExpr:
		obj, err := e.eval(x.obj)
		if err != nil {
			return nil, err
		}
		var b [3]any
		for i, p := range []expr{x.lo, x.hi, x.step} {
			if p == nil {
				continue
			}
			if b[i], err = e.eval(p); err != nil {
				return nil, err
			}
		}
		v, err := slice(obj, b[0], b[1], b[2])
		e.charge(obj, v)
		return v, err
	case *callExpr:
		fn, err := e.eval(x.fn)
		if err != nil {
			return nil, err
		}
		args, kw, err := e.evalArgs(x.args, x.kwargs)
		if err != nil {
			return nil, err
		}
		e.charge(fn)
		e.charge(args...)
		v, err := call(fn, args, kw)
		e.charge(v)
		return v, err
	case *filterExpr:
		v, err := e.eval(x.e)
		if err != nil {
			return nil, err
		}
		args, kw, err := e.evalArgs(x.args, x.kwargs)
		if err != nil {
			return nil, err
		}
		f, ok := filters[x.name]
		if !ok {
			return nil, fmt.Errorf("jinja: unknown filter %q", x.name)
		}
		e.charge(v)
		e.charge(args...)
		r, err := f(e, v, args, kw)
		e.charge(r)
		return r, err
	case *testExpr:
		v, err := e.eval(x.e)
		if err != nil {
			return nil, err
		}
		args, _, err := e.evalArgs(x.args, nil)
		if err != nil {
			return nil, err
		}
		f, ok := tests[x.name]
		if !ok {
			return nil, fmt.Errorf("jinja: unknown test %q", x.name)
		}
		r, err := f(v, args)
		if err != nil {
			return nil, err
		}
		return r != x.negate, nil
	case *unExpr:
		v, err := e.eval(x.x)
		if err != nil {
			return nil, err
		}
		switch x.op {
		case "not":
			return !truth(v), nil
		case "-":
			switch n := v.(type) {
			case int64:
				return -n, nil
			case float64:
				return -n, nil
			case bool:
				return -b2i(n), nil
			}
			return nil, fmt.Errorf("jinja: bad operand type for unary -: '%s'", typeName(v))
		default:
			return v, nil
		}
	case *condExpr:
		c, err := e.eval(x.cond)
		if err != nil {
			return nil, err
		}
		if truth(c) {
			return e.eval(x.a)
		}
		if x.b == nil {
			return Undefined{"conditional expression"}, nil
		}
		return e.eval(x.b)
	case *binExpr:
		l, err := e.eval(x.l)
		if err != nil {
			return nil, err
		}
		switch x.op {
		case "and":
			if !truth(l) {
				return l, nil
			}
			return e.eval(x.r)
		case "or":
			if truth(l) {
				return l, nil
			}
			return e.eval(x.r)
		}
		r, err := e.eval(x.r)
		if err != nil {
			return nil, err
		}
		e.charge(l, r)
		v, err := binop(x.op, l, r)
		e.charge(v)
		return v, err
	}
	return nil, fmt.Errorf("jinja: unknown expression %T", x)
}

func (e *env) evalArgs(args []expr, kwargs []kwarg) ([]any, map[string]any, error) {
	var out []any
	for _, a := range args {
		v, err := e.eval(a)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, v)
	}
	var kw map[string]any
	if len(kwargs) > 0 {
		kw = map[string]any{}
		for _, k := range kwargs {
			v, err := e.eval(k.e)
			if err != nil {
				return nil, nil, err
			}
			kw[k.name] = v
		}
	}
	return out, kw, nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// num returns v as a number (bools count as ints, as in Python).
func num(v any) (int64, float64, bool, bool) {
	switch n := v.(type) {
	case int64:
		return n, float64(n), false, true
	case float64:
		return 0, n, true, true
	case bool:
		return b2i(n), float64(b2i(n)), false, true
	}
	return 0, 0, false, false
}

func binop(op string, l, r any) (any, error) {
	if u, ok := l.(Undefined); ok && op != "==" && op != "!=" && op != "~" && op != "in" && op != "not in" {
		return nil, &UndefinedError{u.name}
	}
	if u, ok := r.(Undefined); ok && op != "==" && op != "!=" && op != "~" {
		if op != "in" && op != "not in" {
			return nil, &UndefinedError{u.name}
		}
	}
	switch op {
	case "~":
		a, b := str(l), str(r)
		checkLen("~", int64(len(a))+int64(len(b)))
		return a + b, nil
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "in", "not in":
		in, err := contains(r, l)
		if err != nil {
			return nil, err
		}
		return in == (op == "in"), nil
	case "<", ">", "<=", ">=":
		c, err := compare(l, r)
		if err != nil {
			return nil, err
		}
		switch op {
		case "<":
			return c < 0, nil
		case ">":
			return c > 0, nil
		case "<=":
			return c <= 0, nil
		}
		return c >= 0, nil
	case "+":
		switch a := l.(type) {
		case string:
			if b, ok := r.(string); ok {
				checkLen("+", int64(len(a))+int64(len(b)))
				return a + b, nil
			}
		case []any:
			if b, ok := r.([]any); ok {
				checkItems("+", int64(len(a))+int64(len(b)))
				return append(append([]any{}, a...), b...), nil
			}
		}
	case "*":
		if s, ok := l.(string); ok {
			if n, _, isF, ok := num(r); ok && !isF {
				checkLen("string * int", repeatLen(s, n))
				return strings.Repeat(s, int(max(n, 0))), nil
			}
		}
	}
	li, lf, lF, lok := num(l)
	ri, rf, rF, rok := num(r)
	if !lok || !rok {
		return nil, fmt.Errorf("jinja: unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(l), typeName(r))
	}
	isF := lF || rF
	switch op {
	case "+":
		if isF {
			return lf + rf, nil
		}
		return li + ri, nil
	case "-":
		if isF {
			return lf - rf, nil
		}
		return li - ri, nil
	case "*":
		if isF {
			return lf * rf, nil
		}
		return li * ri, nil
	case "/":
		if rf == 0 {
			return nil, fmt.Errorf("jinja: division by zero")
		}
		return lf / rf, nil
	case "//", "%":
		if rf == 0 {
			return nil, fmt.Errorf("jinja: integer division or modulo by zero")
		}
		if isF {
			q := math.Floor(lf / rf)
			if op == "//" {
				return q, nil
			}
			return lf - q*rf, nil
		}
		q := li / ri
		if (li%ri != 0) && ((li < 0) != (ri < 0)) {
			q--
		}
		if op == "//" {
			return q, nil
		}
		return li - q*ri, nil
	case "**":
		if !isF && ri >= 0 {
			return ipow(li, ri), nil
		}
		return math.Pow(lf, rf), nil
	}
	return nil, fmt.Errorf("jinja: unsupported operator %s", op)
}

// ipow is b**n for n >= 0 by squaring (n may be huge), wrapping at 64 bits.
func ipow(b, n int64) int64 {
	p := int64(1)
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			p *= b
		}
		b *= b
	}
	return p
}

func equal(a, b any) bool { return equalAt(a, b, 0) }

func equalAt(a, b any, depth int) bool {
	checkDepth(depth)
	if _, ok := a.(Undefined); ok {
		_, ok2 := b.(Undefined)
		return ok2
	}
	if _, ok := b.(Undefined); ok {
		return false
	}
	_, af, _, aok := num(a)
	_, bf, _, bok := num(b)
	if aok && bok {
		return af == bf
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalAt(x[i], y[i], depth+1) {
				return false
			}
		}
		return true
	case *Dict:
		y, ok := b.(*Dict)
		if !ok || len(x.keys) != len(y.keys) {
			return false
		}
		for _, k := range x.keys {
			yv, ok := y.m[k]
			if !ok || !equalAt(x.m[k], yv, depth+1) {
				return false
			}
		}
		return true
	}
	return a == b
}

func compare(a, b any) (int, error) {
	_, af, _, aok := num(a)
	_, bf, _, bok := num(b)
	if aok && bok {
		switch {
		case af < bf:
			return -1, nil
		case af > bf:
			return 1, nil
		}
		return 0, nil
	}
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	}
	return 0, fmt.Errorf("jinja: '<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
}

func contains(container, item any) (bool, error) {
	switch c := container.(type) {
	case string:
		s, ok := item.(string)
		if !ok {
			return false, fmt.Errorf("jinja: 'in <string>' requires string as left operand, not %s", typeName(item))
		}
		return strings.Contains(c, s), nil
	case []any:
		for _, e := range c {
			if equal(e, item) {
				return true, nil
			}
		}
		return false, nil
	case *Dict:
		s, ok := item.(string)
		if !ok {
			return false, nil
		}
		_, in := c.m[s]
		return in, nil
	case Undefined:
		return false, nil
	}
	return false, fmt.Errorf("jinja: argument of type '%s' is not iterable", typeName(container))
}

// getAttr is jinja2's obj.name: an attribute (methods of str and dict,
// loop fields, namespace fields) first, else the item.
func getAttr(obj any, name string) (any, error) {
	switch o := obj.(type) {
	case Undefined:
		return nil, &UndefinedError{o.name + "." + name}
	case *loopInfo:
		return o.attr(name), nil
	case *Namespace:
		if v, ok := o.m[name]; ok {
			return v, nil
		}
		return Undefined{name}, nil
	case string:
		if m, ok := strMethods[name]; ok {
			return &bound{recv: o, name: name, fn: m}, nil
		}
		return Undefined{name}, nil
	case *Dict:
		if m, ok := dictMethods[name]; ok {
			return &bound{recv: o, name: name, fn: m}, nil
		}
		if v, ok := o.m[name]; ok {
			return v, nil
		}
		return Undefined{name}, nil
	case []any:
		return Undefined{name}, nil
	}
	return Undefined{name}, nil
}

// getItem is jinja2's obj[idx]: the item first, else the attribute.
func getItem(obj any, idx any) (any, error) {
	switch o := obj.(type) {
	case Undefined:
		return nil, &UndefinedError{o.name + "[" + repr(idx) + "]"}
	case *Dict:
		if s, ok := idx.(string); ok {
			if v, ok := o.m[s]; ok {
				return v, nil
			}
			return getAttr(obj, s)
		}
		return Undefined{repr(idx)}, nil
	case []any:
		if i, _, isF, ok := num(idx); ok && !isF {
			if i < 0 {
				i += int64(len(o))
			}
			if i < 0 || i >= int64(len(o)) {
				return Undefined{"list index"}, nil
			}
			return o[i], nil
		}
	case string:
		if i, _, isF, ok := num(idx); ok && !isF {
			n := runeCount(o)
			if i < 0 {
				i += n
			}
			if i < 0 || i >= n {
				return Undefined{"string index"}, nil
			}
			for _, r := range o {
				if i == 0 {
					return string(r), nil
				}
				i--
			}
		}
	}
	if s, ok := idx.(string); ok {
		return getAttr(obj, s)
	}
	return Undefined{repr(idx)}, nil
}

// slice is Python's obj[lo:hi:step] for lists and strings.
func slice(obj, lo, hi, step any) (any, error) {
	var n int
	var runes []rune
	var list []any
	switch o := obj.(type) {
	case string:
		runes = []rune(o)
		n = len(runes)
	case []any:
		list = o
		n = len(o)
	case Undefined:
		return nil, &UndefinedError{o.name}
	default:
		return nil, fmt.Errorf("jinja: '%s' object is not subscriptable", typeName(obj))
	}
	st := int64(1)
	if step != nil {
		s, _, isF, ok := num(step)
		if !ok || isF || s == 0 {
			return nil, fmt.Errorf("jinja: slice step must be a non-zero integer")
		}
		st = s
	}
	idx := func(v any, def int64) (int64, error) {
		if v == nil {
			return def, nil
		}
		i, _, isF, ok := num(v)
		if !ok || isF {
			return 0, fmt.Errorf("jinja: slice indices must be integers")
		}
		if i < 0 {
			i += int64(n)
		}
		if st > 0 {
			return min(max(i, 0), int64(n)), nil
		}
		return min(max(i, -1), int64(n-1)), nil
	}
	var start, stop int64
	var err error
	if st > 0 {
		if start, err = idx(lo, 0); err != nil {
			return nil, err
		}
		if stop, err = idx(hi, int64(n)); err != nil {
			return nil, err
		}
	} else {
		if start, err = idx(lo, int64(n-1)); err != nil {
			return nil, err
		}
		if stop, err = idx(hi, -1); err != nil {
			return nil, err
		}
	}
	var pick []int
	for i := start; (st > 0 && i < stop) || (st < 0 && i > stop); i += st {
		pick = append(pick, int(i))
	}
	if runes != nil || list == nil && obj != nil {
		if _, ok := obj.(string); ok {
			out := make([]rune, len(pick))
			for k, i := range pick {
				out[k] = runes[i]
			}
			return string(out), nil
		}
	}
	out := make([]any, len(pick))
	for k, i := range pick {
		out[k] = list[i]
	}
	return out, nil
}
