package experiment

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/generate"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/probe"
	"github.com/rimlab/rim/rim/chat"
)

// Fig3Regions are Fig 3's panels in the paper's order as rim/chat region names, and Fig3Titles their titles
// for Qwen3's chat template (docs/paper.md §4.3, §6.1); Fig3 results title the panels after the tokens the
// model's own template renders (regionTitles).
var (
	Fig3Regions = []string{chat.PosUserEnd, chat.PosHeaderStart, chat.PosRole, chat.PosThinkOpen, "think", chat.PosThinkClose}
	Fig3Titles  = []string{"Input −5 <|im_end|>", "Input −3 <|im_start|>", "Input −2 assistant", "Think Start", "Between Think Tag", "Think End"}
)

// Fig3Options are Fig 3b's own options.
type Fig3Options struct {
	Samples int // prompts per side (0: $RIM_SAMPLES, else 30)
}

// RegionProbe is one panel of Fig 3: per layer, the harmful-vs-harmless probe's score of the Safe and
// Harmful test groups, and the refusal-vs-fulfilment probe's score of the harmful test prompts the model
// refused (Reject) and complied with (Fulfill) in that mode (nil when that probe could not be fit or the group
// is empty); the harmful-vs-harmless probe's 5-fold CV accuracy averaged over layers.
type RegionProbe struct {
	Region  string    `json:"region"`
	Title   string    `json:"title"`
	Safe    []float64 `json:"safe"`
	Harmful []float64 `json:"harmful"`
	Reject  []float64 `json:"reject,omitempty"`
	Fulfill []float64 `json:"fulfill,omitempty"`
	CV      float64   `json:"cv_accuracy"`
}

// Fig3Result is Fig 3a or 3b (docs/paper.md §6.1) measured: the harmful-vs-harmless steering probe at every
// layer and region, in think (3a) or no-think (3b) mode.
type Fig3Result struct {
	Provenance
	Think      bool                  `json:"think"`
	Note       string                `json:"note,omitempty"` // a source held fewer prompts than asked; panels left out
	Harmful    int                   `json:"harmful_prompts"`
	Harmless   int                   `json:"harmless_prompts"`
	Regions    []RegionProbe         `json:"regions"`
	Refusal    RefusalSplit          `json:"refusal"`     // the Reject/Fulfill labels of the harmful prompts
	PaperRange map[string][2]float64 `json:"paper_range"` // paper.Fig3bRange
}

// Fig3b fits the steering probe (rim/analysis/probe) on the training split of ProbeSet at every layer on
// hook_resid_post mean-pooled over each region, and scores the Safe and Harmful test groups (no-think mode).
// The paper's second probe, refusal vs fulfilment, is fit the same way on the harmful training prompts
// labelled by whether the model's own greedy answer in this mode refused (refusalLabels), and scores the
// harmful test prompts it refused (Reject) and complied with (Fulfill); when the model refused all or none of
// the training prompts there is no such probe and Refusal.NoProbe says so.
// The think panels of a chat template without a think mode (Llama 3's) are left out and the note says so.
func Fig3b(s Settings, o Fig3Options) (*Fig3Result, error) {
	return s.fig3("fig3b", o, false)
}

// Fig3a is Fig3b in think mode (docs/paper.md §6.1): each prompt is followed by the model's own greedy
// reasoning (Settings.Responses, think on), so "Between Think Tag" pools the CoT tokens. Panels whose
// region some response lacks (no `<think>` opened, or none closed within RIM_MAX_TOKENS) are left out and
// the result's note says so.
func Fig3a(s Settings, o Fig3Options) (*Fig3Result, error) {
	return s.fig3("fig3a", o, true)
}

