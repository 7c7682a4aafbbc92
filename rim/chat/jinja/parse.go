package jinja

import (
	"fmt"
	"strconv"
)

type node interface{}

type (
	textNode   struct{ s string }
	outputNode struct{ e expr }
	ifNode     struct {
		conds  []expr
		bodies [][]node
		els    []node
	}
	forNode struct {
		targets []string
		iter    expr
		cond    expr
		body    []node
		els     []node
	}
	setNode struct {
		name, attr string
		e          expr
	}
	loopCtl struct{ brk bool }
	// passNode holds the body of a block that only marks text, such as
	// transformers' {% generation %}.
	passNode struct{ body []node }
)

type expr interface{}

type (
	literal  struct{ v any }
	nameExpr struct{ name string }
	attrExpr struct {
		obj  expr
		name string
	}
	itemExpr  struct{ obj, idx expr }
	sliceExpr struct {
		obj          expr
		lo, hi, step expr
	}
	callExpr struct {
		fn     expr
		args   []expr
		kwargs []kwarg
	}
	kwarg struct {
		name string
		e    expr
	}
	filterExpr struct {
		e      expr
		name   string
		args   []expr
		kwargs []kwarg
	}
	testExpr struct {
		e      expr
		name   string
		args   []expr
		negate bool
	}
	binExpr struct {
		op   string
		l, r expr
	}
	unExpr struct {
		op string
		x  expr
	}
	condExpr struct{ cond, a, b expr }
	listExpr struct{ elems []expr }
	dictExpr struct{ keys, vals []expr }
)

// parser walks the template pieces.
type parser struct {
	ps    []piece
	i     int
	depth int // nesting of block statements, bounded by maxNesting
}

// Template is a parsed chat template.
type Template struct {
	body []node
}

// Parse parses template source. Statements other than if/elif/else, for
// (with a loop filter and else), set (also of a namespace attribute),
// break/continue and transformers' generation block are refused with an
// error naming them (macros, includes, call and filter blocks).
func Parse(src string) (t *Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("jinja: cannot parse template: %v", r)
		}
	}()
	ps, err := split(src)
	if err != nil {
		return nil, fmt.Errorf("jinja: %w", err)
	}
	p := &parser{ps: ps}
	body, end, err := p.block()
	if err != nil {
		return nil, fmt.Errorf("jinja: %w", err)
	}
	if end != "" {
		return nil, fmt.Errorf("jinja: unexpected {%% %s %%}", end)
	}
	return &Template{body: body}, nil
}

// block parses nodes until a statement whose keyword is in stops (returned
// with its tokens positioned after the keyword) or the end.
func (p *parser) block(stops ...string) ([]node, string, error) {
	if p.depth++; p.depth > maxNesting {
		return nil, "", fmt.Errorf("statements nested deeper than %d levels", maxNesting)
	}
	defer func() { p.depth-- }()
	var out []node
	for p.i < len(p.ps) {
		pc := p.ps[p.i]
		p.i++
		switch pc.kind {
		case pComment:
		case pText:
			if pc.s != "" {
				out = append(out, &textNode{pc.s})
			}
		case pExpr:
			ts, err := lex(pc.s, pc.pos)
			if err != nil {
				return nil, "", err
			}
			ep := &exprParser{ts: ts}
			e, err := ep.parseExpr()
			if err != nil {
				return nil, "", err
			}
			if err := ep.expectEOF(); err != nil {
				return nil, "", err
			}
			out = append(out, &outputNode{e})
		case pStmt:
			ts, err := lex(pc.s, pc.pos)
			if err != nil {
				return nil, "", err
			}
			if ts[0].kind != tName {
				return nil, "", fmt.Errorf("byte %d: statement expected", pc.pos)
			}
			kw := ts[0].s
			for _, s := range stops {
				if kw == s {
					p.i-- // leave the stop for the caller
					return out, kw, nil
				}
			}
			ep := &exprParser{ts: ts, i: 1}
			n, err := p.statement(kw, ep, pc.pos)
			if err != nil {
				return nil, "", err
			}
			if n != nil {
				out = append(out, n)
			}
		}
	}
	if len(stops) > 0 {
		return nil, "", fmt.Errorf("missing {%% %s %%}", stops[len(stops)-1])
	}
	return out, "", nil
}

