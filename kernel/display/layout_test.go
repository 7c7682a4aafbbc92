package display

import (
	"bytes"
	"encoding/base64"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// A layer axis carries whole-number ticks only, however short or long it is.
func TestIntegerTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   []float64
	}{{0, 1, []float64{0, 1}}, {-0.3, 2.2, []float64{0, 1, 2}}, {0, 35, []float64{0, 5, 10, 15, 20, 25, 30, 35}}, {0.2, 0.8, nil}} {
		var got []float64
		for _, tk := range (IntegerTicks{}).Ticks(c.lo, c.hi) {
			got = append(got, tk.Value)
			if tk.Value != float64(int(tk.Value)) || strings.Contains(tk.Label, ".") {
				t.Fatalf("[%g, %g]: fractional tick %v %q", c.lo, c.hi, tk.Value, tk.Label)
			}
		}
		if len(got) != len(c.want) {
			t.Fatalf("[%g, %g]: ticks %v, want %v", c.lo, c.hi, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("[%g, %g]: ticks %v, want %v", c.lo, c.hi, got, c.want)
			}
		}
	}
	f, err := Line("per layer", "layer", "score", Series{Name: "a", Y: []float64{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	texts, _ := mustSVG(t, f, nil)
	if hasText(texts, "0.5") || !hasText(texts, "1") {
		t.Fatalf("layer axis labels %q: want 0 and 1 only", texts)
	}
}

func TestFormatFit(t *testing.T) {
	for _, c := range []struct {
		a, b float64
		want string
	}{{41.1, -25.6, "y = 41.1·x − 25.6"}, {-0.2, 3, "y = −0.2·x + 3"}, {2, 0, "y = 2·x + 0"}} {
		if got := FormatFit(c.a, c.b); got != c.want {
			t.Errorf("FormatFit(%g, %g) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
	f, _, err := Scatter("fit", "x", "y", []float64{0, 1, 2}, []float64{-25.6, 15.5, 56.6}, nil)
	texts, _ := mustSVG(t, f, err)
	if !hasText(texts, "y = 41.1·x − 25.6") || hasText(texts, "+ -") || !hasText(texts, "least-squares fit") {
		t.Fatalf("scatter legend %q", texts)
	}
}

// The legend of lines and bars is a side legend (outside the data area), and a grid shares one y range.
func TestGridSharesYAndLegendOutside(t *testing.T) {
	a, err := Line("region A", "layer", "score", Series{Name: "Safe", Y: []float64{0, 1}}, Series{Name: "Harmful", Y: []float64{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Line("region B", "layer", "score", Series{Name: "Safe", Y: []float64{-5, 0}}, Series{Name: "Harmful", Y: []float64{3, 10}})
	if err != nil {
		t.Fatal(err)
	}
	if a.SideLegend == nil || a.Plot.Legend.Top || b.SideLegend == nil {
		t.Fatal("line legend is not a side legend")
	}
	g, err := Grid("Fig 3b — measured on tiny", 2, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if a.Plot.Y.Min != b.Plot.Y.Min || a.Plot.Y.Max != b.Plot.Y.Max || a.Plot.Y.Min > -5 || a.Plot.Y.Max < 10 {
		t.Fatalf("y ranges not shared: [%g, %g] vs [%g, %g]", a.Plot.Y.Min, a.Plot.Y.Max, b.Plot.Y.Min, b.Plot.Y.Max)
	}
	texts, _ := mustSVG(t, g, nil)
	for _, w := range []string{"Fig 3b — measured on tiny", "region A", "region B", "Harmful"} {
		if !hasText(texts, w) {
			t.Fatalf("grid svg lacks %q: %q", w, texts)
		}
	}
	if _, err := g.PNG(72); err != nil {
		t.Fatal(err)
	}
	if _, err := Grid("x", 0, a); err == nil {
		t.Fatal("0 columns: no error")
	}
	if _, err := Grid("x", 1, g); err == nil {
		t.Fatal("grid in grid: no error")
	}
	if os.Getenv("RIM_FIGURE_DIR") != "" { // for looking at the figures by eye
		s1, _, _ := Scatter("RAS (A_safe)", "RAS", "M.Rate %", []float64{0, 1, 2}, []float64{-25.6, 15.5, 56.6}, nil)
		s2, _, _ := Scatter("KL", "KL", "M.Rate %", []float64{0, 1, 2}, []float64{3, 1, 2}, nil)
		sg, err := Grid("scatter grid", 2, s1, s2)
		if err != nil {
			t.Fatal(err)
		}
		for name, f := range map[string]*Figure{"grid.png": g, "scatter.png": sg} {
			if err := f.Save(filepath.Join(os.Getenv("RIM_FIGURE_DIR"), name)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Labels never repeat: Fig 8's RAS axis (1.14–1.19) printed "1.2" twice with the default precision.
func TestDistinctTicks(t *testing.T) {
	for _, r := range [][2]float64{{1.1396, 1.185}, {0.00023, 0.00055}, {0, 1}, {-3, 1e6}} {
		seen := map[string]bool{}
		for _, tk := range (DistinctTicks{}).Ticks(r[0], r[1]) {
			if tk.Label != "" && seen[tk.Label] {
				t.Errorf("range %v: label %q repeats", r, tk.Label)
			}
			seen[tk.Label] = true
		}
	}
}

// Heatmaps without labels and bubble charts on whole numbers get whole-number ticks only.
func TestIntegerTicksHeatmapBubbles(t *testing.T) {
	m := make([][]float64, 12)
	for i := range m {
		m[i] = make([]float64, 30)
		m[i][i] = 1
	}
	h, err := Heatmap("h", m, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Bubbles("b", "head", "layer", []float64{0, 3, 7}, []float64{1, 2, 35}, []float64{1, 2, 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, ax := range map[string]plot.Axis{"heatmap x": h.Plot.X, "heatmap y": h.Plot.Y, "bubbles x": b.Plot.X, "bubbles y": b.Plot.Y} {
		for _, tk := range ax.Tick.Marker.Ticks(ax.Min, ax.Max) {
			if tk.Label == "" {
				continue
			}
			if _, err := strconv.Atoi(tk.Label); err != nil || tk.Value != math.Trunc(tk.Value) {
				t.Errorf("%s: tick %v %q is not a whole number", name, tk.Value, tk.Label)
			}
		}
	}
	for _, tk := range h.Plot.Y.Tick.Marker.Ticks(h.Plot.Y.Min, h.Plot.Y.Max) {
		if tk.Value == 0 && tk.Label != "11" {
			t.Errorf("heatmap y: bottom row labelled %q, want 11 (row 0 is at the top)", tk.Label)
		}
	}
}

// The HTML form of a figure is an <img> whose data URI decodes to the SVG itself.
func TestFigureHTML(t *testing.T) {
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><text>a&b</text></svg>`)
	h := FigureHTML(`t "x"`, svg)
	i := strings.Index(h, "base64,")
	if !strings.HasPrefix(h, `<img alt="t &#34;x&#34;"`) || i < 0 {
		t.Fatalf("html %q", h)
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(h[i+len("base64,"):], `"/>`))
	if err != nil || !bytes.Equal(dec, svg) {
		t.Fatalf("data uri decodes to %q, %v", dec, err)
	}
}

// Outside a notebook Show records nothing; logDisplay appends one JSON line per figure.
func TestLogDisplay(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log.jsonl")
	t.Setenv("RIM_DISPLAY_LOG", p)
	for _, title := range []string{"a", "b"} {
		if err := logDisplay("figure", title); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "{\"kind\":\"figure\",\"title\":\"a\"}\n{\"kind\":\"figure\",\"title\":\"b\"}\n" {
		t.Fatalf("log %q, %v", b, err)
	}
}
