package eval

import (
	"math"
	"strconv"
)

// evalExpr evaluates a normalised answer as a real number when it is plain
// arithmetic: decimals, + - * /, ^, parentheses/braces, \frac{a}{b}, \sqrt{x},
// \sqrt[n]{x}, \pi, implicit multiplication ("3\sqrt{2}", "2\pi"), and a
// trailing "/b" fraction. Anything else (variables, i, sets) gives ok false.
//
// Hand-written because no pinned dependency parses LaTeX arithmetic, and
// MATH500 answers need only this small grammar to compare "\frac{3\sqrt3}{4}"
// with "0.75\sqrt{3}".
func evalExpr(s string) (v float64, ok bool) {
	if s == "" || len(s) > 200 {
		return 0, false
	}
	p := &exprParser{s: s}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v = p.sum()
	if p.i != len(p.s) || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

type exprParser struct {
	s     string
	i     int
	depth int
}

type exprFail struct{}

func (p *exprParser) fail() { panic(exprFail{}) }

func (p *exprParser) peek(t string) bool {
	return len(p.s)-p.i >= len(t) && p.s[p.i:p.i+len(t)] == t
}

func (p *exprParser) eat(t string) bool {
	if p.peek(t) {
		p.i += len(t)
		return true
	}
	return false
}

func (p *exprParser) sum() float64 {
	v := p.product()
	for {
		switch {
		case p.eat("+"):
			v += p.product()
		case p.eat("-"):
			v -= p.product()
		default:
			return v
		}
	}
}

func (p *exprParser) product() float64 {
	v := p.unary()
	for {
		switch {
		case p.eat("*"):
			v *= p.unary()
		case p.eat("/"):
			v /= p.unary()
		case p.i < len(p.s) && (p.s[p.i] == '(' || p.s[p.i] == '{' || p.s[p.i] == '\\' || isDigit(p.s[p.i])):
			v *= p.power() // implicit multiplication
		default:
			return v
		}
	}
}

func (p *exprParser) unary() float64 {
	if p.eat("-") {
		return -p.unary()
	}
	if p.eat("+") {
		return p.unary()
	}
	return p.power()
}

func (p *exprParser) power() float64 {
	b := p.atom()
	if p.eat("^") {
		var e float64
		if p.peek("{") {
			e = p.group()
		} else {
			e = p.atom()
		}
		return math.Pow(b, e)
	}
	return b
}

// group parses "{expr}".
func (p *exprParser) group() float64 {
	if !p.eat("{") {
		p.fail()
	}
	p.depth++
	if p.depth > 50 {
		p.fail()
	}
	v := p.sum()
	if !p.eat("}") {
		p.fail()
	}
	p.depth--
	return v
}

// arg parses a command argument: "{expr}" or a single digit.
func (p *exprParser) arg() float64 {
	if p.peek("{") {
		return p.group()
	}
	if p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
		return float64(p.s[p.i-1] - '0')
	}
	p.fail()
	return 0
}

func (p *exprParser) atom() float64 {
	switch {
	case p.i >= len(p.s):
		p.fail()
	case p.peek("{"):
		return p.group()
	case p.eat("("):
		p.depth++
		if p.depth > 50 {
			p.fail()
		}
		v := p.sum()
		if !p.eat(")") {
			p.fail()
		}
		p.depth--
		return v
	case p.eat(`\frac`):
		a := p.arg()
		return a / p.arg()
	case p.eat(`\sqrt`):
		n := 2.0
		if p.eat("[") {
			n = p.sum()
			if !p.eat("]") {
				p.fail()
			}
		}
		return math.Pow(p.arg(), 1/n)
	case p.eat(`\pi`):
		return math.Pi
	case isDigit(p.s[p.i]) || p.s[p.i] == '.':
		j := p.i
		for j < len(p.s) && (isDigit(p.s[j]) || p.s[j] == '.') {
			j++
		}
		v, err := strconv.ParseFloat(p.s[p.i:j], 64)
		if err != nil {
			p.fail()
		}
		p.i = j
		return v
	}
	p.fail()
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
