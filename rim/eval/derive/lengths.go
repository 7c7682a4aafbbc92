package derive

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// Summary describes one set of lengths.
type Summary struct {
	N                int
	Mean, SD, Median float64
	Min, Max         int
}

// Summarize computes the summary of xs (sample SD, n−1).
func Summarize(xs []int) Summary {
	s := Summary{N: len(xs)}
	if len(xs) == 0 {
		return s
	}
	ys := append([]int(nil), xs...)
	sort.Ints(ys)
	s.Min, s.Max = ys[0], ys[len(ys)-1]
	if len(ys)%2 == 1 {
		s.Median = float64(ys[len(ys)/2])
	} else {
		s.Median = float64(ys[len(ys)/2-1]+ys[len(ys)/2]) / 2
	}
	for _, x := range xs {
		s.Mean += float64(x)
	}
	s.Mean /= float64(len(xs))
	if len(xs) > 1 {
		for _, x := range xs {
			d := float64(x) - s.Mean
			s.SD += d * d
		}
		s.SD = math.Sqrt(s.SD / float64(len(xs)-1))
	}
	return s
}

// LengthReport compares control and target lengths (the paper asserts both
// "contain CoTs of similar length" without numbers, docs/paper.md §3.2).
type LengthReport struct {
	Unit            string
	Original        Summary
	Control, Target Summary
	PairedN         int     // items present in both groups
	MeanDiff        float64 // mean of target − control over pairs
	SDDiff          float64
	MeanRatio       float64 // mean of target/control over pairs with control > 0
}

// Words counts whitespace-separated words; Chars counts runes.
func Words(s string) int { return len(strings.Fields(s)) }

// Chars counts runes.
func Chars(s string) int { return utf8.RuneCountInString(s) }

// Lengths computes the report for paired texts (control[i] and target[i] are
// edits of original[i]; an empty string means the edit failed and the item is
// left out of that group and of the pairs). length is Words, Chars or a
// tokenizer's count.
func Lengths(unit string, length func(string) int, original, control, target []string) (LengthReport, error) {
	if len(control) != len(original) || len(target) != len(original) {
		return LengthReport{}, fmt.Errorf("derive: lengths: %d originals, %d controls, %d targets", len(original), len(control), len(target))
	}
	var lo, lc, lt []int
	var diffs []float64
	var ratio float64
	nr := 0
	for i := range original {
		lo = append(lo, length(original[i]))
		if control[i] != "" {
			lc = append(lc, length(control[i]))
		}
		if target[i] != "" {
			lt = append(lt, length(target[i]))
		}
		if control[i] != "" && target[i] != "" {
			c, t := length(control[i]), length(target[i])
			diffs = append(diffs, float64(t-c))
			if c > 0 {
				ratio += float64(t) / float64(c)
				nr++
			}
		}
	}
	r := LengthReport{Unit: unit, Original: Summarize(lo), Control: Summarize(lc), Target: Summarize(lt), PairedN: len(diffs)}
	if len(diffs) > 0 {
		for _, d := range diffs {
			r.MeanDiff += d
		}
		r.MeanDiff /= float64(len(diffs))
		if len(diffs) > 1 {
			for _, d := range diffs {
				r.SDDiff += (d - r.MeanDiff) * (d - r.MeanDiff)
			}
			r.SDDiff = math.Sqrt(r.SDDiff / float64(len(diffs)-1))
		}
	}
	if nr > 0 {
		r.MeanRatio = ratio / float64(nr)
	}
	return r, nil
}

// Write prints the report as a small table.
func (r LengthReport) Write(w io.Writer) {
	fmt.Fprintf(w, "length in %s       n     mean       sd   median   min   max\n", r.Unit)
	for _, g := range []struct {
		name string
		s    Summary
	}{{"original", r.Original}, {"control", r.Control}, {"target", r.Target}} {
		fmt.Fprintf(w, "  %-14s %6d %8.1f %8.1f %8.1f %5d %5d\n", g.name, g.s.N, g.s.Mean, g.s.SD, g.s.Median, g.s.Min, g.s.Max)
	}
	fmt.Fprintf(w, "target − control over %d pairs: mean %.1f (sd %.1f), mean ratio %.3f\n", r.PairedN, r.MeanDiff, r.SDDiff, r.MeanRatio)
}
