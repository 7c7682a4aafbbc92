package experiment

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/stats"
)

// AcrossRow is one model of an AcrossResult: its name and the item's quantities measured on it, and the
// paper's values for a model of that name (nil when the paper has none).
type AcrossRow struct {
	Model  string     `json:"model"`
	Dir    string     `json:"dir"`
	Values []float64  `json:"values"`
	Paper  *[]float64 `json:"paper,omitempty"`
}

// AcrossResult is a paper item measured on every model of $RIM_MODELS and laid out as the paper's
// multi-model tables: a row per model with the item's headline quantities (Columns), their mean over the
// models, and the paper's mean over its own models (PaperModels), computed from its per-model table,
// beside the paper's printed average (docs/paper.md §5.2, §5.3, §7.2). Paper values (AcrossRow.Paper,
// PaperMean, PaperPrinted) cover the first PaperCols columns.
type AcrossResult struct {
	Provenance
	Title        string      `json:"title"`
	Columns      []string    `json:"columns"`
	PaperCols    int         `json:"paper_columns"` // the first PaperCols columns have paper values
	Unit         string      `json:"unit"`
	Rows         []AcrossRow `json:"rows"`
	Mean         []float64   `json:"mean"`
	PaperMean    []float64   `json:"paper_mean"`
	PaperPrinted []float64   `json:"paper_printed"`
	PaperModels  []string    `json:"paper_models"`
}

// across measures one item on every model of s.ModelDirs(): values(dir) are its quantities on one model
// (each model's own result is cached by the item), paperRow(name) the paper's for a model of that name.
func (s Settings) across(item string, data any, head AcrossResult, values func(Settings) ([]float64, error), paperRow func(name string) ([]float64, bool)) (*AcrossResult, error) {
	prov, err := s.measuredModels(item, data)
	if err != nil {
		return nil, err
	}
	r := head
	r.Provenance = prov
	for _, dir := range s.ModelDirs() {
		v, err := values(s.WithModel(dir))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ModelName(dir), err)
		}
		row := AcrossRow{Model: ModelName(dir), Dir: dir, Values: v}
		if p, ok := paperRow(row.Model); ok {
			row.Paper = &p
		}
		r.Rows = append(r.Rows, row)
	}
	cols := func(rows [][]float64) ([]float64, error) {
		out := make([]float64, len(rows[0]))
		for j := range out {
			var c []float64
			for _, v := range rows {
				c = append(c, v[j])
			}
			m, err := stats.Mean(c)
			if err != nil {
				return nil, err
			}
			out[j] = m
		}
		return out, nil
	}
	var measured, printed [][]float64
	for _, row := range r.Rows {
		measured = append(measured, row.Values)
	}
	for _, m := range r.PaperModels {
		p, _ := paperRow(m)
		printed = append(printed, p)
	}
	if r.Mean, err = cols(measured); err != nil {
		return nil, err
	}
	r.PaperMean, err = cols(printed)
	return &r, err
}

// Table2Across is Table 2's GSM8k column over $RIM_MODELS (docs/paper.md §5.3): each model fine-tuned once
// (Table2) and its Δ M.Rate and Δ GSM8K accuracy in points, their mean beside the paper's dense mean. The
// paper's Table 2 gives no accuracy, so only Δ M.Rate has paper values.
func Table2Across(s Settings, o Table2Options) (*AcrossResult, error) {
	head := AcrossResult{Title: "Table 2 (GSM8k column) over models", Columns: []string{"Δ M.Rate", "Δ GSM8K acc"}, PaperCols: 1, Unit: "points",
		PaperModels: paper.DenseModels, PaperPrinted: []float64{paper.Table2.DenseAverage[2]}}
	return s.across("table2-models", o.Samples, head, func(m Settings) ([]float64, error) {
		r, err := Table2(m, o)
		if err != nil {
			return nil, err
		}
		return []float64{r.DeltaMRate(), 100 * (r.Rows[1].Math.Rate.Rate - r.Rows[0].Math.Rate.Rate)}, nil
	}, func(name string) ([]float64, bool) {
		d, ok := paper.Table2.Dense[name]
		if !ok {
			d, ok = paper.Table2.MoE[name]
		}
		return []float64{d[2]}, ok
	})
}

