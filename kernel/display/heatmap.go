package display

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Heatmap draws m[row][col] (e.g. an attention pattern [query, key] of one
// head) with row labels on the y axis (row 0 at the top) and column labels on
// the x axis (rotated), e.g. the tokens. Labels may be nil (indices are used).
// Cells that are NaN (e.g. masked future keys) are left blank.
func Heatmap(title string, m [][]float64, rowLabels, colLabels []string) (*Figure, error) {
	rows := len(m)
	if rows == 0 || len(m[0]) == 0 {
		return nil, fmt.Errorf("display: heatmap %q: empty matrix", title)
	}
	cols := len(m[0])
	for i, r := range m {
		if len(r) != cols {
			return nil, fmt.Errorf("display: heatmap %q: row %d has %d values, want %d", title, i, len(r), cols)
		}
	}
	if rowLabels != nil && len(rowLabels) != rows {
		return nil, fmt.Errorf("display: heatmap %q: %d row labels for %d rows", title, len(rowLabels), rows)
	}
	if colLabels != nil && len(colLabels) != cols {
		return nil, fmt.Errorf("display: heatmap %q: %d column labels for %d columns", title, len(colLabels), cols)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range m {
		for _, v := range r {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return nil, fmt.Errorf("display: heatmap %q: every value is NaN", title)
	}
	if hi == lo {
		hi = lo + 1
	}
	cmap := moreland.SmoothBlueRed()
	cmap.SetMin(lo)
	cmap.SetMax(hi)
	pal := cmap.Palette(64)
	h := plotter.NewHeatMap(grid{m: m}, pal)
	h.Min, h.Max = lo, hi
	h.NaN = nil // transparent
	f := newFigure(fmt.Sprintf("%s  [%.3g … %.3g]", title, lo, hi), "", "")
	f.Plot.Add(h)
	f.Plot.X.Tick.Marker, f.Plot.Y.Tick.Marker = IntegerTicks{}, flippedIntegerTicks(rows)
	if colLabels != nil {
		f.Plot.X.Tick.Marker = labelTicks(colLabels, false)
	}
	if rowLabels != nil {
		f.Plot.Y.Tick.Marker = labelTicks(rowLabels, true)
	}
	f.Plot.X.Tick.Label.Rotation = math.Pi / 2
	f.Plot.X.Tick.Label.XAlign = -1 // right-aligned after rotation
	f.Plot.X.Tick.Label.YAlign = -0.5
	f.Plot.X.Padding, f.Plot.Y.Padding = 0, 0
	// Colour scale: five palette swatches labelled min … max, right of the plot.
	leg := plot.NewLegend()
	leg.Top = true
	thumbs := plotter.PaletteThumbnailers(pal)
	for i := 4; i >= 0; i-- {
		j := i * (len(thumbs) - 1) / 4
		leg.Add(FormatNumber(lo+(hi-lo)*float64(j)/float64(len(thumbs)-1), 3), thumbs[j])
	}
	f.SideLegend = &leg
	size := vg.Points(float64(max(rows, cols)) * 14)
	f.Width = max(DefaultWidth, size+2*vg.Inch)
	f.Height = max(DefaultHeight, size+1.5*vg.Inch)
	return f, nil
}

// flippedIntegerTicks are IntegerTicks for a heatmap's row axis without labels: row 0 is drawn at the top,
// so the tick at y is labelled rows−1−y.
func flippedIntegerTicks(rows int) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		ts := IntegerTicks{}.Ticks(lo, hi)
		for i := range ts {
			ts[i].Label = fmt.Sprint(rows - 1 - int(ts[i].Value))
		}
		return ts
	})
}

// grid adapts [][]float64 to plotter.GridXYZ with row 0 drawn at the top.
type grid struct{ m [][]float64 }

func (g grid) Dims() (c, r int)   { return len(g.m[0]), len(g.m) }
func (g grid) Z(c, r int) float64 { return g.m[len(g.m)-1-r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// labelTicks places one labelled tick per cell; flipped counts from the top.
func labelTicks(labels []string, flipped bool) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		t := make([]plot.Tick, len(labels))
		for i, s := range labels {
			pos := float64(i)
			if flipped {
				pos = float64(len(labels) - 1 - i)
			}
			t[i] = plot.Tick{Value: pos, Label: s}
		}
		return t
	})
}
