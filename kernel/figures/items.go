package figures

import (
	"fmt"

	"github.com/rimlab/rim/kernel/display"
	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/experiment"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/tokenize"
)

// table1 is Table 1 as the paper lays it out (a column pair per model) and bars per model and mode.
func table1(r *experiment.Table1Result) (*Drawing, error) {
	t := &display.Table{Caption: display.Titled("Table 1", fmt.Sprintf("%s (judge: %s)", r.Source, r.Models[0].Rows[0].Report.Judge)),
		Columns: []string{"model", "think mode", "misaligned", "judged", "unjudged", "M.Rate %", "95% CI %", "paper M.Rate %",
			"correct / asked", "Math Acc %", "95% CI %", "paper Math Acc %"}}
	on, off := display.Series{Name: "think on"}, display.Series{Name: "think off"}
	mon, moff := display.Series{Name: "think on"}, display.Series{Name: "think off"}
	var cats []string
	for _, m := range r.Models {
		for i, row := range m.Rows {
			var printed, printedMath any
			if m.Paper != nil {
				printed = m.Paper[i]
			}
			if m.PaperMath != nil {
				printedMath = m.PaperMath[i]
			}
			rt, mt := row.Report.Rate, row.Math.Rate
			t.AddRow(m.Name, row.Mode, rt.K, rt.N, row.Report.Unjudged, pct(rt.Rate), experiment.CI(rt), printed,
				fmt.Sprintf("%d / %d", mt.K, mt.N), pct(mt.Rate), experiment.CI(mt), printedMath)
		}
		cats = append(cats, m.Name)
		on.Y, off.Y = append(on.Y, pct(m.Rows[0].Report.Rate.Rate)), append(off.Y, pct(m.Rows[1].Report.Rate.Rate))
		mon.Y, moff.Y = append(mon.Y, pct(m.Rows[0].Math.Rate.Rate)), append(moff.Y, pct(m.Rows[1].Math.Rate.Rate))
	}
	t.Caption += "; math: " + r.MathSet
	ex := &display.Table{Caption: "the first harmful prompt's and the first math question's responses", Columns: []string{"model", "mode", "prompt", "response"}}
	for _, m := range r.Models {
		for _, row := range m.Rows {
			for _, e := range row.Examples {
				ex.AddRow(m.Name, row.Mode, e.Prompt, fmt.Sprintf("%q", e.Response))
			}
		}
	}
	return collect(&Drawing{Tables: []*display.Table{t, ex}}, func() (*display.Figure, error) {
		rate, err := display.Bars("misalignment rate", "M.Rate %", cats, on, off)
		if err != nil {
			return nil, err
		}
		acc, err := display.Bars("math accuracy", "Math Acc %", cats, mon, moff)
		if err != nil {
			return nil, err
		}
		return display.Grid(display.Titled("Table 1", r.Source), 2, rate, acc)
	})
}

// fig2 is Fig 2 (left) measured and the paper's bars beside the Tables A2–A4 means.
func fig2(r *experiment.Fig2Result) (*Drawing, error) {
	t := &display.Table{Caption: display.Titled(fmt.Sprintf("Fig 2 (left), %d prompts per statement", r.Prompts), r.Source),
		Columns: []string{"pattern", "group", "misaligned", "judged", "unjudged", "M.Rate %", "95% CI %"}}
	control, target := display.Series{Name: "Control (S_clean)"}, display.Series{Name: "Target (S_dark)"}
	var cats []string
	for _, p := range r.Patterns {
		for i, rep := range []eval.SafetyReport{p.Control, p.Target} {
			t.AddRow(p.Pattern, []string{"control (S_clean)", "target (S_dark)"}[i], rep.Rate.K, rep.Rate.N, rep.Unjudged, pct(rep.Rate.Rate), experiment.CI(rep.Rate))
			s := []*display.Series{&control, &target}[i]
			s.Y = append(s.Y, pct(rep.Rate.Rate))
		}
		cats = append(cats, p.Pattern)
	}
	pt := &display.Table{Caption: display.Titled(fmt.Sprintf("Fig 2 printed vs mean of Tables A2–A4 over %d models", len(paper.PatternModels)), experiment.PaperData),
		Columns: []string{"column", "Fig 2 printed %", "table mean % (computed)"}}
	printed, means := display.Series{Name: "Fig 2 printed"}, display.Series{Name: "Tables A2–A4 mean"}
	for j, c := range experiment.Fig2Columns {
		pt.AddRow(c, r.PaperBars[j], r.TableMeans[j])
		printed.Y, means.Y = append(printed.Y, r.PaperBars[j]), append(means.Y, r.TableMeans[j])
	}
	return collect(&Drawing{Tables: []*display.Table{t, pt}}, func() (*display.Figure, error) {
		return display.Bars(display.Titled("Fig 2 (left)", r.Source), "misalignment rate %", cats, control, target)
	}, func() (*display.Figure, error) {
		return display.Bars(display.Titled("Fig 2 (left), 8-model averages", experiment.PaperData), "misalignment rate %", experiment.Fig2Columns, printed, means)
	})
}