// Fig2Across is Fig 2 (left) over $RIM_MODELS (docs/paper.md §5.2): each model's misalignment rate (%) under
// control and target statements per pattern (Fig2), the mean over models — Fig 2's bars are such means over
// the paper's 8 models — beside the paper's per-model Tables A2–A4 and printed bars.
func Fig2Across(s Settings, o Fig2Options) (*AcrossResult, error) {
	head := AcrossResult{Title: "Fig 2 (left) over models", Columns: Fig2Columns, PaperCols: len(Fig2Columns), Unit: "M.Rate %",
		PaperModels: paper.PatternModels, PaperPrinted: paper.Fig2[:]}
	return s.across("fig2-models", o.Samples, head, func(m Settings) ([]float64, error) {
		r, err := Fig2(m, o)
		if err != nil {
			return nil, err
		}
		var v []float64
		for _, p := range r.Patterns {
			v = append(v, 100*p.Control.Rate.Rate, 100*p.Target.Rate.Rate)
		}
		return v, nil
	}, func(name string) ([]float64, bool) {
		i := slices.Index(paper.PatternModels, name)
		if i < 0 {
			return nil, false
		}
		return paper.TablesA2A4[i][:], true
	})
}

// Fig6Across is Fig 6 over $RIM_MODELS (docs/paper.md §7.2): for each model (Fig6) the change in misalignment
// and the drop in GSM8K accuracy, in points, when A_safe or as many random neurons are zeroed; their mean
// beside the paper's per-model bars and printed averages.
func Fig6Across(s Settings, o Fig6Options) (*AcrossResult, error) {
	head := AcrossResult{Title: "Fig 6 over models", Columns: Fig6Columns, PaperCols: len(Fig6Columns), Unit: "points",
		PaperModels: paper.AllModels, PaperPrinted: paper.Fig6Averages[:]}
	return s.across("fig6-models", o.Samples, head, func(m Settings) ([]float64, error) {
		r, err := Fig6(m, o)
		if err != nil {
			return nil, err
		}
		in := r.Arms[0]
		var v []float64
		for _, a := range r.Arms[1:] {
			v = append(v, 100*(a.Safety.Rate.Rate-in.Safety.Rate.Rate))
		}
		for _, a := range r.Arms[1:] {
			v = append(v, 100*(in.Math.Rate.Rate-a.Math.Rate.Rate))
		}
		return v, nil
	}, func(name string) ([]float64, bool) {
		i := slices.Index(paper.AllModels, name)
		if i < 0 {
			return nil, false
		}
		return paper.Fig6[i][:], true
	})
}

// Reading gives each quantity's mean over the models beside the paper's, and how many models moved the
// first quantity the paper's way (its sign).
func (r *AcrossResult) Reading() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Over %d models (%s), the means are: ", len(r.Rows), r.Source)
	for j, c := range r.Columns {
		if j > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s %+.2f", c, r.Mean[j])
		if j < r.PaperCols {
			fmt.Fprintf(&b, " (paper, %d models: %+.2f computed from its table, printed %+.2f)", len(r.PaperModels), r.PaperMean[j], r.PaperPrinted[j])
		}
	}
	fmt.Fprintf(&b, " (%s)", r.Unit)
	if r.Unit == "points" && r.PaperCols > 0 { // changes: does each model move the paper's way?
		same := 0
		for _, row := range r.Rows {
			if (row.Values[0] > 0) == (r.PaperMean[0] > 0) {
				same++
			}
		}
		fmt.Fprintf(&b, ". %d of %d models change %s in the direction of the paper's mean", same, len(r.Rows), r.Columns[0])
	}
	return b.String() + "."
}
