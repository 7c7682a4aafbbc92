package figures

import (
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/experiment"
)

// Fig 2 (right) / Fig A5 draws from the paper's data alone (paper series only, no measured columns) and,
// measured, with the auditor in every title and the per-part and invalid-reply tables.
func TestDrawFig2Audit(t *testing.T) {
	for _, v := range []string{"RIM_AUDIT_BASE_URL", "RIM_AUDIT_MODEL", "RIM_JUDGE_BASE_URL", "RIM_JUDGE_MODEL"} {
		t.Setenv(v, "")
	}
	r, err := experiment.Fig2Audit(experiment.Settings{}, experiment.Fig2AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Draw(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tables) != 3 || len(d.Figures) != 2 || d.Figures[0].Title() != "Fig A5, share of flags — paper data" || len(d.Figures[0].Panels) != 2 {
		t.Fatalf("paper data: %d tables, %d figures", len(d.Tables), len(d.Figures))
	}
	if row := d.Tables[0].Rows[0]; row[3] != nil || row[5] == nil || len(d.Tables[2].Rows) != 6 {
		t.Fatalf("paper rows %v; %d quotes", row, len(d.Tables[2].Rows))
	}
	for _, f := range d.Figures {
		if _, err := f.SVG(); err != nil {
			t.Fatal(err)
		}
	}

	// measured: the same result with counts, as Fig2Audit fills it
	r.Source, r.Auditor, r.PromptVersion = "measured on tiny-qwen3", "gpt-4o-mini", eval.AuditPromptVersion
	ds := &r.Datasets[0]
	ds.Items, ds.Flags, ds.Reasoning.Flagged, ds.Invalid = 4, 3, eval.NewRate(3, 4), []string{"gsm8k-1 answer: invalid auditor reply: no JSON object"}
	ds.Shares[0].Count, ds.Shares[0].Percent = 3, 100
	r.Quotes = []experiment.AuditQuote{{Pattern: "heuristic reliance", Category: eval.CatPlagiarism, Dataset: "GSM8K", Part: "reasoning", Item: "gsm8k-2", Quote: strings.Repeat("copied ", 50)}}
	if d, err = Draw(r); err != nil {
		t.Fatal(err)
	}
	const src = "measured on tiny-qwen3 (auditor: gpt-4o-mini)"
	if len(d.Tables) != 5 || !strings.HasSuffix(d.Figures[0].Title(), src) || !strings.HasSuffix(d.Tables[0].Caption, src) || d.Tables[0].Rows[0][3] != 3 || len(d.Tables[3].Rows) != 1 {
		t.Fatalf("measured: %d tables, title %q", len(d.Tables), d.Figures[0].Title())
	}
	if q := d.Tables[4].Rows[0]; q[2] != src || len([]rune(q[4].(string))) > 203 || len(d.Tables[4].Rows) != 7 {
		t.Fatalf("quote row %v", q)
	}
	if _, err := d.Figures[1].SVG(); err != nil {
		t.Fatal(err)
	}
}
