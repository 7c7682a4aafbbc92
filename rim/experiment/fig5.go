package experiment

import (
	"fmt"
	"slices"

	"github.com/rimlab/rim/rim/analysis/capture"
	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/probe"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/hook"
)

// Fig5Arm is one ablation of Fig 5: its name (intact, targeted, random) and the heads zeroed.
type Fig5Arm struct {
	Name  string       `json:"name"`
	Heads []heads.Head `json:"heads"`
}

// Fig5Series is one curve of a Fig 5 panel: an arm's probe score per layer for one group of harmful test
// prompts: Reject or Fulfill (split by the intact model's own no-think answers) with the refusal probe, or
// Harmful (all of them) with the harmful-vs-harmless probe when no refusal probe could be fit.
type Fig5Series struct {
	Arm    string    `json:"arm"`
	Group  string    `json:"group"`
	Scores []float64 `json:"scores"`
}

// Fig5Panel is one token region of Fig 5 (the regions of Fig 3b).
type Fig5Panel struct {
	Region string       `json:"region"`
	Title  string       `json:"title"`
	Series []Fig5Series `json:"series"`
}

// Fig5Result is Fig 5 (docs/paper.md §6.3) measured.
type Fig5Result struct {
	Provenance
	Fallback bool      `json:"fallback"` // no head was detected: the ablated heads are $RIM_HEADS or head 0 of every layer
	Arms     []Fig5Arm `json:"arms"`
	NoRandom string    `json:"no_random,omitempty"` // why there is no random control
	// Probe is the readout: "refusal vs fulfilment" (the paper's), or "harmful vs harmless" when the intact
	// model refused all or none of the harmful training prompts (Refusal.NoProbe says which).
	Probe   string       `json:"probe"`
	Refusal RefusalSplit `json:"refusal"`
	Panels  []Fig5Panel  `json:"panels"`
}

// Fig5 zeroes the detected refusal heads (count ≥ 1; hook_z, before o_proj) and, as control, as many random
// heads per layer, in no-think mode (docs/paper.md §6.3). At every token region of Fig 3b and every layer it
// fits the paper's refusal-vs-fulfilment steering probe on the intact activations of the harmful training
// prompts, labelled by the intact model's own greedy no-think answers (refusal judge), and scores the harmful
// test prompts it refused (Reject) and complied with (Fulfill) under each ablation. When the intact model
// refused all or none of the training prompts the readout falls back to the harmful-vs-harmless probe's score
// of all harmful test prompts, and Probe says so.
func Fig5(s Settings, o Fig4Options) (*Fig5Result, error) {
	f4, err := Fig4b(s, o)
	if err != nil {
		return nil, err
	}
	set, nTrain, _, err := s.ProbeSet(s.count(o.Samples, 30))
	if err != nil {
		return nil, err
	}
	prov, err := s.viaGen(s.measured("fig5", set))
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*Fig5Result, error) {
		r := &Fig5Result{}
		if r.Arms, r.Fallback, r.NoRandom, err = s.fig5Arms(f4); err != nil {
			return nil, err
		}
		regions, _, err := s.renderedRegions(false, Fig3Regions)
		if err != nil {
			return nil, err
		}
		rs, err := s.setResponses(set, false)
		if err != nil {
			return nil, err
		}
		labels, split, err := refusalLabels(set, nTrain, rs)
		if err != nil {
			return nil, err
		}
		r.Refusal, r.Probe = split, "refusal vs fulfilment"
		if split.NoProbe != "" {
			r.Probe = "harmful vs harmless"
		}
		var acts []map[string][][][]float64 // per arm: [region][layer][sample][d]
		for _, a := range r.Arms {
			var ivs []hook.Intervention
			if a.Heads != nil {
				ivs = capture.HeadAblations(a.Heads)
			}
			m, err := s.ResidByRegion(set, regions, ivs...)
			if err != nil {
				return nil, err
			}
			acts = append(acts, m)
		}
		titles := s.regionTitles(false)
		for i, region := range Fig3Regions {
			if !slices.Contains(regions, region) {
				continue
			}
			p, err := r.fig5Panel(region, acts, set, labels, nTrain)
			if err != nil {
				return nil, fmt.Errorf("experiment: fig5 %s: %w", region, err)
			}
			p.Title = titles[i]
			r.Panels = append(r.Panels, p)
		}
		return r, nil
	})
}

// fig5Arms are Fig 5's ablations: intact, the heads of Fig 4b with count ≥ 1 (else $RIM_HEADS or head 0 of
// every layer: fallback), and as many random heads per layer (none when impossible: noRandom says why).
func (s Settings) fig5Arms(f4 *Fig4Result) (arms []Fig5Arm, fallback bool, noRandom string, err error) {
	target, err := heads.Select(f4.Ranked, 1)
	if err != nil {
		return nil, false, "", err
	}
	if len(target) == 0 {
		fallback = true
		for l := 0; l < f4.Layers; l++ {
			target = append(target, heads.Head{Layer: l})
		}
		if s.Heads != "" {
			if target, err = ParseHeads(s.Heads); err != nil {
				return nil, false, "", err
			}
		}
	}
	arms = []Fig5Arm{{Name: "intact"}, {Name: "targeted", Heads: target}}
	if random, err := heads.RandomControl(target, f4.Layers, f4.Heads, Seed); err != nil {
		noRandom = err.Error()
	} else {
		arms = append(arms, Fig5Arm{Name: "random", Heads: random})
	}
	return arms, fallback, noRandom, nil
}

