package display

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rimlab/rim/rim/analysis/stats"
)

// Series is one named line: Y[i] at X[i] (X nil means 0, 1, 2, … — layer index).
type Series struct {
	Name string
	X, Y []float64
	// Dashed draws a line plot's series dashed (e.g. the paper's Reject/Fulfill or random-control curves).
	Dashed bool
}

// Line plots one line per series, e.g. a metric per layer for several models
// or token regions (paper Fig 3/4 style).
func Line(title, xLabel, yLabel string, series ...Series) (*Figure, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("display: line plot %q: no series", title)
	}
	f := newFigure(title, xLabel, yLabel)
	leg := sideLegend()
	integral := true
	for i, s := range series {
		if len(s.Y) == 0 {
			return nil, fmt.Errorf("display: line plot %q: series %q is empty", title, s.Name)
		}
		if s.X != nil && len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("display: line plot %q: series %q has %d x but %d y values", title, s.Name, len(s.X), len(s.Y))
		}
		pts := make(plotter.XYs, len(s.Y))
		for j, y := range s.Y {
			pts[j].X, pts[j].Y = float64(j), y
			if s.X != nil {
				pts[j].X = s.X[j]
			}
			integral = integral && pts[j].X == math.Trunc(pts[j].X)
		}
		l, p, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("display: line plot %q: series %q: %w", title, s.Name, err)
		}
		l.Color = plotutil.Color(i)
		l.Dashes = plotutil.Dashes(i / 7)
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Color = l.Color
		p.Shape = plotutil.Shape(i)
		p.Radius = vg.Points(2)
		f.Plot.Add(l, p)
		if s.Name != "" {
			leg.Add(s.Name, l, p)
		}
	}
	if integral { // layers, steps, offsets: no tick at 0.5
		f.Plot.X.Tick.Marker = IntegerTicks{}
	}
	f.SideLegend = &leg
	f.Plot.Add(plotter.NewGrid())
	return f, nil
}

// Bars is a grouped bar chart: one group per category, one bar per series in
// each group (e.g. misalignment rate per model for think / no-think).
func Bars(title, yLabel string, categories []string, series ...Series) (*Figure, error) {
	if len(categories) == 0 || len(series) == 0 {
		return nil, fmt.Errorf("display: bar chart %q: needs categories and at least one series", title)
	}
	f := newFigure(title, "", yLabel)
	leg := sideLegend()
	// Bars fill ~70% of each category's slot (the plot area is roughly DefaultWidth wide).
	w := vg.Length(math.Max(3, math.Min(40, 0.7*float64(DefaultWidth-vg.Inch)/float64(len(categories)*len(series)))))
	for i, s := range series {
		if len(s.Y) != len(categories) {
			return nil, fmt.Errorf("display: bar chart %q: series %q has %d values for %d categories", title, s.Name, len(s.Y), len(categories))
		}
		b, err := plotter.NewBarChart(plotter.Values(s.Y), w)
		if err != nil {
			return nil, fmt.Errorf("display: bar chart %q: series %q: %w", title, s.Name, err)
		}
		b.Color = plotutil.Color(i)
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(float64(i)-float64(len(series)-1)/2)
		f.Plot.Add(b)
		if s.Name != "" {
			leg.Add(s.Name, b)
		}
	}
	f.Plot.NominalX(categories...)
	f.Plot.X.Min, f.Plot.X.Max = -0.5, float64(len(categories))-0.5
	f.SideLegend = &leg
	f.Plot.Add(plotter.NewGrid())
	return f, nil
}

