package display

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/analysis/stats"
)

// svgTexts parses an SVG document (failing on malformed XML) and returns the
// content of its <text> elements and the number of <path> elements.
func svgTexts(t *testing.T, svg []byte) (texts []string, paths int) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	inText, root := false, ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("svg is not well-formed XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = x.Name.Local
			}
			inText = x.Name.Local == "text"
			if x.Name.Local == "path" {
				paths++
			}
		case xml.CharData:
			if inText {
				texts = append(texts, string(x))
			}
		case xml.EndElement:
			inText = false
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	return texts, paths
}

func hasText(texts []string, want string) bool {
	for _, s := range texts {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

func mustSVG(t *testing.T, f *Figure, err error) ([]string, int) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	if len(svg) > 400<<10 {
		t.Errorf("svg is %d bytes; fonts should not be embedded", len(svg))
	}
	return svgTexts(t, svg)
}

func TestLine(t *testing.T) {
	f, err := Line("probe accuracy per layer", "layer", "accuracy",
		Series{Name: "think", Y: []float64{0.5, 0.7, 0.9}},
		Series{Name: "no-think", X: []float64{0, 1, 2}, Y: []float64{0.5, 0.6, 0.65}})
	texts, paths := mustSVG(t, f, err)
	for _, w := range []string{"probe accuracy per layer", "layer", "accuracy", "think", "no-think"} {
		if !hasText(texts, w) {
			t.Errorf("line svg lacks text %q (texts %q)", w, texts)
		}
	}
	if paths < 6 {
		t.Errorf("line svg has %d paths", paths)
	}
	if _, err := Line("x", "", ""); err == nil {
		t.Error("no series accepted")
	}
	if _, err := Line("x", "", "", Series{Name: "s", X: []float64{1}, Y: []float64{1, 2}}); err == nil || !strings.Contains(err.Error(), `"s"`) {
		t.Errorf("x/y mismatch: %v", err)
	}
}

func TestBars(t *testing.T) {
	f, err := Bars("misalignment", "rate", []string{"Qwen3-4B", "Qwen3-8B"},
		Series{Name: "think", Y: []float64{0.3, 0.4}}, Series{Name: "no-think", Y: []float64{0.1, 0.2}})
	texts, _ := mustSVG(t, f, err)
	for _, w := range []string{"Qwen3-4B", "Qwen3-8B", "think", "no-think", "rate"} {
		if !hasText(texts, w) {
			t.Errorf("bars svg lacks %q", w)
		}
	}
	if _, err := Bars("m", "", []string{"a", "b"}, Series{Name: "s", Y: []float64{1}}); err == nil || !strings.Contains(err.Error(), "2 categories") {
		t.Errorf("length mismatch: %v", err)
	}
}

func TestScatterReportsPearson(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6}
	y := []float64{1.1, 1.9, 3.2, 3.8, 5.3, 5.9}
	f, c, err := Scatter("forgetting vs misalignment", "Δ", "MR", x, y, []string{"a", "b", "c", "d", "e", "f"})
	texts, _ := mustSVG(t, f, err)
	want, _ := stats.Pearson(x, y)
	if c != want {
		t.Fatalf("correlation %+v, want %+v", c, want)
	}
	if !hasText(texts, fmt.Sprintf("r = %.3f", want.R)) || !hasText(texts, "p = ") {
		t.Errorf("scatter title lacks r/p: %q", texts)
	}
	if !hasText(texts, "y = ") || !hasText(texts, "e") {
		t.Errorf("scatter lacks regression legend or labels: %q", texts)
	}
	if s, i := leastSquares([]float64{0, 1, 2}, []float64{1, 3, 5}); math.Abs(s-2) > 1e-12 || math.Abs(i-1) > 1e-12 {
		t.Errorf("leastSquares = %v, %v; want 2, 1", s, i)
	}
	if _, _, err := Scatter("s", "", "", []float64{1, 2}, []float64{1, 2}, nil); err == nil {
		t.Error("2 points accepted")
	}
}

func TestHeatmapTokenLabels(t *testing.T) {
	toks := []string{"<|im_start|>", "user", "How", "to", "bake"}
	m := make([][]float64, len(toks))
	for i := range m {
		m[i] = make([]float64, len(toks))
		for j := range m[i] {
			if j > i {
				m[i][j] = math.NaN() // causal mask
			} else {
				m[i][j] = 1 / float64(i+1)
			}
		}
	}
	f, err := Heatmap("L0 H1 pattern", m, toks, toks)
	texts, paths := mustSVG(t, f, err)
	for _, tok := range toks {
		n := 0
		for _, s := range texts {
			if s == tok {
				n++
			}
		}
		if n != 2 {
			t.Errorf("token %q appears %d times as a label, want 2 (both axes)", tok, n)
		}
	}
	if os.Getenv("RIM_DISPLAY_PNG") != "" { // eyeball check: RIM_DISPLAY_PNG=/tmp/h.png go test
		f.Save(os.Getenv("RIM_DISPLAY_PNG"))
	}
	if paths < len(toks)*(len(toks)+1)/2 {
		t.Errorf("heatmap has %d paths, want at least one per unmasked cell", paths)
	}
	if _, err := Heatmap("h", [][]float64{{1, 2}, {3}}, nil, nil); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("ragged: %v", err)
	}
	if _, err := Heatmap("h", [][]float64{{1, 2}}, []string{"a", "b"}, nil); err == nil || !strings.Contains(err.Error(), "row labels") {
		t.Errorf("labels: %v", err)
	}
	if _, err := Heatmap("h", [][]float64{{math.NaN()}}, nil, nil); err == nil {
		t.Error("all-NaN accepted")
	}
}