// fig5Panel scores one region: the refusal probe's Reject and Fulfill groups per arm, or (fallback) the
// harmful-vs-harmless probe's harmful test group per arm; each probe is fit on the intact activations.
func (r *Fig5Result) fig5Panel(region string, acts []map[string][][][]float64, set []data.Labeled, labels []int, nTrain int) (Fig5Panel, error) {
	p := Fig5Panel{Region: region}
	arms := make([][][][]float64, len(acts))
	for a := range acts {
		arms[a] = acts[a][region]
	}
	if r.Refusal.NoProbe == "" {
		rej, ful, err := refusalScores(arms[0], arms, labels, nTrain)
		if err != nil {
			return p, err
		}
		for a, arm := range r.Arms {
			for _, g := range []Fig5Series{{arm.Name, "Reject", rej[a]}, {arm.Name, "Fulfill", ful[a]}} {
				if g.Scores != nil {
					p.Series = append(p.Series, g)
				}
			}
		}
		return p, nil
	}
	for l := range arms[0] {
		var pos, neg [][]float64
		for i, q := range set[:nTrain] {
			if q.Harmful {
				pos = append(pos, arms[0][l][i])
			} else {
				neg = append(neg, arms[0][l][i])
			}
		}
		pr, err := probe.FitSteering(pos, neg)
		if err != nil {
			return p, fmt.Errorf("layer %d: %w", l, err)
		}
		for a, arm := range r.Arms {
			var test [][]float64
			for i, q := range set[nTrain:] {
				if q.Harmful {
					test = append(test, arms[a][l][nTrain+i])
				}
			}
			sc, err := probe.GroupScore(pr, "harmful test", test)
			if err != nil {
				return p, err
			}
			if l == 0 {
				p.Series = append(p.Series, Fig5Series{Arm: arm.Name, Group: "Harmful"})
			}
			p.Series[a].Scores = append(p.Series[a].Scores, sc)
		}
	}
	return p, nil
}

// Reading compares the targeted with the random ablation at the empty think span (else the first panel), from
// the mean score over the upper half of the layers (the paper reads layers 20–35 of 36), beside the paper's.
func (r *Fig5Result) Reading() string {
	var b string
	if r.Fallback {
		b = fmt.Sprintf("No head was detected, so %v stand in for the refusal heads (RIM_HEADS). ", r.Arms[1].Heads)
	}
	if len(r.Panels) == 0 {
		return b + "No token region was rendered, so there is nothing to read."
	}
	p := r.Panels[0]
	for _, q := range r.Panels {
		if q.Region == "think" {
			p = q
		}
	}
	group := "Fulfill"
	if r.Refusal.NoProbe != "" {
		group = "Harmful"
		b += fmt.Sprintf("The readout is the harmful-vs-harmless probe's score of the harmful test prompts, since %s. ", r.Refusal.NoProbe)
	} else {
		b += fmt.Sprintf("The readout is the refusal probe, fit on the intact model's %d refused and %d complied harmful training prompts; its test split holds %d refused and %d complied. ",
			r.Refusal.TrainReject, r.Refusal.TrainFulfill, r.Refusal.TestReject, r.Refusal.TestFulfill)
		if r.Refusal.TestFulfill == 0 {
			group = "Reject"
		}
	}
	upper := func(v []float64) float64 {
		t, lo := 0.0, len(v)/2
		for _, x := range v[lo:] {
			t += x
		}
		return t / float64(len(v)-lo)
	}
	mean := map[string]float64{}
	for _, sr := range p.Series {
		if sr.Group == group {
			mean[sr.Arm] = upper(sr.Scores)
		}
	}
	b += fmt.Sprintf("At %s, the %s group's mean score over the upper half of the layers is %.2f intact and %.2f with %d targeted heads zeroed",
		p.Title, group, mean["intact"], mean["targeted"], len(r.Arms[1].Heads))
	if len(r.Arms) > 2 {
		d := mean["targeted"] - mean["random"]
		verdict := "lowers it more than the random control"
		if d >= 0 {
			verdict = "does not lower it more than the random control"
		}
		b += fmt.Sprintf(", %.2f with random heads zeroed: the targeted ablation %s (%+.2f)", mean["random"], verdict, d)
	} else {
		b += " (no random control: " + r.NoRandom + ")"
	}
	t, rd := paper.Fig5Fulfill.Targeted, paper.Fig5Fulfill.Random
	return b + fmt.Sprintf(". Paper (Qwen3-4B, refusal probe, Fulfill group at the empty think span): targeted ≈ %.2f–%.2f vs random ≈ %.2f–%.2f in layers 20–35 (docs/paper.md §6.3).", t[0], t[1], rd[0], rd[1])
}