// fig3 is Fig 3a (think) or 3b (no-think).
func (s Settings) fig3(item string, o Fig3Options, think bool) (*Fig3Result, error) {
	set, nTrain, note, err := s.ProbeSet(s.count(o.Samples, 30))
	if err != nil {
		return nil, err
	}
	// The responses (think mode's prefilled reasoning, and the Reject/Fulfill labels) come from the generation
	// server when one is set.
	prov, err := s.viaGen(s.measured(item, set))
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*Fig3Result, error) {
		rs, err := s.setResponses(set, think)
		if err != nil {
			return nil, err
		}
		convs, regions, missing, err := s.fig3Convs(set, think, rs)
		if err != nil {
			return nil, err
		}
		labels, split, err := refusalLabels(set, nTrain, rs)
		if err != nil {
			return nil, err
		}
		if missing != "" {
			note = strings.TrimPrefix(note+"; "+missing, "; ")
		}
		a, err := s.ResidByRegionConvs(convs, regions)
		if err != nil {
			return nil, err
		}
		r := &Fig3Result{Think: think, Note: note, PaperRange: paper.Fig3bRange, Refusal: split}
		titles := s.regionTitles(think)
		samples := make([]probe.Sample, len(set))
		for i, p := range set {
			samples[i] = probe.Sample{Positive: p.Harmful, Group: map[bool]string{true: "Harmful", false: "Safe"}[p.Harmful], Train: i < nTrain}
			if p.Harmful {
				r.Harmful++
			}
		}
		r.Harmless = len(set) - r.Harmful
		for i, region := range Fig3Regions {
			if a[region] == nil {
				continue
			}
			res, err := probe.Layers(len(a[region]), func(l int) ([][]float64, error) { return a[region][l], nil }, samples, probe.Config{})
			if err != nil {
				return nil, fmt.Errorf("experiment: %s %s: %w", item, region, err)
			}
			rp := RegionProbe{Region: region, Title: titles[i]}
			for _, lr := range res {
				rp.Safe, rp.Harmful = append(rp.Safe, *lr.Groups["Safe"].Score), append(rp.Harmful, *lr.Groups["Harmful"].Score)
				rp.CV += lr.CV.Accuracy / float64(len(res))
			}
			if split.NoProbe == "" {
				rej, ful, err := refusalScores(a[region], [][][][]float64{a[region]}, labels, nTrain)
				if err != nil {
					return nil, fmt.Errorf("experiment: %s %s: %w", item, region, err)
				}
				rp.Reject, rp.Fulfill = rej[0], ful[0]
			}
			r.Regions = append(r.Regions, rp)
		}
		return r, nil
	})
}

// setPrompts are the prompts of a probe set.
func setPrompts(set []data.Labeled) []data.Prompt {
	ps := make([]data.Prompt, len(set))
	for i, p := range set {
		ps[i] = p.Prompt
	}
	return ps
}

// fig3Convs are the probe set's conversations and the regions all of them have: no-think mode as is;
// think mode with each prompt's greedy reasoning rs[i] as the assistant prefill.
func (s Settings) fig3Convs(set []data.Labeled, think bool, rs []string) (convs []generate.Conversation, regions []string, missing string, err error) {
	// A template without a think mode (Llama 3's) renders no think tags in no-think mode: those panels are
	// left out, as Fig 3a leaves out what the responses lack.
	var lack []string
	if !think {
		if _, lack, err = s.renderedRegions(false, Fig3Regions); err != nil {
			return nil, nil, "", err
		}
		if len(lack) == len(Fig3Regions) {
			return nil, nil, "", fmt.Errorf("experiment: the chat template of %s renders none of Fig 3's regions %v", s.TokenizerDir(), Fig3Regions)
		}
		if len(lack) > 0 {
			missing = fmt.Sprintf("the chat template renders no %s in no-think mode (it has no think mode), so those panels are left out", strings.Join(lack, ", "))
		}
	}
	opened, closed := 0, 0
	for i, p := range set {
		c := generate.Conversation{Messages: chat.User(p.Text), Think: chat.Bool(think)}
		if think {
			c.Prefill = rs[i]
			if strings.HasPrefix(strings.TrimSpace(rs[i]), "<think>") {
				opened++
			}
			if strings.Contains(rs[i], "</think>") {
				closed++
			}
		}
		convs = append(convs, c)
	}
	for _, r := range Fig3Regions {
		switch {
		case slices.Contains(lack, r):
		case think && (r == chat.PosThinkOpen || r == "think") && opened < len(set):
			missing = fmt.Sprintf("%d of %d responses open no <think> block, so the think panels are left out", len(set)-opened, len(set))
		case think && r == chat.PosThinkClose && closed < len(set):
			if missing == "" {
				missing = fmt.Sprintf("%d of %d responses do not close their think block within RIM_MAX_TOKENS, so the Think End panel is left out", len(set)-closed, len(set))
			}
		default:
			regions = append(regions, r)
		}
	}
	return convs, regions, missing, nil
}