func TestBubbles(t *testing.T) {
	f, err := Bubbles("neurons", "layer", "head", []float64{1, 2, 3}, []float64{1, 1, 2}, []float64{0, 5, 20}, []string{"p", "q", "r"})
	texts, _ := mustSVG(t, f, err)
	if !hasText(texts, "neurons") || !hasText(texts, "q") {
		t.Errorf("bubbles texts %q", texts)
	}
	if _, err := Bubbles("b", "", "", []float64{1}, []float64{1}, []float64{-1}, nil); err == nil || !strings.Contains(err.Error(), "size[0]") {
		t.Errorf("negative size: %v", err)
	}
}

func TestSave(t *testing.T) {
	f, err := Line("saved", "", "", Series{Y: []float64{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	d := t.TempDir()
	svgPath, pngPath := filepath.Join(d, "f.svg"), filepath.Join(d, "f.png")
	if err := f.Save(svgPath); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(pngPath); err != nil {
		t.Fatal(err)
	}
	svg, _ := os.ReadFile(svgPath)
	svgTexts(t, svg)
	png, _ := os.ReadFile(pngPath)
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("png file lacks PNG signature")
	}
	if err := f.Save(filepath.Join(d, "f.pdf")); err == nil || !strings.Contains(err.Error(), "f.pdf") {
		t.Errorf("pdf: %v", err)
	}
	var buf bytes.Buffer
	out = &buf
	defer func() { out = os.Stdout }()
	if err := Show(f, filepath.Join(d, "g.svg")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d, "g.svg")); err != nil || !strings.Contains(buf.String(), `figure "saved"`) {
		t.Errorf("Show outside notebook: %q, %v", buf.String(), err)
	}
}

func TestTable(t *testing.T) {
	tb := &Table{Caption: "Table 1 <rates>", Columns: []string{"model", "MR", "n", "ok"}}
	tb.AddRow("Qwen3-4B & co", 0.123456, 12345, true)
	tb.AddRow("x", math.NaN(), int64(-7), nil)
	h, err := tb.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Table 1 &lt;rates&gt;", "Qwen3-4B &amp; co", ">0.1235<", "12\u2009345", "NaN", "text-align:right"} {
		if !strings.Contains(h, w) {
			t.Errorf("table html lacks %q:\n%s", w, h)
		}
	}
	txt, err := tb.Text()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(txt, "\n"), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "Table 1") || !strings.HasPrefix(lines[1], "model") || !strings.HasSuffix(lines[3], "true") {
		t.Errorf("text table:\n%s", txt)
	}
	tb.AddRow("short")
	if _, err := tb.HTML(); err == nil || !strings.Contains(err.Error(), "row 2 has 1 cells, want 4") {
		t.Errorf("short row: %v", err)
	}
	if _, err := (&Table{}).Text(); err == nil {
		t.Error("no columns accepted")
	}
}

func TestFormatNumber(t *testing.T) {
	for _, c := range []struct {
		v    float64
		d    int
		want string
	}{
		{3, 4, "3"}, {12345, 4, "12\u2009345"}, {-1234, 4, "-1234"}, {0.123456, 3, "0.123"},
		{1.5e-5, 3, "1.50e-05"}, {2.5e7 + 0.5, 3, "2.50e+07"}, {math.Inf(-1), 3, "-Inf"}, {0.5, 0, "0.5"},
	} {
		if got := FormatNumber(c.v, c.d); got != c.want {
			t.Errorf("FormatNumber(%v, %d) = %q, want %q", c.v, c.d, got, c.want)
		}
	}
}

func TestTokenHTML(t *testing.T) {
	h, err := TokenHTML([]string{"<|im_start|>", "user\n", "Hi there"}, []string{"special", "user", "user"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"&lt;|im_start|&gt;", "user↵", "Hi·there", regionColors[0], regionColors[1], ">special<"} {
		if !strings.Contains(h, w) {
			t.Errorf("token html lacks %q", w)
		}
	}
	if _, err := TokenHTML([]string{"a"}, nil); err == nil {
		t.Error("length mismatch accepted")
	}
}

func TestProgress(t *testing.T) {
	h := ProgressHTML("forward <L3>", 5, 10, 2*time.Second)
	if !strings.Contains(h, "5/10") || !strings.Contains(h, "width:50.0%") || !strings.Contains(h, "&lt;L3&gt;") || !strings.Contains(h, "left") {
		t.Errorf("progress html: %s", h)
	}
	var buf bytes.Buffer
	p := NewProgress("steps", 4)
	p.stderr = &buf
	for i := 0; i < 4; i++ {
		p.Add(1)
	}
	p.Done()
	if !strings.Contains(buf.String(), "4/4") {
		t.Errorf("progress text: %q", buf.String())
	}
}