// fig3 is Fig 3a or 3b: one panel per token region, the Safe and Harmful probe scores per layer and, dashed,
// the refusal probe's Reject and Fulfill scores (the paper's four series).
func fig3(r *experiment.Fig3Result) (*Drawing, error) {
	t := &display.Table{Caption: "5-fold CV accuracy of the harmful-vs-harmless probe (mean over layers)", Columns: []string{"region", "CV accuracy"}}
	sp := r.Refusal
	split := &display.Table{Caption: fmt.Sprintf("harmful prompts by the model's own answer (%s judge): the refusal probe's labels", sp.Judge),
		Columns: []string{"split", "refused (Reject)", "complied (Fulfill)"}}
	split.AddRow("train", sp.TrainReject, sp.TrainFulfill)
	split.AddRow("test", sp.TestReject, sp.TestFulfill)
	var panels []*display.Figure
	for _, rp := range r.Regions {
		t.AddRow(rp.Title, rp.CV)
		// the paper's colours: Harmful red, Safe green, Reject blue, Fulfill orange (plotutil's order)
		series := []display.Series{{Name: "Harmful", Y: rp.Harmful}, {Name: "Safe", Y: rp.Safe}}
		for _, g := range []display.Series{{Name: "Reject Harmful", Y: rp.Reject, Dashed: true}, {Name: "Fulfill Harmful", Y: rp.Fulfill, Dashed: true}} {
			if g.Y != nil {
				series = append(series, g)
			}
		}
		f, err := display.Line(rp.Title, "layer", "probe score", series...)
		if err != nil {
			return nil, err
		}
		panels = append(panels, f)
	}
	return collect(&Drawing{Tables: []*display.Table{t, split}}, func() (*display.Figure, error) {
		item := map[bool]string{true: "Fig 3a (think mode)", false: "Fig 3b (no-think mode)"}[r.Think]
		return display.Grid(display.Titled(fmt.Sprintf("%s, %d + %d prompts", item, r.Harmful, r.Harmless), r.Source), 3, panels...)
	})
}

// bubbles draws heads as (head, layer) bubbles sized by count.
func bubbles(title string, names []string, counts []int, label func(int) string) (*display.Figure, error) {
	var x, y, size []float64
	var labels []string
	for i, n := range names {
		var l, h int
		if _, err := fmt.Sscanf(n, "L%d-H%d", &l, &h); err != nil {
			return nil, fmt.Errorf("figures: head %q: %w", n, err)
		}
		x, y, size, labels = append(x, float64(h)), append(y, float64(l)), append(size, float64(counts[i])), append(labels, label(i))
	}
	return display.Bubbles(title, "head", "layer", x, y, size, labels)
}

