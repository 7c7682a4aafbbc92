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
	// heatmap's colour scale) instead of over the data.
	SideLegend *plot.Legend
}

// draw renders the plot (and the side legend) onto a canvas.
func (f *Figure) draw(c vg.CanvasSizer) {
	dc := draw.New(c)
	if f.SideLegend != nil {
		r := f.SideLegend.Rectangle(dc)
		f.SideLegend.Draw(dc)
		dc = draw.Crop(dc, 0, -(r.Max.X-r.Min.X)-3*vg.Millimeter, 0, 0)
	}
	f.Plot.Draw(dc)
}

// DefaultWidth and DefaultHeight size new figures (about 640×400 px).
var DefaultWidth, DefaultHeight = 6.67 * vg.Inch, 4.17 * vg.Inch

func newFigure(title, xLabel, yLabel string) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	return &Figure{Plot: p, Width: DefaultWidth, Height: DefaultHeight}
}

// SVG renders the figure as an SVG document. Fonts are referenced, not
// embedded, which keeps a figure to a few kilobytes.
func (f *Figure) SVG() ([]byte, error) {
	c := vgsvg.NewWith(vgsvg.UseWH(f.Width, f.Height), vgsvg.EmbedFonts(false))
	f.draw(c)
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("display: %q: svg: %w", f.Plot.Title.Text, err)
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
		return nil, fmt.Errorf("display: %q: png: %w", f.Plot.Title.Text, err)
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
