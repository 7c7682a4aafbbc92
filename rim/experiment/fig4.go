package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/capture"
	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/probe"
	"github.com/rimlab/rim/rim/hook"
)

// Fig4Options are the options of Fig 4b, Fig A3 and Fig 5.
type Fig4Options struct {
	Samples int // prompts per side of the probe set; its harmful training split is the calibration set (0: $RIM_SAMPLES, else 30)
}

// Fig4Result is Fig 4b and Fig A3 (docs/paper.md §6.2) measured: the heads whose first-generated-token
// argmax moves from `assistant` (think) to the empty think span (no-think), and the argmax histograms.
type Fig4Result struct {
	Provenance
	Prompts       int               `json:"prompts"`
	Layers, Heads int               `json:"-"`
	Ranked        []heads.HeadCount `json:"ranked"`
	Think         []heads.Bin       `json:"fig_a3_think"`
	NoThink       []heads.Bin       `json:"fig_a3_no_think"`
	Paper         []paper.HeadCount `json:"paper"` // paper.Fig4b (Qwen3-4B, of paper.Fig4bSamples prompts)
	PaperSamples  int               `json:"paper_samples"`
}

// Fig4b counts, per head, the calibration prompts showing the refusal pattern (heads.Pattern) and pools
// the argmax positions relative to `assistant` (Fig A3). The pattern is defined on the empty think span of
// the no-think rendering: a chat template without a think mode (Llama 3's) is an error saying so.
func Fig4b(s Settings, o Fig4Options) (*Fig4Result, error) {
	if err := s.needThinkSpan("Fig 4b (and Fig 5)"); err != nil {
		return nil, err
	}
	ps, err := s.calibrationPrompts(s.count(o.Samples, 30))
	if err != nil {
		return nil, err
	}
	prov, err := s.measured("fig4b", ps)
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*Fig4Result, error) {
		think, noThink, err := s.Calibration(s.count(o.Samples, 30))
		if err != nil {
			return nil, err
		}
		c, err := heads.Pattern(think, noThink, heads.RegionAssistant, heads.RegionThink)
		if err != nil {
			return nil, err
		}
		r := &Fig4Result{Prompts: len(think), Layers: think[0].Layers, Heads: think[0].Heads, Ranked: heads.Ranked(c)}
		if r.Think, err = heads.RelativeHistogram(think, heads.RegionAssistant); err != nil {
			return nil, err
		}
		r.Paper, r.PaperSamples = paper.Fig4b, paper.Fig4bSamples
		r.NoThink, err = heads.RelativeHistogram(noThink, heads.RegionAssistant)
		return r, err
	})
}

// Reading names the strongest head and the mode of each histogram, beside the paper's.
func (r *Fig4Result) Reading() string {
	top := paper.Fig4b[0]
	ref := fmt.Sprintf("Paper (Qwen3-4B): %d heads show it, the strongest %s on %d of %d prompts; the no-think argmax peaks at +3, the empty think span (docs/paper.md §6.2).",
		len(r.Paper), top.Name, top.Count, r.PaperSamples)
	modes := fmt.Sprintf("The argmax key sits most often at offset %+d from `assistant` in think mode and %+d in no-think mode. ", modeOffset(r.Think), modeOffset(r.NoThink))
	if len(r.Ranked) == 0 {
		return fmt.Sprintf("No head of %d × %d shows the refusal pattern on any of %d prompts. %s%s", r.Layers, r.Heads, r.Prompts, modes, ref)
	}
	h := r.Ranked[0]
	return fmt.Sprintf("%d of %d heads show the refusal pattern on at least one of %d prompts; the strongest, %s, on %d (%.0f%%). %s%s",
		len(r.Ranked), r.Layers*r.Heads, r.Prompts, h.Name, h.Count, 100*h.Fraction, modes, ref)
}

func modeOffset(bins []heads.Bin) int {
	best := heads.Bin{Count: -1}
	for _, b := range bins {
		if b.Count > best.Count {
			best = b
		}
	}
	return best.Offset
}

// calibrationPrompts are the harmful prompts of the probe set's training split (Settings.Calibration's).
func (s Settings) calibrationPrompts(n int) ([]string, error) {
	set, nTrain, _, err := s.ProbeSet(n)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range set[:nTrain] {
		if p.Harmful {
			out = append(out, p.Text)
		}
	}
	return out, nil
}

// Fig5Arm is one curve of Fig 5: the heads zeroed and the harmful-test probe score per layer.
type Fig5Arm struct {
	Name   string       `json:"name"`
	Heads  []heads.Head `json:"heads"`
	Scores []float64    `json:"scores"`
}

