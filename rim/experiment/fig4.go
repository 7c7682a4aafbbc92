package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/paper"
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