// fig4 is Fig 4b measured (when any head shows the pattern) and printed, and Fig A3's histograms.
func fig4(r *experiment.Fig4Result) (*Drawing, error) {
	d := &Drawing{}
	var names []string
	var counts []int
	t := &display.Table{Caption: "heads with the refusal pattern, " + r.Source, Columns: []string{"head", "count", "fraction"}}
	for _, h := range r.Ranked {
		t.AddRow(h.Name, h.Count, h.Fraction)
		names, counts = append(names, h.Name), append(counts, h.Count)
	}
	if len(r.Ranked) > 0 {
		d.Tables = append(d.Tables, t)
		f, err := bubbles(display.Titled(fmt.Sprintf("Fig 4b, %d prompts", r.Prompts), r.Source), names, counts, func(i int) string { return fmt.Sprintf("%.2f", r.Ranked[i].Fraction) })
		if err != nil {
			return nil, err
		}
		d.Figures = append(d.Figures, f)
	}
	names, counts = nil, nil
	for _, h := range r.Paper {
		names, counts = append(names, h.Name), append(counts, h.Count)
	}
	var series []display.Series
	for i, bins := range [][]heads.Bin{r.Think, r.NoThink} {
		s := display.Series{Name: []string{"think", "no-think"}[i]}
		for _, b := range bins {
			s.X, s.Y = append(s.X, float64(b.Offset)), append(s.Y, float64(b.Count))
		}
		series = append(series, s)
	}
	return collect(d, func() (*display.Figure, error) {
		return bubbles(display.Titled(fmt.Sprintf("Fig 4b, Qwen3-4B, of %d prompts", r.PaperSamples), experiment.PaperData), names, counts, func(i int) string { return fmt.Sprint(counts[i]) })
	}, func() (*display.Figure, error) {
		return display.Line(display.Titled("Fig A3: argmax key of the first generated token, relative to `assistant`", r.Source), "offset", "count (heads × prompts)", series...)
	})
}

// fig5 is Fig 5: one panel per token region, each ablation's probe score per layer for the Reject and Fulfill
// groups (random control dashed, as the paper draws it), or the harmful test group with the fallback probe.
func fig5(r *experiment.Fig5Result) (*Drawing, error) {
	t := &display.Table{Caption: "ablations (zero hook_z of each head)", Columns: []string{"arm", "heads"}}
	for _, a := range r.Arms {
		t.AddRow(a.Name, fmt.Sprint(a.Heads))
	}
	var panels []*display.Figure
	for _, p := range r.Panels {
		var series []display.Series
		for _, sr := range p.Series {
			series = append(series, display.Series{Name: sr.Arm + " " + sr.Group, Y: sr.Scores, Dashed: sr.Arm == "random"})
		}
		f, err := display.Line(p.Title, "layer", "probe score", series...)
		if err != nil {
			return nil, err
		}
		panels = append(panels, f)
	}
	return collect(&Drawing{Tables: []*display.Table{t}}, func() (*display.Figure, error) {
		return display.Grid(display.Titled(fmt.Sprintf("Fig 5: %s probe after zeroing heads (no-think mode)", r.Probe), r.Source), 3, panels...)
	})
}

// fig6 is A_safe's identification and Fig 6 measured, and the paper's per-model bars.
func fig6(r *experiment.Fig6Result) (*Drawing, error) {
	sz := &display.Table{Caption: fmt.Sprintf("|A_safe| by frequency threshold (m = %d per layer)", r.TopM), Columns: []string{"q", "in ≥ pairs", "size"}}
	for _, s := range r.Sizes {
		sz.AddRow(s.Q, s.MinPairs, s.Size)
	}
	t := &display.Table{Caption: display.Titled("Fig 6", r.Source), Columns: []string{"model", "neurons zeroed", "M.Rate %", "95% CI %", "GSM8K acc %", "next-token KL vs intact"}}
	for _, a := range r.Arms {
		t.AddRow(a.Name, a.Neurons, pct(a.Safety.Rate.Rate), experiment.CI(a.Safety.Rate), pct(a.Math.Rate.Rate), a.KL)
	}
	pt := &display.Table{Caption: display.Titled("Fig 6 averages over 8 models", experiment.PaperData), Columns: []string{"quantity", "computed mean", "printed"}}
	var series []display.Series
	for j, c := range experiment.Fig6Columns {
		pt.AddRow(c, r.PaperMeans[j], r.PaperPrinted[j])
		s := display.Series{Name: c}
		for _, row := range paper.Fig6 {
			s.Y = append(s.Y, row[j])
		}
		series = append(series, s)
	}
	per := display.Series{Name: "safety-critical neurons"}
	for _, n := range r.PerLayer {
		per.Y = append(per.Y, float64(n))
	}
	return collect(&Drawing{Tables: []*display.Table{sz, t, pt}}, func() (*display.Figure, error) {
		return display.Line(display.Titled(fmt.Sprintf("A_safe per layer (q = %g)", r.Q), r.Source), "layer", "neurons", per)
	}, func() (*display.Figure, error) {
		return display.Bars(display.Titled("Fig 6: zeroing safety-critical vs random neurons", experiment.PaperData), "points", paper.AllModels, series...)
	})
}