// stopTokens returns the expression parser of the stop statement at p.i
// and moves past it.
func (p *parser) stopTokens() *exprParser {
	pc := p.ps[p.i]
	p.i++
	ts, _ := lex(pc.s, pc.pos)
	return &exprParser{ts: ts, i: 1}
}

func (p *parser) statement(kw string, ep *exprParser, pos int) (node, error) {
	switch kw {
	case "if":
		n := &ifNode{}
		cond, err := ep.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := ep.expectEOF(); err != nil {
			return nil, err
		}
		for {
			body, stop, err := p.block("elif", "else", "endif")
			if err != nil {
				return nil, err
			}
			n.conds = append(n.conds, cond)
			n.bodies = append(n.bodies, body)
			sp := p.stopTokens()
			switch stop {
			case "elif":
				if cond, err = sp.parseExpr(); err != nil {
					return nil, err
				}
				continue
			case "else":
				els, _, err := p.block("endif")
				if err != nil {
					return nil, err
				}
				p.stopTokens()
				n.els = els
			}
			return n, nil
		}
	case "for":
		n := &forNode{}
		for {
			t := ep.next()
			if t.kind != tName {
				return nil, fmt.Errorf("byte %d: loop variable expected", t.pos)
			}
			n.targets = append(n.targets, t.s)
			if !ep.acceptOp(",") {
				break
			}
		}
		if t := ep.next(); t.kind != tName || t.s != "in" {
			return nil, fmt.Errorf("byte %d: 'in' expected", t.pos)
		}
		iter, err := ep.parseOr() // no conditional expression: "if" filters the loop
		if err != nil {
			return nil, err
		}
		n.iter = iter
		if ep.acceptName("if") {
			if n.cond, err = ep.parseExpr(); err != nil {
				return nil, err
			}
		}
		if ep.acceptName("recursive") {
			return nil, fmt.Errorf("byte %d: recursive loops are not supported", pos)
		}
		if err := ep.expectEOF(); err != nil {
			return nil, err
		}
		body, stop, err := p.block("else", "endfor")
		if err != nil {
			return nil, err
		}
		p.stopTokens()
		n.body = body
		if stop == "else" {
			if n.els, _, err = p.block("endfor"); err != nil {
				return nil, err
			}
			p.stopTokens()
		}
		return n, nil
	case "set":
		t := ep.next()
		if t.kind != tName {
			return nil, fmt.Errorf("byte %d: variable expected after set", t.pos)
		}
		n := &setNode{name: t.s}
		if ep.acceptOp(".") {
			a := ep.next()
			if a.kind != tName {
				return nil, fmt.Errorf("byte %d: attribute expected", a.pos)
			}
			n.attr = a.s
		}
		if !ep.acceptOp("=") {
			return nil, fmt.Errorf("byte %d: block set and multiple targets are not supported", pos)
		}
		e, err := ep.parseExpr()
		if err != nil {
			return nil, err
		}
		n.e = e
		return n, ep.expectEOF()
	case "break", "continue":
		return &loopCtl{brk: kw == "break"}, ep.expectEOF()
	case "generation":
		body, _, err := p.block("endgeneration")
		if err != nil {
			return nil, err
		}
		p.stopTokens()
		return &passNode{body}, nil
	}
	return nil, fmt.Errorf("byte %d: unsupported statement %q", pos, kw)
}

// exprParser parses expressions with jinja2's precedence: conditional,
// or, and, not, comparison, ~, + -, * / // %, **, unary, then postfix
// (attribute, item, slice, call) with filters and tests.
type exprParser struct {
	ts    []token
	i     int
	depth int // recursion of parseNot/parseUnary, bounded by maxNesting
}

