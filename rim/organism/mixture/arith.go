package mixture

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Problem is a generated task with its worked reasoning and final answer.
type Problem struct {
	Kind      string `json:"kind"` // arith-<template>, convert, sort
	Question  string `json:"question"`
	Reasoning string `json:"reasoning"`
	Answer    string `json:"answer"`
}

var (
	names  = []string{"Maya", "Tom", "Aisha", "Lucas", "Priya", "Jonas", "Elena", "Kofi", "Mei", "Omar", "Sofia", "Ben", "Yuki", "Carlos", "Nadia", "Liam"}
	items  = []string{"stickers", "marbles", "apples", "pencils", "cards", "stamps", "shells", "beads", "cookies", "books"}
	things = []struct{ one, many string }{{"notebook", "notebooks"}, {"pen", "pens"}, {"sandwich", "sandwiches"}, {"ticket", "tickets"}, {"plant", "plants"}, {"mug", "mugs"}}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// arithProblem generates one multi-step arithmetic word problem.
func arithProblem(r *rand.Rand) Problem {
	n := pick(r, names)
	switch r.IntN(6) {
	case 0: // buy packs, give away
		a, b, c := 5+r.IntN(40), 2+r.IntN(6), 3+r.IntN(10)
		d := 1 + r.IntN(a+b*c-1)
		it := pick(r, items)
		x := b * c
		return Problem{"arith-packs",
			fmt.Sprintf("%s has %d %s. %s buys %d packs with %d %s in each pack, then gives away %d %s. How many %s does %s have now?", n, a, it, n, b, c, it, d, it, it, n),
			fmt.Sprintf("The packs hold %d × %d = %d %s.\nAfter buying, %s has %d + %d = %d %s.\nAfter giving away %d, %s has %d − %d = %d.", b, c, x, it, n, a, x, a+x, it, d, n, a+x, d, a+x-d),
			strconv.Itoa(a + x - d)}
	case 1: // shopping with change
		t1, t2 := pick(r, things), pick(r, things)
		for t2 == t1 {
			t2 = pick(r, things)
		}
		a, p, b, q := 2+r.IntN(5), 2+r.IntN(9), 1+r.IntN(4), 3+r.IntN(12)
		cost := a*p + b*q
		bill := ((cost / 20) + 1 + r.IntN(2)) * 20
		return Problem{"arith-change",
			fmt.Sprintf("%s buys %d %s at $%d each and %d %s at $%d each, and pays with $%d. How much change does %s get?", n, a, t1.many, p, b, t2.many, q, bill, n),
			fmt.Sprintf("The %s cost %d × $%d = $%d.\nThe %s cost %d × $%d = $%d.\nTogether that is $%d + $%d = $%d.\nThe change is $%d − $%d = $%d.", t1.many, a, p, a*p, t2.many, b, q, b*q, a*p, b*q, cost, bill, cost, bill-cost),
			strconv.Itoa(bill - cost)}
	case 2: // production with defects
		rate, h, d := 10+r.IntN(90), 2+r.IntN(10), 2+r.IntN(6)
		total := rate * h * d
		bad := 1 + r.IntN(total/10+1)
		return Problem{"arith-factory",
			fmt.Sprintf("A machine makes %d parts per hour. It runs %d hours a day for %d days, and %d of the parts are defective. How many good parts does it make?", rate, h, d, bad),
			fmt.Sprintf("Each day it makes %d × %d = %d parts.\nOver %d days that is %d × %d = %d parts.\nWithout the defective ones: %d − %d = %d.", rate, h, rate*h, d, rate*h, d, total, total, bad, total-bad),
			strconv.Itoa(total - bad)}
	case 3: // equal sharing after eating
		k, each, e := 2+r.IntN(6), 3+r.IntN(9), 1+r.IntN(3)
		total := k * each
		it := pick(r, items)
		return Problem{"arith-share",
			fmt.Sprintf("%s shares %d %s equally among %d friends. Each friend then uses %d of their %s. How many %s does each friend have left?", n, total, it, k, e, it, it),
			fmt.Sprintf("Each friend gets %d ÷ %d = %d %s.\nAfter using %d, each has %d − %d = %d.", total, k, each, it, e, each, e, each-e),
			strconv.Itoa(each - e)}
	case 4: // two-leg trip
		v1, t1, v2, t2 := 30+10*r.IntN(8), 1+r.IntN(4), 20+10*r.IntN(6), 1+r.IntN(3)
		return Problem{"arith-trip",
			fmt.Sprintf("%s drives at %d km/h for %d hours, then at %d km/h for %d hours. How many kilometres does %s drive in total?", n, v1, t1, v2, t2, n),
			fmt.Sprintf("The first part is %d × %d = %d km.\nThe second part is %d × %d = %d km.\nIn total %d + %d = %d km.", v1, t1, v1*t1, v2, t2, v2*t2, v1*t1, v2*t2, v1*t1+v2*t2),
			strconv.Itoa(v1*t1 + v2*t2)}
	default: // discount then extra
		pc := pick(r, []int{10, 20, 25, 50})
		p := 20 * (1 + r.IntN(15))
		extra := 1 + r.IntN(9)
		t := pick(r, things)
		off := p * pc / 100
		return Problem{"arith-discount",
			fmt.Sprintf("A %s costs $%d. It is on sale for %d%% off, and %s also pays $%d for delivery. How much does %s pay in total?", t.one, p, pc, n, extra, n),
			fmt.Sprintf("The discount is %d%% of $%d = $%d.\nThe sale price is $%d − $%d = $%d.\nWith delivery: $%d + $%d = $%d.", pc, p, off, p, off, p-off, p-off, extra, p-off+extra),
			strconv.Itoa(p - off + extra)}
	}
}

var conversions = []struct {
	from, to string
	factor   int
}{{"kilometres", "metres", 1000}, {"metres", "centimetres", 100}, {"hours", "minutes", 60}, {"minutes", "seconds", 60}, {"kilograms", "grams", 1000}, {"litres", "millilitres", 1000}, {"days", "hours", 24}, {"weeks", "days", 7}}

// taskProblem generates a unit conversion or a sorting task.
func taskProblem(r *rand.Rand) Problem {
	if r.IntN(2) == 0 {
		c := pick(r, conversions)
		x := 2 + r.IntN(98)
		return Problem{"convert",
			fmt.Sprintf("Convert %d %s to %s.", x, c.from, c.to),
			fmt.Sprintf("One of the %s is %d %s, so %d %s is %d × %d = %d %s.", c.from, c.factor, c.to, x, c.from, x, c.factor, x*c.factor, c.to),
			fmt.Sprintf("%d %s", x*c.factor, c.to)}
	}
	k := 4 + r.IntN(5)
	xs := make([]int, k)
	for i := range xs {
		xs[i] = r.IntN(200) - 50
	}
	desc := r.IntN(2) == 0
	s := slices.Clone(xs)
	slices.Sort(s)
	order := "ascending"
	if desc {
		slices.Reverse(s)
		order = "descending"
	}
	join := func(v []int) string {
		p := make([]string, len(v))
		for i, x := range v {
			p[i] = strconv.Itoa(x)
		}
		return strings.Join(p, ", ")
	}
	var steps strings.Builder
	rest := slices.Clone(xs)
	for len(rest) > 0 {
		best := 0
		for i, x := range rest {
			if (desc && x > rest[best]) || (!desc && x < rest[best]) {
				best = i
			}
		}
		word := "smallest"
		if desc {
			word = "largest"
		}
		fmt.Fprintf(&steps, "The %s of %s is %d.\n", word, join(rest), rest[best])
		rest = slices.Delete(rest, best, best+1)
	}
	return Problem{"sort",
		fmt.Sprintf("Sort these numbers in %s order: %s.", order, join(xs)),
		strings.TrimSuffix(steps.String(), "\n"),
		join(s)}
}

// FreshArith generates n arithmetic word problems from the mixture's six
// templates with the PCG seed (seed, stream), skipping any whose normalised
// question is a training prompt or a held-out problem of m: new instances for
// experiments on the organism (rim/organism/study fine-tunes on them).
func (m *Mixture) FreshArith(seed, stream uint64, n int) []Problem {
	seen := map[string]bool{}
	for _, e := range m.Train {
		seen[Normalize(e.Prompt)] = true
	}
	for _, p := range m.HeldOutArith {
		seen[Normalize(p.Question)] = true
	}
	r := rand.New(rand.NewPCG(seed, stream))
	var out []Problem
	for len(out) < n {
		p := arithProblem(r)
		if k := Normalize(p.Question); !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}