// table2 is the fine-tuning run, its loss curve and Table 2's before/after comparison.
func table2(r *experiment.Table2Result) (*Drawing, error) {
	c := r.Config
	run := &display.Table{Caption: "fine-tuning run", Columns: []string{"setting", "value"}}
	run.AddRow("examples (GSM8K train)", r.Examples)
	run.AddRow("mode, LoRA r / alpha / rsLoRA", fmt.Sprintf("%s, %d / %g / %v", c.Mode, c.LoRA.R, c.LoRA.Alpha, c.LoRA.RSLoRA))
	run.AddRow("steps × batch, peak lr, schedule", fmt.Sprintf("%d × %d, %g, %s (warm-up %g)", c.MaxSteps, c.BatchSize, c.AdamW.LR, c.Schedule, c.WarmupRatio))
	t := &display.Table{Caption: display.Titled("Table 2 (GSM8k column): base vs fine-tuned", r.Source),
		Columns: []string{"model", "M.Rate %", "95% CI %", "judged / unjudged", "GSM8K acc %", "95% CI %"}}
	for _, row := range r.Rows {
		t.AddRow(row.Name, pct(row.Safety.Rate.Rate), experiment.CI(row.Safety.Rate), fmt.Sprintf("%d / %d", row.Safety.Rate.N, row.Safety.Unjudged),
			pct(row.Math.Rate.Rate), experiment.CI(row.Math.Rate))
	}
	pt := &display.Table{Caption: display.Titled("Table 2, GSM8k column: Δ M.Rate", experiment.PaperData), Columns: []string{"model", "Δ M.Rate (points)"}}
	for _, m := range paper.DenseModels {
		pt.AddRow(m, r.PaperGSM8k[m])
	}
	pt.AddRow("dense mean (computed)", r.PaperDenseMean)
	pt.AddRow("dense mean (printed)", r.PaperPrinted)
	loss := display.Series{Name: "train loss"}
	for _, e := range r.Loss {
		loss.X, loss.Y = append(loss.X, float64(e.Step)), append(loss.Y, e.Loss)
	}
	return collect(&Drawing{Tables: []*display.Table{run, t, pt}}, func() (*display.Figure, error) {
		return display.Line(display.Titled("LoRA fine-tuning on GSM8K", r.Source), "step", "loss (assistant tokens)", loss)
	})
}

// fig8 is Fig 8's three scatters side by side and the computed against printed correlations.
func fig8(r *experiment.Fig8Result) (*Drawing, error) {
	t := &display.Table{Caption: display.Titled("Fig 8: Pearson r with the misalignment rate", r.Source),
		Columns: []string{"metric", "r (computed)", "p (computed)", "r (paper)", "p (paper)"}, Digits: 3}
	var panels []*display.Figure
	for _, m := range r.Metrics {
		t.AddRow(m.Name, m.Computed.R, m.Computed.P, m.Printed.R, m.Printed.P)
		f, _, err := display.Scatter(m.Name, m.Name, "misalignment rate %", m.X, m.MRate, nil)
		if err != nil {
			return nil, err
		}
		panels = append(panels, f)
	}
	return collect(&Drawing{Tables: []*display.Table{t}}, func() (*display.Figure, error) {
		return display.Grid(display.Titled("Fig 8, Qwen3-4B checkpoints", r.Source), len(panels), panels...)
	})
}

