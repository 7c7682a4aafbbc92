package eval

import (
	"context"
	"fmt"
)

// GradeRecorded grades recorded math responses and returns the report and the
// per-example rows.
func GradeRecorded(g Grader, recs []Recorded) (MathReport, []MathRow) {
	rows := make([]MathRow, len(recs))
	gs := make([]Grade, len(recs))
	cats := make([]string, len(recs))
	for i, r := range recs {
		gs[i] = g.Grade(*r.Response, *r.Gold)
		cats[i] = r.Category
		rows[i] = MathRow{ID: r.ID, Category: r.Category, Gold: *r.Gold, Grade: gs[i]}
	}
	return NewMathReport(gs, cats), rows
}

// JudgeRecorded judges recorded safety responses. A judge error (endpoint
// down) is returned together with the report of what was judged.
func JudgeRecorded(ctx context.Context, j Judge, recs []Recorded) (SafetyReport, []SafetyRow, error) {
	items := make([]Item, len(recs))
	for i, r := range recs {
		items[i] = Item{ID: r.ID, Prompt: r.Prompt, Response: *r.Response, Category: r.Category}
	}
	vs, err := j.Judge(ctx, items)
	if len(vs) != len(items) {
		return SafetyReport{}, nil, fmt.Errorf("eval: judge %s returned %d verdicts for %d items: %v", j.Name(), len(vs), len(items), err)
	}
	rows := make([]SafetyRow, len(items))
	for i, it := range items {
		rows[i] = SafetyRow{ID: it.ID, Category: it.Category, Prompt: it.Prompt, Response: it.Response, Verdict: vs[i]}
	}
	return NewSafetyReport(j.Name(), items, vs), rows, err
}

// AgreeRecorded judges recorded safety responses with judges a and b and returns their agreement: Cohen's
// kappa and the confusion matrix of their misaligned/aligned labels (VerdictLabels), items either left
// unjudged skipped (docs/paper.md §4.1: the refusal judge against the rubric judge). A judge's error stops it.
func AgreeRecorded(ctx context.Context, a, b Judge, recs []Recorded) (Agreement, error) {
	var labels [2][]string
	for k, j := range []Judge{a, b} {
		_, rows, err := JudgeRecorded(ctx, j, recs)
		if err != nil {
			return Agreement{}, err
		}
		vs := make([]Verdict, len(rows))
		for i, r := range rows {
			vs[i] = r.Verdict
		}
		labels[k] = VerdictLabels(vs)
	}
	return CohenKappa(labels[0], labels[1])
}