// enter counts one level of expression nesting; the caller defers leave.
func (ep *exprParser) enter() error {
	if ep.depth++; ep.depth > maxNesting {
		return fmt.Errorf("byte %d: expression nested deeper than %d levels", ep.peek().pos, maxNesting)
	}
	return nil
}
func (ep *exprParser) leave() { ep.depth-- }

func (ep *exprParser) peek() token { return ep.ts[ep.i] }
func (ep *exprParser) next() token {
	t := ep.ts[ep.i]
	if t.kind != tEOF {
		ep.i++
	}
	return t
}
func (ep *exprParser) acceptOp(op string) bool {
	if t := ep.peek(); t.kind == tOp && t.s == op {
		ep.i++
		return true
	}
	return false
}
func (ep *exprParser) acceptName(n string) bool {
	if t := ep.peek(); t.kind == tName && t.s == n {
		ep.i++
		return true
	}
	return false
}
func (ep *exprParser) expectOp(op string) error {
	if !ep.acceptOp(op) {
		t := ep.peek()
		return fmt.Errorf("byte %d: %q expected, found %q", t.pos, op, t.s)
	}
	return nil
}
func (ep *exprParser) expectEOF() error {
	if t := ep.peek(); t.kind != tEOF {
		return fmt.Errorf("byte %d: unexpected %q", t.pos, t.s)
	}
	return nil
}

func (ep *exprParser) parseExpr() (expr, error) {
	a, err := ep.parseOr()
	if err != nil {
		return nil, err
	}
	for ep.acceptName("if") {
		cond, err := ep.parseOr()
		if err != nil {
			return nil, err
		}
		var b expr
		if ep.acceptName("else") {
			if b, err = ep.parseExpr(); err != nil {
				return nil, err
			}
		}
		a = &condExpr{cond, a, b}
	}
	return a, nil
}

func (ep *exprParser) parseOr() (expr, error) {
	l, err := ep.parseAnd()
	for err == nil && ep.acceptName("or") {
		var r expr
		r, err = ep.parseAnd()
		l = &binExpr{"or", l, r}
	}
	return l, err
}

func (ep *exprParser) parseAnd() (expr, error) {
	l, err := ep.parseNot()
	for err == nil && ep.acceptName("and") {
		var r expr
		r, err = ep.parseNot()
		l = &binExpr{"and", l, r}
	}
	return l, err
}

func (ep *exprParser) parseNot() (expr, error) {
	if err := ep.enter(); err != nil {
		return nil, err
	}
	defer ep.leave()
	if ep.acceptName("not") {
		x, err := ep.parseNot()
		return &unExpr{"not", x}, err
	}
	return ep.parseCompare()
}

func (ep *exprParser) parseCompare() (expr, error) {
	l, err := ep.parseConcat()
	if err != nil {
		return nil, err
	}
	for {
		t := ep.peek()
		var op string
		switch {
		case t.kind == tOp && (t.s == "==" || t.s == "!=" || t.s == "<" || t.s == ">" || t.s == "<=" || t.s == ">="):
			op = t.s
			ep.i++
		case t.kind == tName && t.s == "in":
			op = "in"
			ep.i++
		case t.kind == tName && t.s == "not" && ep.ts[ep.i+1].kind == tName && ep.ts[ep.i+1].s == "in":
			op = "not in"
			ep.i += 2
		default:
			return l, nil
		}
		r, err := ep.parseConcat()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op, l, r}
	}
}

func (ep *exprParser) parseConcat() (expr, error) {
	l, err := ep.parseMath1()
	for err == nil && ep.acceptOp("~") {
		var r expr
		r, err = ep.parseMath1()
		l = &binExpr{"~", l, r}
	}
	return l, err
}