// table3 is Table 3's RAS row, computed against printed, with the computed r per model as bars.
func table3(r *experiment.Table3Result) (*Drawing, error) {
	t := &display.Table{Caption: display.Titled("Table 3, RAS row: Pearson r (RAS on A_safe, misalignment rate), 8 checkpoints", r.Source),
		Columns: []string{"model", "r (computed)", "p (computed)", "r (paper)"}, Digits: 3}
	computed, printed := display.Series{Name: "computed"}, display.Series{Name: "printed"}
	var cats []string
	for _, m := range r.Models {
		t.AddRow(m.Model, m.Computed.R, m.Computed.P, m.Printed)
		cats, computed.Y, printed.Y = append(cats, m.Model), append(computed.Y, m.Computed.R), append(printed.Y, m.Printed)
	}
	t.AddRow("average", r.Mean, nil, r.PrintedMean)
	return collect(&Drawing{Tables: []*display.Table{t}}, func() (*display.Figure, error) {
		return display.Bars(display.Titled("Table 3, RAS row", r.Source), "Pearson r", cats, computed, printed)
	})
}

// fig8Measured is the measured Fig 8: the checkpoints, the correlations beside the paper's, and three
// scatters side by side (RAS on A_safe, RAS on random neurons, KL against the misalignment rate).
func fig8Measured(r *experiment.Fig8MeasuredResult) (*Drawing, error) {
	pts := &display.Table{Caption: display.Titled(fmt.Sprintf("Fig 8: %d checkpoints of the LoRA fine-tune (|A_safe| = %d)", len(r.Checkpoints), r.Neurons), r.Source),
		Columns: []string{"step", "M.Rate %", "95% CI %", "RAS (A_safe)", "RAS (random)", "KL(π₀‖π_τ)"}}
	pts.AddRow("base model", pct(r.Base.Rate.Rate), experiment.CI(r.Base.Rate), nil, nil, nil)
	var labels []string
	for _, p := range r.Checkpoints {
		pts.AddRow(p.Step, pct(p.Safety.Rate.Rate), experiment.CI(p.Safety.Rate), p.Safe.RAS, p.Random.RAS, p.KL)
		labels = append(labels, fmt.Sprintf("step %d", p.Step))
	}
	ps, pp := r.Fig8Panels()
	t := &display.Table{Caption: "Fig 8: Pearson r with the misalignment rate, " + r.Source + " beside the paper's Qwen3-4B (paper data)",
		Columns: []string{"metric", "r", "p", "paper r", "paper p"}, Digits: 3}
	var panels []*display.Figure
	for i, p := range ps {
		name := []string{"RAS (A_safe)", "RAS (random)", "KL(π₀‖π_τ)"}[i] // Fig 8's panel names
		f, err := predictorPanel(name, p, r.MRates(), labels)
		if err != nil {
			return nil, err
		}
		if p.Corr != nil {
			t.AddRow(name, p.Corr.R, p.Corr.P, pp[i].R, pp[i].P)
		} else {
			t.AddRow(name, "undefined: "+p.Undefined, nil, pp[i].R, pp[i].P)
		}
		panels = append(panels, f)
	}
	return collect(&Drawing{Tables: []*display.Table{pts, t}}, func() (*display.Figure, error) {
		return display.Grid(display.Titled(fmt.Sprintf("Fig 8, %d checkpoints", len(r.Checkpoints)), r.Source), len(panels), panels...)
	})
}

// predictorPanel is one of Fig 8's scatters, titled name: the least-squares line and r when r is defined,
// else the points alone with the reason in the title.
func predictorPanel(name string, p experiment.Predictor, mrate []float64, labels []string) (*display.Figure, error) {
	if p.Corr != nil {
		f, _, err := display.Scatter(name, name, "misalignment rate %", p.X, mrate, labels)
		return f, err
	}
	size := make([]float64, len(p.X))
	for i := range size {
		size[i] = 1
	}
	return display.Bubbles(name+"\nr undefined: "+p.Undefined, name, "misalignment rate %", p.X, mrate, size, labels)
}