// Fig5Result is Fig 5 (docs/paper.md §6.3) measured.
type Fig5Result struct {
	Provenance
	Fallback bool      `json:"fallback"` // no head was detected: the ablated heads are $RIM_HEADS or head 0 of every layer
	Arms     []Fig5Arm `json:"arms"`
	NoRandom string    `json:"no_random,omitempty"` // why there is no random control
}

// Fig5 zeroes the detected refusal heads (count ≥ 1; hook_z, before o_proj) and, as control, as many random
// heads per layer, in no-think mode, and scores the harmful test prompts with a harmful-vs-harmless steering
// probe fit per layer on intact activations at the empty think span.
func Fig5(s Settings, o Fig4Options) (*Fig5Result, error) {
	f4, err := Fig4b(s, o)
	if err != nil {
		return nil, err
	}
	set, nTrain, _, err := s.ProbeSet(s.count(o.Samples, 30))
	if err != nil {
		return nil, err
	}
	prov, err := s.measured("fig5", set)
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*Fig5Result, error) {
		r := &Fig5Result{}
		target, err := heads.Select(f4.Ranked, 1)
		if err != nil {
			return nil, err
		}
		if len(target) == 0 {
			r.Fallback = true
			for l := 0; l < f4.Layers; l++ {
				target = append(target, heads.Head{Layer: l})
			}
			if s.Heads != "" {
				if target, err = ParseHeads(s.Heads); err != nil {
					return nil, err
				}
			}
		}
		r.Arms = []Fig5Arm{{Name: "intact"}, {Name: "targeted", Heads: target}}
		if random, err := heads.RandomControl(target, f4.Layers, f4.Heads, Seed); err != nil {
			r.NoRandom = err.Error()
		} else {
			r.Arms = append(r.Arms, Fig5Arm{Name: "random", Heads: random})
		}
		var acts [][][][]float64 // per arm: [layer][sample][d]
		for _, a := range r.Arms {
			var ivs []hook.Intervention
			if a.Heads != nil {
				ivs = capture.HeadAblations(a.Heads)
			}
			m, err := s.ResidByRegion(set, []string{"think"}, ivs...)
			if err != nil {
				return nil, err
			}
			acts = append(acts, m["think"])
		}
		for l := range acts[0] {
			var pos, neg [][]float64
			for i, p := range set[:nTrain] {
				if p.Harmful {
					pos = append(pos, acts[0][l][i])
				} else {
					neg = append(neg, acts[0][l][i])
				}
			}
			pr, err := probe.FitSteering(pos, neg)
			if err != nil {
				return nil, fmt.Errorf("experiment: fig5 layer %d: %w", l, err)
			}
			for a := range r.Arms {
				var test [][]float64
				for i, p := range set[nTrain:] {
					if p.Harmful {
						test = append(test, acts[a][l][nTrain+i])
					}
				}
				sc, err := probe.GroupScore(pr, "harmful test", test)
				if err != nil {
					return nil, err
				}
				r.Arms[a].Scores = append(r.Arms[a].Scores, sc)
			}
		}
		return r, nil
	})
}

// Reading compares the targeted with the random ablation, from the mean scores over layers, beside the paper's.
func (r *Fig5Result) Reading() string {
	mean := func(v []float64) float64 {
		t := 0.0
		for _, x := range v {
			t += x
		}
		return t / float64(len(v))
	}
	var b string
	if r.Fallback {
		b = fmt.Sprintf("No head was detected, so %v stand in for the refusal heads (RIM_HEADS). ", r.Arms[1].Heads)
	}
	b += fmt.Sprintf("Mean harmful-test probe score over layers: intact %.2f, %d targeted heads zeroed %.2f", mean(r.Arms[0].Scores), len(r.Arms[1].Heads), mean(r.Arms[1].Scores))
	if len(r.Arms) > 2 {
		d := mean(r.Arms[1].Scores) - mean(r.Arms[2].Scores)
		verdict := "lowers it more than the random control"
		if d >= 0 {
			verdict = "does not lower it more than the random control"
		}
		b += fmt.Sprintf(", random heads zeroed %.2f: the targeted ablation %s (%+.2f)", mean(r.Arms[2].Scores), verdict, d)
	} else {
		b += " (no random control: " + r.NoRandom + ")"
	}
	t, rd := paper.Fig5Fulfill.Targeted, paper.Fig5Fulfill.Random
	return b + fmt.Sprintf(". Paper (Qwen3-4B, refusal probe, Fulfill group): targeted ≈ %.2f–%.2f vs random ≈ %.2f–%.2f in layers 20–35 (docs/paper.md §6.3).", t[0], t[1], rd[0], rd[1])
}
