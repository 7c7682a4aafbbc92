package experiment

import (
	"fmt"
	"strings"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/probe"
	"github.com/rimlab/rim/rim/chat"
)

// Fig3Regions are Fig 3's panels in the paper's order as rim/chat region names, and Fig3Titles their titles
// (docs/paper.md §4.3, §6.1).
var (
	Fig3Regions = []string{chat.PosUserEnd, chat.PosHeaderStart, chat.PosRole, chat.PosThinkOpen, "think", chat.PosThinkClose}
	Fig3Titles  = []string{"Input −5 <|im_end|>", "Input −3 <|im_start|>", "Input −2 assistant", "Think Start", "Between Think Tag", "Think End"}
)

// Fig3Options are Fig 3b's own options.
type Fig3Options struct {
	Samples int // prompts per side (0: $RIM_SAMPLES, else 30)
}

// RegionProbe is one panel of Fig 3b: the probe score of each test group per layer, and the 5-fold CV
// accuracy averaged over layers.
type RegionProbe struct {
	Region        string    `json:"region"`
	Title         string    `json:"title"`
	Safe, Harmful []float64 `json:"-"`
	CV            float64   `json:"cv_accuracy"`
}

// Fig3Result is Fig 3b (docs/paper.md §6.1) measured: no-think mode, the harmful-vs-harmless steering probe
// at every layer and region.
type Fig3Result struct {
	Provenance
	Note       string                `json:"note,omitempty"` // a source held fewer prompts than asked
	Harmful    int                   `json:"harmful_prompts"`
	Harmless   int                   `json:"harmless_prompts"`
	Regions    []RegionProbe         `json:"regions"`
	PaperRange map[string][2]float64 `json:"paper_range"` // paper.Fig3bRange
}

// Fig3b fits the steering probe (rim/analysis/probe) on the training split of ProbeSet at every layer on
// hook_resid_post mean-pooled over each region, and scores the Safe and Harmful test groups.
func Fig3b(s Settings, o Fig3Options) (*Fig3Result, error) {
	set, nTrain, note, err := s.ProbeSet(s.count(o.Samples, 30))
	if err != nil {
		return nil, err
	}
	prov, err := s.measured("fig3b", set)
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*Fig3Result, error) {
		a, err := s.ResidByRegion(set, Fig3Regions)
		if err != nil {
			return nil, err
		}
		r := &Fig3Result{Note: note, PaperRange: paper.Fig3bRange}
		samples := make([]probe.Sample, len(set))
		for i, p := range set {
			samples[i] = probe.Sample{Positive: p.Harmful, Group: map[bool]string{true: "Harmful", false: "Safe"}[p.Harmful], Train: i < nTrain}
			if p.Harmful {
				r.Harmful++
			}
		}
		r.Harmless = len(set) - r.Harmful
		for i, region := range Fig3Regions {
			res, err := probe.Layers(len(a[region]), func(l int) ([][]float64, error) { return a[region][l], nil }, samples, probe.Config{})
			if err != nil {
				return nil, fmt.Errorf("experiment: fig3b %s: %w", region, err)
			}
			rp := RegionProbe{Region: region, Title: Fig3Titles[i]}
			for _, lr := range res {
				rp.Safe, rp.Harmful = append(rp.Safe, *lr.Groups["Safe"].Score), append(rp.Harmful, *lr.Groups["Harmful"].Score)
				rp.CV += lr.CV.Accuracy / float64(len(res))
			}
			r.Regions = append(r.Regions, rp)
		}
		return r, nil
	})
}

// Reading says where the probe separates harmful from harmless, from the scores, beside the paper's band.
func (r *Fig3Result) Reading() string {
	var sep []string
	gap, best := -1.0, ""
	for _, rp := range r.Regions {
		g := 0.0
		for l := range rp.Harmful {
			g += (rp.Harmful[l] - rp.Safe[l]) / float64(len(rp.Harmful))
		}
		if g > gap {
			gap, best = g, rp.Title
		}
		if g >= 0.5 {
			sep = append(sep, rp.Title)
		}
	}
	where := "no region separates the groups by half the scale on average"
	if len(sep) > 0 {
		where = fmt.Sprintf("%d of %d regions separate them by at least half the scale on average (%s)", len(sep), len(r.Regions), strings.Join(sep, ", "))
	}
	h, sf := r.PaperRange["Harmful"], r.PaperRange["Safe"]
	return fmt.Sprintf("Averaged over layers, the Harmful test group scores above the Safe one by %.2f at best (%s); %s. "+
		"Paper (Qwen3-4B): Harmful ≈ %.2f–%.2f and Safe ≈ %.2f–%.2f at every region and layer (docs/paper.md §6.1).",
		gap, best, where, h[0], h[1], sf[0], sf[1])
}
