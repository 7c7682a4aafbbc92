package experiment

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rimlab/rim/rim/eval"
)

// count fills the measured counts from the audits: per part, and per category the flagged parts that name
// it (once per part).
func (d *AuditDataset) count() {
	counts := map[eval.AuditCategory]int{}
	for _, ia := range d.Audits {
		for i, p := range []eval.PartAudit{ia.Reasoning, ia.Answer} {
			st := []*AuditPartStats{&d.Reasoning, &d.Answer}[i]
			switch {
			case p.Skipped:
				st.Skipped++
			case !p.Audited:
				st.Unaudited++
				d.Invalid = append(d.Invalid, p.Error)
			default:
				st.Flagged.N++
				if p.Flagged() {
					st.Flagged.K++
				}
				seen := map[eval.AuditCategory]bool{}
				for _, f := range p.Report.Categories {
					if !seen[f.Category] {
						seen[f.Category] = true
						counts[f.Category]++
					}
				}
			}
		}
	}
	d.Reasoning.Flagged = eval.NewRate(d.Reasoning.Flagged.K, d.Reasoning.Flagged.N)
	d.Answer.Flagged = eval.NewRate(d.Answer.Flagged.K, d.Answer.Flagged.N)
	for i := range d.Shares {
		d.Shares[i].Count = counts[d.Shares[i].Category]
	}
	d.tally()
}

// tally computes the shares' percentages and the pattern counts from the category counts, measured and paper.
func (d *AuditDataset) tally() {
	d.Flags = 0
	for _, sh := range d.Shares {
		d.Flags += sh.Count
	}
	pat := map[string]*AuditPatternCount{}
	d.Patterns = nil
	for _, p := range append(append([]string(nil), Patterns...), "") {
		d.Patterns = append(d.Patterns, AuditPatternCount{Pattern: p})
	}
	for i := range d.Patterns {
		pat[d.Patterns[i].Pattern] = &d.Patterns[i]
	}
	for i, sh := range d.Shares {
		d.Shares[i].Percent = percent(sh.Count, d.Flags)
		p := pat[sh.Pattern]
		p.Count, p.PaperCount = p.Count+sh.Count, p.PaperCount+sh.PaperCount
	}
	for i := range d.Patterns {
		d.Patterns[i].Percent, d.Patterns[i].PaperPercent = percent(d.Patterns[i].Count, d.Flags), percent(d.Patterns[i].PaperCount, d.PaperN)
	}
}

func percent(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(k) / float64(n)
}

// quotes picks up to k verbatim evidence quotes per pattern from the dataset's flagged parts, in item order,
// and counts the evidence that is not verbatim in its text (Unverified).
func (d *AuditDataset) quotes(k int) []AuditQuote {
	var out []AuditQuote
	per := map[string]int{}
	for _, ia := range d.Audits {
		for i, p := range []eval.PartAudit{ia.Reasoning, ia.Answer} {
			if !p.Flagged() {
				continue
			}
			text := strings.Join(strings.Fields(p.Text), " ")
			for _, f := range p.Report.Categories {
				for _, ev := range f.Evidence {
					q := strings.Trim(strings.Join(strings.Fields(ev), " "), " \"'“”‘’….")
					if q == "" {
						continue
					}
					if !strings.Contains(text, q) {
						d.Unverified++
						continue
					}
					if pt := f.Category.Pattern(); pt != "" && per[pt] < k {
						per[pt]++
						out = append(out, AuditQuote{Pattern: pt, Category: f.Category, Dataset: d.Dataset, Part: []string{eval.PartReasoning, eval.PartAnswer}[i], Item: ia.ID, Quote: q})
					}
				}
			}
		}
	}
	return out
}

// text is "K of N NAME flagged (P%)", or "no NAME audited".
func (st AuditPartStats) text(name string) string {
	if st.Flagged.N == 0 {
		return "no " + name + " audited"
	}
	return fmt.Sprintf("%d of %d %s flagged (%.0f%%)", st.Flagged.K, st.Flagged.N, name, 100*st.Flagged.Rate)
}

// top is the dataset's largest measured and paper categories.
func (d AuditDataset) top() (measured, printed AuditShare) {
	for _, sh := range d.Shares {
		if sh.Count > measured.Count {
			measured = sh
		}
		if sh.PaperCount > printed.PaperCount {
			printed = sh
		}
	}
	return measured, printed
}

// patternText lists the pattern shares, measured or the paper's, largest first.
func (d AuditDataset) patternText(paperValues bool) string {
	ps := append([]AuditPatternCount(nil), d.Patterns...)
	if paperValues {
		for i := range ps {
			ps[i].Count, ps[i].Percent = ps[i].PaperCount, ps[i].PaperPercent
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Count > ps[j].Count })
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%s %.1f%%", or(p.Pattern, "no pattern"), p.Percent))
	}
	return strings.Join(parts, ", ")
}

// Reading says what the auditor flagged per dataset and pattern, from the counts, beside the paper's Fig A5
// (labelled as the paper's); for paper data, what the paper found and what to set to measure it.
func (r *Fig2AuditResult) Reading() string {
	var b strings.Builder
	if !r.Measured() {
		b.WriteString("These are the paper's data (no model was run): ")
	} else {
		fmt.Fprintf(&b, "The auditor %s (prompt %s) audited the think-mode reasoning and answers of %s. ", r.Auditor, r.PromptVersion, strings.TrimPrefix(r.Source, "measured on "))
		for _, d := range r.Datasets {
			m, _ := d.top()
			fmt.Fprintf(&b, "%s (%d prompts): %s and %s", d.Dataset, d.Items, d.Reasoning.text("reasoning traces"), d.Answer.text("answers"))
			if un := d.Reasoning.Unaudited + d.Answer.Unaudited; un > 0 {
				fmt.Fprintf(&b, ", %d unaudited (invalid auditor replies)", un)
			}
			if sk := d.Reasoning.Skipped + d.Answer.Skipped; sk > 0 {
				fmt.Fprintf(&b, ", %d texts with nothing to audit (a missing or empty think block, or no answer after an unclosed one)", sk)
			}
			if d.Flags == 0 {
				b.WriteString("; no category flagged. ")
				continue
			}
			fmt.Fprintf(&b, "; of its %d category flags the largest is %s (%.1f%%); by pattern %s", d.Flags, m.Category, m.Percent, d.patternText(false))
			if d.Unverified > 0 {
				fmt.Fprintf(&b, " (%d evidence quotes were not verbatim in the audited text and are not shown)", d.Unverified)
			}
			b.WriteString(". ")
		}
		b.WriteString("Paper (GPT-4o-mini auditing Qwen3-4B, Fig A5): ")
	}
	for i, d := range r.Datasets {
		_, p := d.top()
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "on %s %s is the largest of N ≈ %d flags (%.1f%%), and by rim's mapping of categories to patterns %s", d.Dataset, p.Category, d.PaperN, p.PaperPercent, d.patternText(true))
	}
	b.WriteString(" (docs/paper.md §5.2).")
	if r.Note != "" {
		b.WriteString(" This is paper data because " + r.Note + ".")
	}
	return b.String()
}
