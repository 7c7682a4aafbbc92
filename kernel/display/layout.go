package display

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// sideLegend is a legend for Figure.SideLegend: drawn right of the plot,
// never over the data.
func sideLegend() plot.Legend {
	l := plot.NewLegend()
	l.Top = true
	return l
}

// IntegerTicks marks only whole numbers (layers, steps, token offsets): no
// fractional tick such as 0.5 on a layer axis. At most about ten ticks are
// labelled; the step is 1, 2 or 5 times a power of ten.
type IntegerTicks struct{}

// Ticks implements plot.Ticker.
func (IntegerTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := math.Ceil(lo), math.Floor(hi)
	if last < first {
		return nil
	}
	step := 1.0
	for mag := 1.0; (last-first)/step > 10; mag *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if step = m * mag; (last-first)/step <= 10 {
				break
			}
		}
	}
	var ts []plot.Tick
	for v := math.Ceil(first/step) * step; v <= last; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprint(int64(v))})
	}
	return ts
}

// DistinctTicks is gonum/plot's default ticker with labels that never repeat: when the default precision
// prints two ticks alike ("1.2", "1.2" for 1.15 and 1.2), every label gets the fewest decimals that tell
// them apart. newFigure sets it on both axes.
type DistinctTicks struct{}

// Ticks implements plot.Ticker.
func (DistinctTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for prec := 0; prec <= 12; prec++ {
		seen, same := map[string]bool{}, false
		for _, t := range ts {
			if t.Label == "" {
				continue
			}
			same = same || seen[t.Label]
			seen[t.Label] = true
		}
		if !same {
			return ts
		}
		for i := range ts {
			if ts[i].Label != "" {
				ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', prec, 64)
			}
		}
	}
	return ts
}

// FormatFit writes a fitted line with proper signs: "y = 41.1·x − 25.6",
// "y = −0.2·x + 3" (three significant digits, U+2212 for minus).
func FormatFit(slope, intercept float64) string {
	num := func(v float64) string { return strings.Replace(fmt.Sprintf("%.3g", v), "-", "−", 1) }
	sign := "+"
	if intercept < 0 {
		sign, intercept = "−", -intercept
	}
	return fmt.Sprintf("y = %s·x %s %s", num(slope), sign, num(intercept))
}

// Titled joins an item and its source: "Fig 3b — measured on tiny-qwen3".
func Titled(item, source string) string { return item + " — " + source }

// ShareY gives every figure the same y range, the union of their ranges, so
// panels of one figure compare at a glance.
func ShareY(figs ...*Figure) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, f := range figs {
		lo, hi = math.Min(lo, f.Plot.Y.Min), math.Max(hi, f.Plot.Y.Max)
	}
	for _, f := range figs {
		f.Plot.Y.Min, f.Plot.Y.Max = lo, hi
	}
}

// Grid lays figures out as small multiples, cols per row, under one title,
// with a shared y range (ShareY) and one legend beside the grid (the first
// panel's; each panel is expected to plot the same series). Panels keep
// their own titles (e.g. the token region) and axes.
func Grid(title string, cols int, panels ...*Figure) (*Figure, error) {
	if len(panels) == 0 {
		return nil, fmt.Errorf("display: grid %q: no panels", title)
	}
	if cols <= 0 {
		return nil, fmt.Errorf("display: grid %q: %d columns, want ≥ 1", title, cols)
	}
	cols = min(cols, len(panels))
	for i, p := range panels {
		if p == nil || len(p.Panels) > 0 {
			return nil, fmt.Errorf("display: grid %q: panel %d is nil or itself a grid", title, i)
		}
	}
	ShareY(panels...)
	for _, p := range panels {
		p.Plot.Title.TextStyle.Font.Size = vg.Points(10)
	}
	f := newFigure(title, "", "")
	f.Panels, f.Cols, f.SideLegend = panels, cols, panels[0].SideLegend
	rows := (len(panels) + cols - 1) / cols
	f.Width = max(DefaultWidth, vg.Length(cols)*3.6*vg.Inch)
	f.Height = vg.Length(rows)*3*vg.Inch + 0.5*vg.Inch
	return f, nil
}
