package figures

import (
	"fmt"

	"github.com/rimlab/rim/kernel/display"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/experiment"
)

// auditLabel are short x-axis labels of the auditor categories and patterns (the tables give the full names).
var auditLabel = map[string]string{
	string(eval.CatPlagiarism): "copying", string(eval.CatBias): "bias", string(eval.CatEvalGaming): "gaming", string(eval.CatLeakage): "leak",
	string(eval.CatFabrication): "fabrication", string(eval.CatSafety): "safety", string(eval.CatInstruction): "instruction", string(eval.CatOther): "other",
	string(eval.CatCalculation):      "calc. error",
	eval.PatternInstructionDeviation: "instr. deviation", eval.PatternConfirmatoryReasoning: "confirmatory", eval.PatternHeuristicReliance: "heuristic", "": "no pattern",
}

// fig2Audit is the auditor's discovery step: Fig A5's category shares per dataset (measured beside the
// paper's), the pattern shares, the flag rates per part, and Fig 2 (right)'s quotes per pattern.
func fig2Audit(r *experiment.Fig2AuditResult) (*Drawing, error) {
	src, measured := r.Source, r.Measured()
	if measured {
		src = fmt.Sprintf("%s (auditor: %s)", r.Source, r.Auditor)
	}
	// measuredCells are the measured columns of a row, empty for paper data.
	measuredCells := func(count int, share float64) []any {
		if !measured {
			return []any{nil, nil}
		}
		return []any{count, share}
	}
	cats := &display.Table{Caption: display.Titled("Fig A5: flagged categories per dataset", src),
		Columns: []string{"dataset", "category", "pattern", "flags", "share %", "paper flags", "paper share %"}}
	pats := &display.Table{Caption: display.Titled("flags per pattern (rim's mapping of categories, docs/paper.md §5.2)", src),
		Columns: []string{"dataset", "pattern", "flags", "share %", "paper flags", "paper share %"}}
	var catPanels, patPanels []*display.Figure
	for _, d := range r.Datasets {
		m, p := display.Series{Name: "measured"}, display.Series{Name: "paper (Fig A5)"}
		var labels []string
		for _, sh := range d.Shares {
			cats.AddRow(append(append([]any{d.Dataset, string(sh.Category), sh.Pattern}, measuredCells(sh.Count, sh.Percent)...), sh.PaperCount, sh.PaperPercent)...)
			labels, m.Y, p.Y = append(labels, auditLabel[string(sh.Category)]), append(m.Y, sh.Percent), append(p.Y, sh.PaperPercent)
		}
		pm, pp := display.Series{Name: "measured"}, display.Series{Name: "paper (Fig A5)"}
		var patLabels []string
		for _, pc := range d.Patterns {
			name := pc.Pattern
			if name == "" {
				name = "no pattern"
			}
			pats.AddRow(append(append([]any{d.Dataset, name}, measuredCells(pc.Count, pc.Percent)...), pc.PaperCount, pc.PaperPercent)...)
			patLabels, pm.Y, pp.Y = append(patLabels, auditLabel[pc.Pattern]), append(pm.Y, pc.Percent), append(pp.Y, pc.PaperPercent)
		}
		title := fmt.Sprintf("%s (paper N ≈ %d)", d.Dataset, d.PaperN)
		series, patSeries := []display.Series{p}, []display.Series{pp}
		if measured {
			title = fmt.Sprintf("%s (%d flags; paper N ≈ %d)", d.Dataset, d.Flags, d.PaperN)
			series, patSeries = []display.Series{m, p}, []display.Series{pm, pp}
		}
		f, err := display.Bars(title, "share of flags %", labels, series...)
		if err != nil {
			return nil, err
		}
		g, err := display.Bars(title, "share of flags %", patLabels, patSeries...)
		if err != nil {
			return nil, err
		}
		catPanels, patPanels = append(catPanels, f), append(patPanels, g)
	}
	d := &Drawing{Tables: []*display.Table{cats, pats}}
	if measured {
		parts := &display.Table{Caption: display.Titled(fmt.Sprintf("audited texts (prompt %s)", r.PromptVersion), src),
			Columns: []string{"dataset", "part", "flagged", "audited", "flagged %", "95% CI %", "unaudited (invalid reply)", "nothing to audit"}}
		invalid := &display.Table{Caption: "texts left unaudited: the auditor's reply was not a valid report", Columns: []string{"dataset", "item, part and problem"}}
		for _, ds := range r.Datasets {
			for i, st := range []experiment.AuditPartStats{ds.Reasoning, ds.Answer} {
				parts.AddRow(ds.Dataset, []string{eval.PartReasoning, eval.PartAnswer}[i], st.Flagged.K, st.Flagged.N, pct(st.Flagged.Rate), experiment.CI(st.Flagged), st.Unaudited, st.Skipped)
			}
			for _, e := range ds.Invalid {
				invalid.AddRow(ds.Dataset, e)
			}
		}
		d.Tables = append(d.Tables, parts)
		if len(invalid.Rows) > 0 {
			d.Tables = append(d.Tables, invalid)
		}
	}
	quotes := &display.Table{Caption: "Fig 2 (right): example quotes per pattern", Columns: []string{"pattern", "category", "source", "where", "quote"}}
	for _, q := range r.Quotes {
		quotes.AddRow(q.Pattern, string(q.Category), src, fmt.Sprintf("%s %s, %s", q.Dataset, q.Item, q.Part), fmt.Sprintf("%q", shorten(q.Quote, 200)))
	}
	for _, q := range r.PaperQuotes {
		quotes.AddRow(q.Pattern, string(q.Category), experiment.PaperData+" (draft figure's category)", "", fmt.Sprintf("%q", q.Quote))
	}
	d.Tables = append(d.Tables, quotes)
	return collect(d, func() (*display.Figure, error) {
		return display.Grid(display.Titled("Fig A5, share of flags", src), 1, catPanels...)
	}, func() (*display.Figure, error) {
		return display.Grid(display.Titled("Fig A5 by pattern", src), 1, patPanels...)
	})
}

// shorten cuts s to at most n runes, marking the cut with "…".
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