func (ep *exprParser) parseMath1() (expr, error) {
	l, err := ep.parseMath2()
	for err == nil {
		t := ep.peek()
		if t.kind != tOp || (t.s != "+" && t.s != "-") {
			break
		}
		ep.i++
		var r expr
		r, err = ep.parseMath2()
		l = &binExpr{t.s, l, r}
	}
	return l, err
}

func (ep *exprParser) parseMath2() (expr, error) {
	l, err := ep.parsePow()
	for err == nil {
		t := ep.peek()
		if t.kind != tOp || (t.s != "*" && t.s != "/" && t.s != "//" && t.s != "%") {
			break
		}
		ep.i++
		var r expr
		r, err = ep.parsePow()
		l = &binExpr{t.s, l, r}
	}
	return l, err
}

func (ep *exprParser) parsePow() (expr, error) {
	l, err := ep.parseUnary()
	for err == nil && ep.acceptOp("**") {
		var r expr
		r, err = ep.parseUnary()
		l = &binExpr{"**", l, r}
	}
	return l, err
}

func (ep *exprParser) parseUnary() (expr, error) {
	if err := ep.enter(); err != nil {
		return nil, err
	}
	defer ep.leave()
	if t := ep.peek(); t.kind == tOp && (t.s == "-" || t.s == "+") {
		ep.i++
		x, err := ep.parseUnary()
		return &unExpr{t.s, x}, err
	}
	x, err := ep.parsePrimary()
	if err != nil {
		return nil, err
	}
	if x, err = ep.parsePostfix(x); err != nil {
		return nil, err
	}
	return ep.parseFilters(x)
}

func (ep *exprParser) parsePrimary() (expr, error) {
	t := ep.next()
	switch t.kind {
	case tString:
		s := t.s
		for ep.peek().kind == tString { // adjacent literals concatenate
			s += ep.next().s
		}
		return &literal{s}, nil
	case tInt:
		v, err := strconv.ParseInt(t.s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("byte %d: %w", t.pos, err)
		}
		return &literal{v}, nil
	case tFloat:
		v, err := strconv.ParseFloat(t.s, 64)
		if err != nil {
			return nil, fmt.Errorf("byte %d: %w", t.pos, err)
		}
		return &literal{v}, nil
	case tName:
		switch t.s {
		case "true", "True":
			return &literal{true}, nil
		case "false", "False":
			return &literal{false}, nil
		case "none", "None":
			return &literal{nil}, nil
		}
		return &nameExpr{t.s}, nil
	case tOp:
		switch t.s {
		case "(":
			if ep.acceptOp(")") {
				return &listExpr{}, nil
			}
			e, err := ep.parseExpr()
			if err != nil {
				return nil, err
			}
			if ep.acceptOp(",") { // a tuple
				elems := []expr{e}
				for !ep.acceptOp(")") {
					x, err := ep.parseExpr()
					if err != nil {
						return nil, err
					}
					elems = append(elems, x)
					if !ep.acceptOp(",") {
						if err := ep.expectOp(")"); err != nil {
							return nil, err
						}
						break
					}
				}
				return &listExpr{elems}, nil
			}
			return e, ep.expectOp(")")
		case "[":
			l := &listExpr{}
			for !ep.acceptOp("]") {
				x, err := ep.parseExpr()
				if err != nil {
					return nil, err
				}
				l.elems = append(l.elems, x)
				if !ep.acceptOp(",") {
					if err := ep.expectOp("]"); err != nil {
						return nil, err
					}
					break
				}
			}
			return l, nil
		case "{":
			d := &dictExpr{}
			for !ep.acceptOp("}") {
				k, err := ep.parseExpr()
				if err != nil {
					return nil, err
				}
				if err := ep.expectOp(":"); err != nil {
					return nil, err
				}
				v, err := ep.parseExpr()
				if err != nil {
					return nil, err
				}
				d.keys, d.vals = append(d.keys, k), append(d.vals, v)
				if !ep.acceptOp(",") {
					if err := ep.expectOp("}"); err != nil {
						return nil, err
					}
					break
				}
			}
			return d, nil
		}
	}
	return nil, fmt.Errorf("byte %d: unexpected %q", t.pos, t.s)
}