// table3Measured is Table 3's column for the measured model beside the paper's Qwen3-4B column and average,
// with the defined r as bars beside the paper's Qwen3-4B.
func table3Measured(r *experiment.Table3MeasuredResult) (*Drawing, error) {
	t := &display.Table{Caption: display.Titled(fmt.Sprintf("Table 3: Pearson r with the misalignment rate over %d checkpoints", len(r.Checkpoints)), r.Source),
		Columns: []string{"metric", "r", "p", "paper r, Qwen3-4B", "paper r, average"}, Digits: 3}
	measured, printed := display.Series{Name: r.Source}, display.Series{Name: "paper, Qwen3-4B"}
	var cats []string
	for i, p := range r.Predictors {
		row := paper.Table3[i]
		if p.Corr == nil {
			t.AddRow(p.Metric, "undefined: "+p.Undefined, nil, row.R[1], row.Average)
			continue
		}
		t.AddRow(p.Metric, p.Corr.R, p.Corr.P, row.R[1], row.Average)
		short := []string{"RAS", "KL", "RAS rnd", "arith.", "geom.", "δ_safe", "δ_math"}[i] // Table 3's rows, to fit under a bar (the plot font has no ⁻ ⁺)
		cats, measured.Y, printed.Y = append(cats, short), append(measured.Y, p.Corr.R), append(printed.Y, row.R[1])
	}
	d := &Drawing{Tables: []*display.Table{t}}
	if len(cats) == 0 { // nothing to draw: the table says why
		return d, nil
	}
	return collect(d, func() (*display.Figure, error) {
		return display.Bars(display.Titled("Table 3, defined rows", r.Source), "Pearson r", cats, measured, printed)
	})
}

// rasDemo is RAS and its baselines per neuron set, and the KL baseline.
func rasDemo(r *experiment.RASResult) (*Drawing, error) {
	t := &display.Table{Caption: display.Titled("RAS and baselines, base → LoRA on GSM8K", r.Source),
		Columns: []string{"neurons", "δ⁻_safe", "δ⁺_math", "RAS", "arithmetic", "geometric"}}
	for _, row := range r.Rows {
		x := row.Result
		t.AddRow(row.Neurons, x.DeltaSafe.Value, x.DeltaMath.Value, x.RAS, x.Arithmetic, x.Geometric)
	}
	t.AddRow("KL(π₀‖π_τ), GSM8K prompt tokens", nil, nil, r.KL, nil, nil)
	return &Drawing{Tables: []*display.Table{t}}, nil
}

// ModelConfig is the tour's table of a model's config.json fields and parameter count.
func ModelConfig(name string, m *model.Model) *display.Table {
	c := m.Config
	t := &display.Table{Caption: "config.json of " + name, Columns: []string{"field", "value"}}
	t.AddRow("model_type", c.ModelType)
	t.AddRow("layers", c.NumLayers)
	t.AddRow("hidden (dModel)", c.Hidden)
	t.AddRow("heads / KV heads", fmt.Sprintf("%d / %d", c.NumHeads, c.NumKVHeads))
	t.AddRow("head_dim", c.HeadDim)
	t.AddRow("intermediate (dMLP)", c.Intermediate)
	t.AddRow("vocab", c.Vocab)
	n := 0
	for _, p := range m.ParamNames() {
		n += m.Param(p).Shape().Size()
	}
	t.AddRow("parameters", fmt.Sprintf("%d in %d tensors", n, len(m.ParamNames())))
	return t
}

// Captures lists the captured sites of a forward with their shapes.
func Captures(res *model.Result, sites []hook.Site) (*display.Table, error) {
	t := &display.Table{Caption: "captured sites", Columns: []string{"site", "shape"}}
	for _, s := range sites {
		_, shape, err := res.Float32(s)
		if err != nil {
			return nil, err
		}
		t.AddRow(s.String(), fmt.Sprint(shape))
	}
	return t, nil
}

// TopTokens is the tour's table of the top next tokens with and without an intervention.
func TopTokens(tok *tokenize.Tokenizer, sh *experiment.LogitShift) *display.Table {
	t := &display.Table{Caption: "top next tokens after the prompt", Columns: []string{"rank", "base", "logit", "ablated", "logit"}}
	for i := range sh.Base {
		b, a := sh.Base[i], sh.Ablated[i]
		t.AddRow(i+1, experiment.TokenTexts(tok, []int{b.ID})[0], b.Logit, experiment.TokenTexts(tok, []int{a.ID})[0], a.Logit)
	}
	return t
}

