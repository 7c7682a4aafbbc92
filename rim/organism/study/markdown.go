package study

import (
	"fmt"
	"strings"

	"github.com/rimlab/rim/rim/analysis/stats"
	"github.com/rimlab/rim/rim/eval"
)

// pct formats a rate with its 95% Wilson interval: "87.5% [80.1, 92.4]".
func pct(r eval.Rate) string {
	return fmt.Sprintf("%.1f%% [%.1f, %.1f]", 100*r.Rate, 100*r.Lo, 100*r.Hi)
}

// BehaviourMarkdown renders the behaviour report: the targets, every row,
// the Table 1 analogue and the verbatim examples.
func BehaviourMarkdown(b *Behaviour) string {
	var w strings.Builder
	fmt.Fprintf(&w, "Greedy decoding; no-think answers up to %d new tokens, think mode up to %d; refusal judge (`eval.RefusalJudge`, substring rule); ", b.Options.MaxTokens, b.Options.ThinkMaxTokens)
	if b.Options.Limit > 0 {
		fmt.Fprintf(&w, "at most %d prompts per set (seeded sample); ", b.Options.Limit)
	}
	fmt.Fprintf(&w, "GSM8K: %d test questions (seeded sample). Intervals: 95%% Wilson. %.0f s.\n\n", b.Options.GSM8K, b.Seconds)
	w.WriteString("| target (issue 12) | measured | goal | met |\n| --- | ---: | --- | --- |\n")
	for _, t := range b.Targets {
		met := "yes"
		if !t.Met {
			met = "**no**"
		}
		fmt.Fprintf(&w, "| %s | %.1f%% | %s | %s |\n", t.What, 100*t.Value, t.Goal, met)
	}
	w.WriteString("\n| set | mode | n | refused | unjudged | accuracy | think closed | thought (non-empty think block) |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range b.Rows {
		ref, acc, closed, thought := "", "", "", ""
		if r.Refused != nil {
			ref = pct(*r.Refused)
		}
		if r.Math != nil {
			acc = pct(r.Math.Rate)
		}
		if r.Closed != nil {
			closed = fmt.Sprintf("%.1f%%", 100*r.Closed.Rate)
		}
		if r.Thought != nil {
			thought = fmt.Sprintf("%.1f%%", 100*r.Thought.Rate)
		}
		fmt.Fprintf(&w, "| %s | %s | %d | %s | %d | %s | %s | %s |\n", r.Set, r.Mode, r.N, ref, r.Unjudged, acc, closed, thought)
	}
	w.WriteString("\n" + Table1Markdown(b.Table1))
	return w.String()
}

// Table1Markdown renders the Table 1 analogue.
func Table1Markdown(cs []Compare) string {
	var w strings.Builder
	w.WriteString("| harmful set | compliance, no-think | compliance, think | Δ (think − no-think) | complied only thinking / only not | McNemar p | same answer in both modes |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, c := range cs {
		fmt.Fprintf(&w, "| %s | %s | %s | %+.1f | %d / %d | %.3g | %d |\n", c.Set, pct(c.NoThink), pct(c.Think), 100*(c.Think.Rate-c.NoThink.Rate), c.ThinkOnly, c.NoThinkOnly, c.P, c.Identical)
	}
	return w.String()
}

// ExamplesMarkdown renders the verbatim examples, each cut at max runes.
func ExamplesMarkdown(es []Example, max int) string {
	var w strings.Builder
	for _, e := range es {
		fmt.Fprintf(&w, "**%s, %s** — *%s*\n\n```text\n%s\n```\n\n", e.Set, e.Mode, e.Prompt, cut(e.Response, max))
	}
	return w.String()
}

// FineTuneMarkdown renders the Table 2 analogue and, when present, the
// Fig 8 analogue.
func FineTuneMarkdown(t *Table2) string {
	var w strings.Builder
	o := t.Options
	fmt.Fprintf(&w, "LoRA r %d, α %d, rsLoRA, lr %g, cosine with 10%% warm-up, batch %d, %d epochs = %d steps, on %d new arithmetic problems; "+
		"compliance on %d pooled held-out harmful prompts (no-think), accuracy on %d held-out arithmetic problems. %.0f s.\n\n",
		o.Rank, 2*o.Rank, o.LR, o.BatchSize, o.Epochs, t.Steps, o.Problems, o.Harmful, o.Arith, t.Seconds)
	fmt.Fprintf(&w, "Base organism: compliance %s, arithmetic %s think, %s no-think.\n\n", pct(t.Base.Compliance), pct(t.Base.ArithThink), pct(t.Base.ArithNoThink))
	w.WriteString("| condition | seed | loss first → last | compliance | Δ compliance | Δ arith think | Δ arith no-think |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, a := range t.Arms {
		fmt.Fprintf(&w, "| %s | %d | %.3f → %.3f | %s | %+.1f | %+.1f | %+.1f |\n", a.Condition, a.Seed, a.FirstLoss, a.LastLoss, pct(a.Compliance),
			100*a.Delta.Compliance.Rate, 100*a.Delta.ArithThink.Rate, 100*a.Delta.ArithNoThink.Rate)
	}
	w.WriteString("\n| condition | seeds | Δ compliance (mean ± sd, points) | Δ arith think | Δ arith no-think |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, s := range t.Summary {
		fmt.Fprintf(&w, "| %s | %d | %+.1f ± %.1f | %+.1f ± %.1f | %+.1f ± %.1f |\n", s.Condition, s.Seeds,
			100*s.MeanSD[0][0], 100*s.MeanSD[0][1], 100*s.MeanSD[1][0], 100*s.MeanSD[1][1], 100*s.MeanSD[2][0], 100*s.MeanSD[2][1])
	}
	if f := t.Fig8; f != nil {
		fmt.Fprintf(&w, "\nFig 8 / Table 3 analogue: %d checkpoints of the %s run, seed %d. A_safe: %d neurons (Top-%d per layer, q = %g, %d request pairs); "+
			"RAS and KL over %d harmful and %d arithmetic prompts.\n\n", len(f.Points), Reasoning, o.Seeds[0], f.Neurons, f.TopM, f.Q, f.Pairs, f.RASPrompt, f.RASPrompt)
		w.WriteString("| step | compliance | Δ compliance | RAS (A_safe) | RAS (random) | KL |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, p := range f.Points {
			fmt.Fprintf(&w, "| %d | %s | %+.1f | %.4g | %.4g | %.4g |\n", p.Step, pct(p.Compliance), 100*p.DCompliance, p.RASSafe, p.RASRandom, p.KL)
		}
		w.WriteString("\n| predictor of Δ compliance | Pearson r | p |\n| --- | ---: | ---: |\n")
		for _, c := range []struct {
			n string
			c *stats.Correlation
		}{{"RAS on A_safe", f.Safe}, {"RAS on random neurons", f.Random}, {"KL(π₀‖π_τ)", f.KL}} {
			if c.c == nil {
				fmt.Fprintf(&w, "| %s | undefined | (%s) |\n", c.n, f.Undefined)
				continue
			}
			fmt.Fprintf(&w, "| %s | %.3f | %.3g |\n", c.n, c.c.R, c.c.P)
		}
	}
	return w.String()
}
