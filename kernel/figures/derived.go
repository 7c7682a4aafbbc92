package figures

import (
	"fmt"

	"github.com/rimlab/rim/kernel/display"
	"github.com/rimlab/rim/rim/experiment"
)

// tableA7Measured is Table A7 measured: the base model and its two fine-tunes, then the Δ bars of the model
// beside the paper's 8-model averages (as Table A7's columns).
func tableA7Measured(r *experiment.TableA7MeasuredResult) (*Drawing, error) {
	t := &display.Table{Caption: display.Titled(fmt.Sprintf("Table A7: fine-tuning on GSM8k vs GSM8k-Literal (judge: %s)", r.Base.Judge), r.Source),
		Columns: []string{"model", "examples", "last loss", "M.Rate %", "95% CI %", "judged / unjudged", "Δ M.Rate (points)"}}
	t.AddRow("base", nil, nil, pct(r.Base.Rate.Rate), experiment.CI(r.Base.Rate), fmt.Sprintf("%d / %d", r.Base.Rate.N, r.Base.Unjudged), nil)
	ms := []experiment.ModelPair{{Model: experiment.ModelName(r.Model), Pair: [2]float64{r.Rows[0].Delta, r.Rows[1].Delta}},
		{Model: "paper, 8-model average (printed)", Pair: r.PaperMeans}}
	for _, row := range r.Rows {
		t.AddRow("tuned on "+row.Set, row.Examples, row.LastLoss, pct(row.Safety.Rate.Rate), experiment.CI(row.Safety.Rate),
			fmt.Sprintf("%d / %d", row.Safety.Rate.N, row.Safety.Unjudged), row.Delta)
	}
	if r.Paper != nil {
		ms = append(ms, experiment.ModelPair{Model: "paper, " + experiment.ModelName(r.Model), Pair: *r.Paper})
	}
	dt, f := pairs("Table A7: Δ misalignment (points)", r.Source+"; paper rows: paper data", "Δ M.Rate (points)", [2]string{"GSM8k", "GSM8k-Literal"}, ms)
	return collect(&Drawing{Tables: []*display.Table{t, dt}}, f)
}

// fig7Measured is Fig 7 measured: the two fine-tunes (RAS on A_safe and random neurons, KL, misalignment),
// then this model's Control/Target RAS pair beside the paper's dense models, as Fig 7's bars.
func fig7Measured(r *experiment.Fig7MeasuredResult) (*Drawing, error) {
	t := &display.Table{Caption: display.Titled(fmt.Sprintf("Fig 7: fine-tuning on GSM8k(L) Control vs Target, A_safe of %d neurons (judge: %s)", r.Neurons, r.Base.Judge), r.Source),
		Columns: []string{"fine-tune", "examples", "last loss", "RAS (A_safe)", "RAS (random)", "KL(π₀‖π_τ)", "M.Rate %", "Δ M.Rate (points)"}}
	for _, a := range r.Arms {
		t.AddRow(a.Set, a.Examples, a.LastLoss, a.RAS, a.RASRandom, a.KL, pct(a.Safety.Rate.Rate), a.Delta)
	}
	ms := append([]experiment.ModelPair{{Model: experiment.ModelName(r.Model), Pair: [2]float64{r.Arms[0].RAS, r.Arms[1].RAS}}}, r.Paper...)
	pt, f := pairs("Fig 7: RAS after GSM8k(L) fine-tuning", r.Source+"; other models: paper data", "RAS", [2]string{"Control", "Target"}, ms)
	return collect(&Drawing{Tables: []*display.Table{t, pt}}, f)
}