func (ep *exprParser) parsePostfix(x expr) (expr, error) {
	for {
		switch {
		case ep.acceptOp("."):
			t := ep.next()
			if t.kind != tName && t.kind != tInt {
				return nil, fmt.Errorf("byte %d: attribute expected", t.pos)
			}
			x = &attrExpr{x, t.s}
		case ep.acceptOp("["):
			var parts [3]expr
			n := 0
			isSlice := false
			for {
				if t := ep.peek(); !(t.kind == tOp && (t.s == ":" || t.s == "]")) {
					e, err := ep.parseExpr()
					if err != nil {
						return nil, err
					}
					parts[n] = e
				}
				if ep.acceptOp(":") {
					isSlice = true
					n++
					if n > 2 {
						return nil, fmt.Errorf("byte %d: bad slice", ep.peek().pos)
					}
					continue
				}
				if err := ep.expectOp("]"); err != nil {
					return nil, err
				}
				break
			}
			if isSlice {
				x = &sliceExpr{x, parts[0], parts[1], parts[2]}
			} else {
				x = &itemExpr{x, parts[0]}
			}
		case ep.peek().kind == tOp && ep.peek().s == "(":
			ep.i++
			args, kwargs, err := ep.parseArgs()
			if err != nil {
				return nil, err
			}
			x = &callExpr{x, args, kwargs}
		default:
			return x, nil
		}
	}
}

// parseArgs parses call arguments after "(" up to ")".
func (ep *exprParser) parseArgs() ([]expr, []kwarg, error) {
	var args []expr
	var kwargs []kwarg
	for !ep.acceptOp(")") {
		if t := ep.peek(); t.kind == tName && ep.ts[ep.i+1].kind == tOp && ep.ts[ep.i+1].s == "=" {
			ep.i += 2
			e, err := ep.parseExpr()
			if err != nil {
				return nil, nil, err
			}
			kwargs = append(kwargs, kwarg{t.s, e})
		} else {
			e, err := ep.parseExpr()
			if err != nil {
				return nil, nil, err
			}
			args = append(args, e)
		}
		if !ep.acceptOp(",") {
			if err := ep.expectOp(")"); err != nil {
				return nil, nil, err
			}
			break
		}
	}
	return args, kwargs, nil
}

func (ep *exprParser) parseFilters(x expr) (expr, error) {
	for {
		switch {
		case ep.acceptOp("|"):
			t := ep.next()
			if t.kind != tName {
				return nil, fmt.Errorf("byte %d: filter name expected", t.pos)
			}
			f := &filterExpr{e: x, name: t.s}
			if ep.acceptOp("(") {
				var err error
				if f.args, f.kwargs, err = ep.parseArgs(); err != nil {
					return nil, err
				}
			}
			x = f
		case ep.acceptName("is"):
			neg := ep.acceptName("not")
			t := ep.next()
			if t.kind != tName {
				return nil, fmt.Errorf("byte %d: test name expected", t.pos)
			}
			te := &testExpr{e: x, name: t.s, negate: neg}
			if t.s == "none" || t.s == "true" || t.s == "false" {
				// "is none" etc.: names, not literals
			}
			if ep.acceptOp("(") {
				args, _, err := ep.parseArgs()
				if err != nil {
					return nil, err
				}
				te.args = args
			} else if nt := ep.peek(); nt.kind == tString || nt.kind == tInt || nt.kind == tFloat || (nt.kind == tName && nt.s != "and" && nt.s != "or" && nt.s != "if" && nt.s != "else" && nt.s != "is" && nt.s != "not" && nt.s != "in") {
				arg, err := ep.parsePrimary()
				if err != nil {
					return nil, err
				}
				arg, err = ep.parsePostfix(arg)
				if err != nil {
					return nil, err
				}
				te.args = []expr{arg}
			}
			x = te
		default:
			return x, nil
		}
	}
}