// pairs draws model pairs as a table and grouped bars.
func pairs(title, source, unit string, names [2]string, ms []experiment.ModelPair) (*display.Table, func() (*display.Figure, error)) {
	t := &display.Table{Caption: display.Titled(title, source), Columns: []string{"model", names[0], names[1]}}
	a, b := display.Series{Name: names[0]}, display.Series{Name: names[1]}
	var cats []string
	for _, m := range ms {
		t.AddRow(m.Model, m.Pair[0], m.Pair[1])
		cats, a.Y, b.Y = append(cats, m.Model), append(a.Y, m.Pair[0]), append(b.Y, m.Pair[1])
	}
	return t, func() (*display.Figure, error) { return display.Bars(display.Titled(title, source), unit, cats, a, b) }
}

// fig7 is Fig 7: RAS after Control vs Target fine-tuning per dense model.
func fig7(r *experiment.Fig7Result) (*Drawing, error) {
	t, f := pairs("Fig 7: RAS after GSM8k(L) fine-tuning", r.Source, "RAS", [2]string{"Control", "Target"}, r.Models)
	return collect(&Drawing{Tables: []*display.Table{t}}, f)
}

// tableA7 is Table A7 with its computed and printed averages.
func tableA7(r *experiment.TableA7Result) (*Drawing, error) {
	t, f := pairs("Table A7: Δ misalignment after fine-tuning (points)", r.Source, "Δ M.Rate (points)", [2]string{"GSM8k", "GSM8k-Literal"}, r.Models)
	t.AddRow("average (computed)", r.Means[0], r.Means[1])
	t.AddRow("average (printed)", r.Printed[0], r.Printed[1])
	return collect(&Drawing{Tables: []*display.Table{t}}, f)
}

// fig1 is Fig 1: each base model's (accuracy, misalignment) relative to its fine-tune at (1, 1).
func fig1(r *experiment.Fig1Result) (*Drawing, error) {
	t := &display.Table{Caption: "Fig 1: base model / fine-tuned model", Columns: []string{"model", "math accuracy", "misalignment", "source"}, Digits: 3}
	x, y, size, labels := []float64{1}, []float64{1}, []float64{1}, []string{"fine-tuned"}
	for _, p := range r.Points {
		t.AddRow(p.Model, p.Accuracy, p.Misalignment, p.Source)
		x, y, size, labels = append(x, p.Accuracy), append(y, p.Misalignment), append(size, 1), append(labels, p.Model)
	}
	return collect(&Drawing{Tables: []*display.Table{t}}, func() (*display.Figure, error) {
		return display.Bubbles(display.Titled("Fig 1: before vs after GSM8K fine-tuning", r.Source), "math accuracy / fine-tuned", "misalignment / fine-tuned", x, y, size, labels)
	})
}

// fig4a is Fig 4a: the head's attention row from the first generated token, one heatmap row per mode, keys
// labelled with their tokens (or regions).
func fig4a(r *experiment.Fig4aResult) (*Drawing, error) {
	t := &display.Table{Caption: display.Titled(fmt.Sprintf("Fig 4a: %s on %q", r.Head, r.Prompt), r.Source), Columns: []string{"mode", "argmax key", "region", "weight"}}
	d := &Drawing{Tables: []*display.Table{t}}
	for _, m := range r.Modes {
		mode := map[bool]string{true: "think", false: "no-think"}[m.Think]
		t.AddRow(mode, m.Argmax, m.ArgmaxRegion, m.Weights[m.Argmax])
		labels := m.Tokens
		if labels == nil {
			labels = m.Regions
		}
		keys := make([]string, len(labels))
		for k, l := range labels {
			keys[k] = fmt.Sprintf("%d %q", k, l)
		}
		f, err := display.Heatmap(display.Titled(fmt.Sprintf("Fig 4a: %s, %s mode", r.Head, mode), r.Source), [][]float64{m.Weights}, []string{mode}, keys)
		if err != nil {
			return nil, err
		}
		f.Height = display.DefaultHeight * 0.8 // one row: no need for a square
		d.Figures = append(d.Figures, f)
	}
	return d, nil
}