// regionTitles are Fig 3's panel titles for the settings' chat template: the paper's names, with the input
// positions numbered from the end of the generation prompt's header and named by the token the template
// renders there ("Input −5 <|im_end|>" for Qwen3, "Input −5 <|eot_id|>" for Llama 3; docs/paper.md §6.1). The
// think span is "CoT Between Think Tag" in think mode, as in Fig 3a. Fig3Titles when the template cannot be
// rendered.
func (s Settings) regionTitles(think bool) []string {
	titles := slices.Clone(Fig3Titles)
	if think {
		titles[4] = "CoT " + titles[4]
	}
	tok, e, err := EncodeChat(s.TokenizerDir(), regionProbePrompt, false)
	if err != nil {
		return titles
	}
	h, ok := e.Final(chat.KindHeader)
	if !ok {
		return titles
	}
	texts := TokenTexts(tok, e.IDs)
	for i, r := range Fig3Regions[:3] {
		if p, ok := e.Pos(r); ok && p < h.End {
			t := strings.TrimSpace(texts[p])
			if t == "" {
				t = strconv.Quote(texts[p])
			}
			titles[i] = fmt.Sprintf("Input −%d %s", h.End-p, t)
		}
	}
	return titles
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
	mode := map[bool]string{true: "In think mode (with the model's own reasoning)", false: "In no-think mode"}[r.Think]
	if r.Note != "" {
		where += " (" + r.Note + ")"
	}
	return fmt.Sprintf("%s, averaged over layers, the Harmful test group scores above the Safe one by %.2f at best (%s); %s. "+
		"Paper (Qwen3-4B): Harmful ≈ %.2f–%.2f and Safe ≈ %.2f–%.2f at every region and layer (docs/paper.md §6.1). %s",
		mode, gap, best, where, h[0], h[1], sf[0], sf[1], r.refusalReading())
}

// refusalReading says how the refusal probe's Reject and Fulfill series separate, from the scores, beside the
// paper's finding.
func (r *Fig3Result) refusalReading() string {
	sp := r.Refusal
	lead := fmt.Sprintf("By the %s judge the model refused %d and complied with %d of the harmful prompts in this mode (%d unjudged)",
		sp.Judge, sp.TrainReject+sp.TestReject, sp.TrainFulfill+sp.TestFulfill, sp.Unjudged)
	if sp.NoProbe != "" {
		return lead + "; there are no Reject/Fulfill series: " + sp.NoProbe + "."
	}
	gap, best := -2.0, ""
	for _, rp := range r.Regions {
		if rp.Reject == nil || rp.Fulfill == nil {
			continue
		}
		g := 0.0
		for l := range rp.Reject {
			g += (rp.Reject[l] - rp.Fulfill[l]) / float64(len(rp.Reject))
		}
		if g > gap {
			gap, best = g, rp.Title
		}
	}
	if best == "" {
		return lead + fmt.Sprintf("; the refusal probe is fit, but the test split holds %d refused and %d complied prompts, so one of the Reject/Fulfill series is empty.", sp.TestReject, sp.TestFulfill)
	}
	return lead + fmt.Sprintf("; on the %d refused and %d complied test prompts the refusal probe scores Reject above Fulfill by %.2f at best, averaged over layers (%s). "+
		"Paper (Qwen3-4B, no-think mode): from about layer 19 Fulfill drops to ≈ 0.57–0.81 at <|im_end|> and the empty think span while Reject stays ≈ 0.99; in think mode the CoT span shows no separation (docs/paper.md §6.1).",
		sp.TestReject, sp.TestFulfill, gap, best)
}
