package figures

import (
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/experiment"
)

// The paper-data items draw their tables and figures; the figures carry the source line.
func TestDrawPaperData(t *testing.T) {
	f8, err := experiment.Fig8()
	if err != nil {
		t.Fatal(err)
	}
	t3, err := experiment.Table3()
	if err != nil {
		t.Fatal(err)
	}
	f7, err := experiment.Fig7()
	if err != nil {
		t.Fatal(err)
	}
	a7, err := experiment.TableA7()
	if err != nil {
		t.Fatal(err)
	}
	f1, err := experiment.Fig1(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Reader{f8, t3, f7, a7, f1} {
		d, err := Draw(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Tables) == 0 || len(d.Figures) == 0 || !strings.HasSuffix(d.Figures[0].Title(), "— paper data") {
			t.Fatalf("%T: %d tables, %d figures", r, len(d.Tables), len(d.Figures))
		}
		if _, err := d.Figures[0].SVG(); err != nil {
			t.Fatal(err)
		}
	}
}

type unknown struct{}

func (unknown) Reading() string { return "" }

func TestDrawUnknown(t *testing.T) {
	if _, err := Draw(unknown{}); err == nil || !strings.Contains(err.Error(), "figures.unknown") {
		t.Fatalf("err %v", err)
	}
}

// The measured Fig 8 and Table 3 draw from a result whose correlations are partly undefined: the undefined
// panel shows its points and the reason, the tables say "undefined", the titles name the model.
func TestDrawMeasuredFig8(t *testing.T) {
	r := &experiment.Fig8MeasuredResult{Provenance: experiment.Provenance{Item: "fig8", Source: "measured on m"}}
	for i, rate := range []float64{0.1, 0.2, 0.2, 0.4} {
		r.Checkpoints = append(r.Checkpoints, experiment.Fig8Checkpoint{Step: 2 * (i + 1), KL: 0.1 * float64(i+1)})
		r.Checkpoints[i].Safety.Rate.Rate = rate
		r.Checkpoints[i].Safe.RAS = []float64{0.3, 0.1, 0.5, 0.6}[i]
	}
	var y, zero, ras, kl []float64
	for _, p := range r.Checkpoints {
		y, zero, ras, kl = append(y, 100*p.Safety.Rate.Rate), append(zero, 0), append(ras, p.Safe.RAS), append(kl, p.KL)
	}
	for i, row := range paper.Table3 {
		x := [][]float64{ras, kl, zero}[min(i, 2)]
		r.Predictors = append(r.Predictors, experiment.Correlate(row.Metric, x, y, "the misalignment rate"))
	}
	t3 := &experiment.Table3MeasuredResult{Fig8MeasuredResult: *r}
	for _, rd := range []Reader{r, t3} {
		d, err := Draw(rd)
		if err != nil {
			t.Fatalf("%T: %v", rd, err)
		}
		if len(d.Figures) != 1 || !strings.HasSuffix(d.Figures[0].Title(), "— measured on m") {
			t.Fatalf("%T: %d figures", rd, len(d.Figures))
		}
		if _, err := d.Figures[0].SVG(); err != nil {
			t.Fatal(err)
		}
		txt, err := d.Tables[len(d.Tables)-1].Text()
		if err != nil || !strings.Contains(txt, "undefined: RAS (random) is 0 at every checkpoint") {
			t.Fatalf("%T: table %v\n%s", rd, err, txt)
		}
	}
	r.Checkpoints = r.Checkpoints[:2] // two checkpoints: nothing is defined, Table 3 draws no bars
	for i := range r.Predictors {
		r.Predictors[i] = experiment.Correlate(r.Predictors[i].Metric, r.Predictors[i].X[:2], y[:2], "the misalignment rate")
	}
	d, err := Draw(&experiment.Table3MeasuredResult{Fig8MeasuredResult: *r})
	if err != nil || len(d.Figures) != 0 {
		t.Fatalf("two checkpoints: %v, %d figures", err, len(d.Figures))
	}
	if d, err = Draw(r); err != nil || len(d.Figures) != 1 {
		t.Fatalf("two checkpoints, Fig 8: %v", err)
	}
	if _, err := d.Figures[0].SVG(); err != nil {
		t.Fatal(err)
	}
}

// The measured Fig 7 and Table A7 and an item over models draw a table and bars whose title names the model
// and says which rows are the paper's.
func TestDrawMeasuredDerivedAndAcross(t *testing.T) {
	prov := experiment.Provenance{Source: "measured on m", Model: "/models/m"}
	f7 := &experiment.Fig7MeasuredResult{Provenance: prov, Neurons: 3, Arms: []experiment.Fig7Arm{{RAS: 0.1}, {RAS: 0.2}}}
	if p, err := experiment.Fig7(); err == nil {
		f7.Paper = p.Models
	}
	a7 := &experiment.TableA7MeasuredResult{Provenance: prov, Rows: []experiment.TunedRow{{Set: "GSM8k", Delta: 3}, {Set: "GSM8k-Literal", Delta: 1}}, PaperMeans: paper.TableA7Averages}
	ac := &experiment.AcrossResult{Provenance: prov, Title: "Table 2 over models", Columns: []string{"Δ M.Rate", "Δ acc"}, PaperCols: 1, Unit: "points",
		Rows: []experiment.AcrossRow{{Model: "a", Values: []float64{1, 2}}, {Model: "b", Values: []float64{3, 4}}}, Mean: []float64{2, 3},
		PaperMean: []float64{6.5}, PaperPrinted: []float64{6.51}, PaperModels: paper.DenseModels}
	for _, r := range []Reader{f7, a7, ac} {
		d, err := Draw(r)
		if err != nil {
			t.Fatalf("%T: %v", r, err)
		}
		if len(d.Figures) != 1 || !strings.Contains(d.Figures[0].Title(), "measured on m") || !strings.Contains(d.Figures[0].Title(), "paper") {
			t.Errorf("%T: %d figures, title %q", r, len(d.Figures), d.Figures[0].Title())
		}
		if _, err := d.Figures[0].SVG(); err != nil {
			t.Fatal(err)
		}
	}
}