// Scatter plots points with their least-squares regression line and reports
// Pearson r, its two-sided p-value and the fitted line (FormatFit) in a
// second title line (paper Fig 8 style; the
// statistic is rim/analysis/stats.Pearson). labels (optional) annotate points.
func Scatter(title, xLabel, yLabel string, x, y []float64, labels []string) (*Figure, stats.Correlation, error) {
	c, err := stats.Pearson(x, y)
	if err != nil {
		return nil, c, fmt.Errorf("display: scatter %q: %w", title, err)
	}
	if labels != nil && len(labels) != len(x) {
		return nil, c, fmt.Errorf("display: scatter %q: %d labels for %d points", title, len(labels), len(x))
	}
	slope, intercept := leastSquares(x, y)
	f := newFigure(fmt.Sprintf("%s\nr = %.3f, p = %.3g, n = %d\n%s", title, c.R, c.P, c.N, FormatFit(slope, intercept)), xLabel, yLabel)
	pts := make(plotter.XYs, len(x))
	for i := range x {
		pts[i].X, pts[i].Y = x[i], y[i]
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, c, fmt.Errorf("display: scatter %q: %w", title, err)
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: plotutil.Color(0), Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
	fit := plotter.NewFunction(func(v float64) float64 { return intercept + slope*v })
	fit.Color = plotutil.Color(1)
	fit.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
	lo, hi := minMax(x)
	fit.XMin, fit.XMax = lo, hi
	f.Plot.Add(plotter.NewGrid(), sc, fit)
	leg := sideLegend()
	leg.Add("data", sc)
	leg.Add("least-squares fit", fit)
	f.SideLegend = &leg
	padRange(f.Plot, x, y, 0.06)
	if labels != nil {
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels})
		if err == nil {
			for i := range l.TextStyle {
				l.TextStyle[i].Font.Size = vg.Points(8)
			}
			l.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(2)}
			f.Plot.Add(l)
		}
	}
	return f, c, nil
}

// leastSquares returns the slope and intercept of the OLS line y = a + b·x.
func leastSquares(x, y []float64) (slope, intercept float64) {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	slope = sxy / sxx
	return slope, my - slope*mx
}

func minMax(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// Bubbles is a scatter whose point areas are proportional to size (e.g.
// number of safety neurons per layer and head), with optional labels.
func Bubbles(title, xLabel, yLabel string, x, y, size []float64, labels []string) (*Figure, error) {
	if len(x) == 0 || len(x) != len(y) || len(x) != len(size) {
		return nil, fmt.Errorf("display: bubbles %q: x, y, size must be non-empty and equally long (got %d, %d, %d)", title, len(x), len(y), len(size))
	}
	if labels != nil && len(labels) != len(x) {
		return nil, fmt.Errorf("display: bubbles %q: %d labels for %d points", title, len(labels), len(x))
	}
	f := newFigure(title, xLabel, yLabel)
	pts := make(plotter.XYs, len(x))
	for i := range x {
		if size[i] < 0 || math.IsNaN(size[i]) {
			return nil, fmt.Errorf("display: bubbles %q: size[%d] = %v must be ≥ 0", title, i, size[i])
		}
		pts[i].X, pts[i].Y = x[i], y[i]
	}
	_, smax := minMax(size)
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, fmt.Errorf("display: bubbles %q: %w", title, err)
	}
	sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
		r := vg.Points(2)
		if smax > 0 {
			r += vg.Points(18 * math.Sqrt(size[i]/smax)) // area ∝ size
		}
		return draw.GlyphStyle{Color: color.NRGBA{R: 31, G: 119, B: 180, A: 150}, Radius: r, Shape: draw.CircleGlyph{}}
	}
	f.Plot.Add(plotter.NewGrid(), sc)
	if labels != nil {
		if l, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels}); err == nil {
			f.Plot.Add(l)
		}
	}
	padRange(f.Plot, x, y, 0.12) // room for the largest bubbles
	integerAxes(f.Plot, x, y)
	return f, nil
}

// integerAxes marks only whole numbers on an axis whose values are all whole (layers, heads).
func integerAxes(p *plot.Plot, x, y []float64) {
	for _, a := range []struct {
		ax *plot.Axis
		v  []float64
	}{{&p.X, x}, {&p.Y, y}} {
		whole := true
		for _, v := range a.v {
			whole = whole && v == math.Trunc(v)
		}
		if whole {
			a.ax.Tick.Marker = IntegerTicks{}
		}
	}
}

// padRange sets the axes to the data range widened by frac of its span on
// each side, so points, labels and bubbles at the edges are not clipped.
func padRange(p *plot.Plot, x, y []float64, frac float64) {
	pad := func(v []float64) (float64, float64) {
		lo, hi := minMax(v)
		d := (hi - lo) * frac
		if d == 0 {
			d = math.Max(math.Abs(lo)*frac, 0.5)
		}
		return lo - d, hi + d
	}
	p.X.Min, p.X.Max = pad(x)
	p.Y.Min, p.Y.Max = pad(y)
}
