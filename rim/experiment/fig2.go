package experiment

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/stats"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
)

// Patterns are the paper's three effort-minimizing patterns in Fig 2's order (docs/paper.md §5.2).
var Patterns = []string{"instruction deviation", "confirmatory reasoning", "heuristic reliance"}

// Prefills returns the assistant prefills of a pattern's Table A8 statements, clean (control) or dark
// (target), in the settings' prefill style (RIM_PREFILL: think or inst).
func (s Settings) Prefills(pattern string, dark bool) ([]string, error) {
	style := data.ThinkPrefill
	if s.Prefill == "inst" {
		style = data.InstPrefill
	}
	cats, ok := data.Patterns[pattern]
	if !ok {
		return nil, fmt.Errorf("experiment: pattern %q: want one of %s", pattern, strings.Join(Patterns, ", "))
	}
	var out []string
	for _, cat := range cats {
		st, err := data.LookupStatement(cat)
		if err != nil {
			return nil, err
		}
		text := st.Clean
		if dark {
			text = st.Dark
		}
		p, err := data.Prefill(style, text)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Fig2Options are Fig 2 (left)'s own options.
type Fig2Options struct {
	Samples int // HEx-PHI prompts per statement (0: $RIM_SAMPLES, else 8)
}

// PatternRates is one pattern of Fig 2 (left): the pooled reports over its statements, control and target.
type PatternRates struct {
	Pattern         string   `json:"pattern"`
	TargetPrefills  []string `json:"target_prefills"`
	Control, Target eval.SafetyReport
}

// Fig2Result is Fig 2 (left) measured (docs/paper.md §5.2), with the paper's bars and the Tables A2–A4
// column means they come from (computed here).
type Fig2Result struct {
	Provenance
	Prompts    int            `json:"prompts"`
	Patterns   []PatternRates `json:"patterns"`
	PaperBars  [6]float64     `json:"paper_bars"`  // paper.Fig2: control, target per pattern
	TableMeans [6]float64     `json:"table_means"` // column means of paper.TablesA2A4
}

// Fig2Columns names PaperBars' and TableMeans' columns.
var Fig2Columns = []string{"ID control", "ID target", "CR control", "CR target", "HR control", "HR target"}

// Fig2 injects every statement of each pattern as an assistant prefill in front of n harmful prompts, judges
// the responses with the refusal judge and pools them per pattern and group (docs/paper.md §5.2). The think
// placement (RIM_PREFILL=think, the default) on a chat template without a think mode is an error saying so.
func Fig2(s Settings, o Fig2Options) (*Fig2Result, error) {
	if err := s.engineOnly("fig2", "continues injected assistant prefills"); err != nil {
		return nil, err
	}
	if s.Prefill != "inst" {
		if think, err := s.hasThinkMode(); err != nil {
			return nil, err
		} else if !think {
			return nil, fmt.Errorf("RIM_PREFILL=think places the statements after <think>, and the chat template of %s has no think mode: set RIM_PREFILL=inst (the paper's placement for such models)",
				filepath.Base(filepath.Clean(s.TokenizerDir())))
		}
	}
	ps, err := s.Harmful(s.count(o.Samples, 8))
	if err != nil {
		return nil, err
	}
	prov, err := s.measured("fig2", ps)
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*Fig2Result, error) {
		r := &Fig2Result{Prompts: len(ps), PaperBars: paper.Fig2}
		for j := range r.TableMeans {
			var col []float64
			for _, row := range paper.TablesA2A4 {
				col = append(col, row[j])
			}
			m, err := stats.Mean(col)
			if err != nil {
				return nil, err
			}
			r.TableMeans[j] = m
		}
		for _, pat := range Patterns {
			pr := PatternRates{Pattern: pat}
			for _, dark := range []bool{false, true} {
				pres, err := s.Prefills(pat, dark)
				if err != nil {
					return nil, err
				}
				var rs []string
				var qs []data.Prompt
				for _, pre := range pres {
					out, err := s.Responses(s.ModelDir(), ps, nil, pre)
					if err != nil {
						return nil, err
					}
					rs, qs = append(rs, out...), append(qs, ps...)
				}
				rep, err := s.JudgeSafety(qs, rs)
				if err != nil {
					return nil, err
				}
				if dark {
					pr.Target, pr.TargetPrefills = rep, pres
				} else {
					pr.Control = rep
				}
			}
			r.Patterns = append(r.Patterns, pr)
		}
		return r, nil
	})
}

// Reading compares target with control per pattern, from the measured rates, beside the paper's bars.
func (r *Fig2Result) Reading() string {
	var parts []string
	raised, judged := 0, 0
	for i, p := range r.Patterns {
		c, t := p.Control.Rate, p.Target.Rate
		if c.N == 0 || t.N == 0 {
			parts = append(parts, fmt.Sprintf("%s: too little judged (%d control and %d target responses unjudged, cut off inside the think block)", p.Pattern, p.Control.Unjudged, p.Target.Unjudged))
			continue
		}
		judged++
		if t.Rate > c.Rate {
			raised++
		}
		parts = append(parts, fmt.Sprintf("%s: target %.1f%% vs control %.1f%% (%+.1f points; paper %+.2f)", p.Pattern, 100*t.Rate, 100*c.Rate,
			100*(t.Rate-c.Rate), r.PaperBars[2*i+1]-r.PaperBars[2*i]))
	}
	return fmt.Sprintf("%s. The target statement raises misalignment for %d of the %d patterns with judged responses. "+
		"Paper (8-model means, Fig 2): target above control for all three patterns, by %.1f–%.1f points; its ID target bar %.2f differs from the Tables A2–A4 mean %.2f computed here (docs/paper.md §5.2).",
		strings.Join(parts, "; "), raised, judged, minGap(r.PaperBars), maxGap(r.PaperBars), r.PaperBars[1], r.TableMeans[1])
}

func minGap(b [6]float64) float64 { return min(b[1]-b[0], b[3]-b[2], b[5]-b[4]) }
func maxGap(b [6]float64) float64 { return max(b[1]-b[0], b[3]-b[2], b[5]-b[4]) }
