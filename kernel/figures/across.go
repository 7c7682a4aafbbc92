package figures

import (
	"fmt"

	"github.com/rimlab/rim/kernel/display"
	"github.com/rimlab/rim/rim/experiment"
)

// across is an item over models as the paper's multi-model tables: a row per model (the paper's values for
// a model of that name beside), the mean over the models and the paper's mean over its models; bars per
// quantity for each model and both means.
func across(r *experiment.AcrossResult) (*Drawing, error) {
	t := &display.Table{Caption: display.Titled(fmt.Sprintf("%s (%s)", r.Title, r.Unit), r.Source), Columns: []string{"model"}}
	for j, c := range r.Columns {
		t.Columns = append(t.Columns, c)
		if j < r.PaperCols {
			t.Columns = append(t.Columns, "paper "+c)
		}
	}
	row := func(name string, v []float64, p *[]float64) {
		cells := []any{name}
		for j := range r.Columns {
			cells = append(cells, v[j])
			if j < r.PaperCols {
				var pv any
				if p != nil {
					pv = (*p)[j]
				}
				cells = append(cells, pv)
			}
		}
		t.AddRow(cells...)
	}
	var series []display.Series
	for _, m := range r.Rows {
		row(m.Model, m.Values, m.Paper)
		series = append(series, display.Series{Name: m.Model, Y: m.Values})
	}
	// the mean row's paper columns: the paper's mean over its own models, computed from its table
	row(fmt.Sprintf("mean (%d models; paper: %d)", len(r.Rows), len(r.PaperModels)), r.Mean, &r.PaperMean)
	t.AddRow(append([]any{"paper's printed average"}, paperCells(r)...)...)
	series = append(series, display.Series{Name: "mean", Y: r.Mean})
	cats := r.Columns
	if r.PaperCols < len(r.Columns) { // bars only where the paper has values, so the paper's mean has one per category
		cats = r.Columns[:r.PaperCols]
		for i := range series {
			series[i].Y = series[i].Y[:r.PaperCols]
		}
	}
	series = append(series, display.Series{Name: fmt.Sprintf("paper mean (%d models)", len(r.PaperModels)), Y: r.PaperMean})
	return collect(&Drawing{Tables: []*display.Table{t}}, func() (*display.Figure, error) {
		return display.Bars(display.Titled(r.Title, r.Source+"; paper mean: paper data"), r.Unit, cats, series...)
	})
}

// paperCells are the paper's printed averages in the table's paper columns.
func paperCells(r *experiment.AcrossResult) []any {
	var cells []any
	for j := range r.Columns {
		cells = append(cells, nil)
		if j < r.PaperCols {
			cells = append(cells, r.PaperPrinted[j])
		}
	}
	return cells
}
