package display

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/rimlab/rim/rim/fileio"
)

// Figure is a gonum/plot plot with its size. Builders (Line, Bars, Scatter,
// Heatmap, Bubbles) return one; callers may tweak Plot before rendering.
type Figure struct {
	Plot          *plot.Plot
	Width, Height vg.Length
	// SideLegend, when set, is drawn in a margin right of the plot (the
	// heatmap's colour scale, the series names of lines and bars) instead of
	// over the data.
	SideLegend *plot.Legend
	// Panels, when set (Grid), are small multiples drawn in a grid of Cols
	// columns under the title Plot.Title.Text; Plot then only holds the title.
	Panels []*Figure
	Cols   int
}

// Title is the figure's title (the grid's title for small multiples).
func (f *Figure) Title() string { return f.Plot.Title.Text }

// draw renders the plot (and the side legend) onto a canvas.
func (f *Figure) draw(c vg.CanvasSizer) {
	dc := draw.New(c)
	if f.SideLegend != nil && f.SideLegend.Rectangle(dc).Size().X > 0 {
		r := f.SideLegend.Rectangle(dc)
		f.SideLegend.Draw(dc)
		dc = draw.Crop(dc, 0, -(r.Max.X-r.Min.X)-3*vg.Millimeter, 0, 0)
	}
	if len(f.Panels) == 0 {
		f.Plot.Draw(dc)
		return
	}
	ts := f.Plot.Title.TextStyle
	ts.XAlign = draw.XCenter
	ts.YAlign = draw.YTop
	dc.FillText(ts, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y}, f.Title())
	dc = draw.Crop(dc, 0, 0, 0, -2*ts.Height(f.Title()))
	rows := (len(f.Panels) + f.Cols - 1) / f.Cols
	tiles := draw.Tiles{Rows: rows, Cols: f.Cols, PadX: 4 * vg.Millimeter, PadY: 4 * vg.Millimeter}
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, f.Cols)
	}
	for i, p := range f.Panels {
		grid[i/f.Cols][i%f.Cols] = p.Plot
	}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range f.Panels {
		p.Plot.Draw(canvases[i/f.Cols][i%f.Cols])
	}
}

// DefaultWidth and DefaultHeight size new figures (about 640×400 px).
var DefaultWidth, DefaultHeight = 6.67 * vg.Inch, 4.17 * vg.Inch

func newFigure(title, xLabel, yLabel string) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Tick.Marker, p.Y.Tick.Marker = DistinctTicks{}, DistinctTicks{}
	return &Figure{Plot: p, Width: DefaultWidth, Height: DefaultHeight}
}

// SVG renders the figure as an SVG document. Fonts are referenced, not
// embedded, which keeps a figure to a few kilobytes.
func (f *Figure) SVG() ([]byte, error) {
	c := vgsvg.NewWith(vgsvg.UseWH(f.Width, f.Height), vgsvg.EmbedFonts(false))
	f.draw(c)
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("display: %q: svg: %w", f.Title(), err)
	}
	return b.Bytes(), nil
}

// PNG renders the figure as a PNG at dpi dots per inch (0 means 96).
func (f *Figure) PNG(dpi int) ([]byte, error) {
	if dpi <= 0 {
		dpi = 96
	}
	c := vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(dpi))
	f.draw(c)
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("display: %q: png: %w", f.Title(), err)
	}
	return b.Bytes(), nil
}

// Save writes the figure to path atomically, as SVG or PNG by the extension.
func (f *Figure) Save(path string) error {
	var data []byte
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		data, err = f.SVG()
	case ".png":
		data, err = f.PNG(144)
	default:
		return fmt.Errorf("display: %s: unknown figure format (use .svg or .png)", path)
	}
	if err != nil {
		return err
	}
	return fileio.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
