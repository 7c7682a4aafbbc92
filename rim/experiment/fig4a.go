package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/data"
)

// Fig4aOptions are Fig 4a's own options.
type Fig4aOptions struct {
	Prompt string // the request (default: the paper's, paper.Fig4a.Prompt)
	Head   string // "L6-H20" (default: $RIM_HEADS' first, else the strongest head of Fig4b, else L0-H0)
	Fig4   Fig4Options
}

// Fig4aMode is one mode's first-generated-token attention row of the head over the prompt's keys.
type Fig4aMode struct {
	Think        bool      `json:"think"`
	Weights      []float64 `json:"weights"`
	Regions      []string  `json:"regions"`
	Tokens       []string  `json:"tokens"`
	Argmax       int       `json:"argmax"`
	ArgmaxRegion string    `json:"argmax_region"`
}

// Fig4aResult is Fig 4a (docs/paper.md §6.2) measured: one head's attention from the first generated token
// on one prompt, in think and in no-think mode.
type Fig4aResult struct {
	Provenance
	Prompt string      `json:"prompt"`
	Head   heads.Head  `json:"head"`
	Why    string      `json:"why"` // how the head was chosen
	Modes  []Fig4aMode `json:"modes"`
	Paper  paperFig4a  `json:"paper"`
}

type paperFig4a = struct {
	Prompt, Head         string
	ThinkKey, NoThinkKey int
}

// Fig4a takes the attention rows of one head for one prompt in both modes (Settings.HeadSamples).
func Fig4a(s Settings, o Fig4aOptions) (*Fig4aResult, error) {
	prompt := o.Prompt
	if prompt == "" {
		prompt = paper.Fig4a.Prompt
	}
	h, why, err := s.fig4aHead(o)
	if err != nil {
		return nil, err
	}
	ps := []data.Prompt{{ID: "fig4a", Text: prompt}}
	prov, err := s.measured("fig4a", ps)
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*Fig4aResult, error) {
		r := &Fig4aResult{Prompt: prompt, Head: h, Why: why, Paper: paper.Fig4a}
		for _, think := range []bool{true, false} {
			ss, err := s.HeadSamples(ps, think)
			if err != nil {
				return nil, err
			}
			sm := ss[0]
			if h.Layer >= sm.Layers || h.Head >= sm.Heads {
				return nil, fmt.Errorf("experiment: fig4a: head %s outside a model of %d layers × %d heads", h, sm.Layers, sm.Heads)
			}
			m := Fig4aMode{Think: think, Regions: sm.Regions}
			row := sm.Attn[(h.Layer*sm.Heads+h.Head)*sm.Keys:]
			for k := range sm.Regions {
				if m.Weights = append(m.Weights, float64(row[k])); row[k] > row[m.Argmax] {
					m.Argmax = k
				}
			}
			m.ArgmaxRegion = sm.Regions[m.Argmax]
			tok, e, err := EncodeChat(s.TokenizerDir(), prompt, think)
			if err != nil {
				return nil, err
			}
			if len(e.IDs) == len(sm.Regions) {
				m.Tokens = TokenTexts(tok, e.IDs)
			}
			r.Modes = append(r.Modes, m)
		}
		return r, nil
	})
}

// fig4aHead chooses the head: the option, $RIM_HEADS' first, the strongest detected head, or L0-H0 (also
// when the chat template has no think mode, on which Fig 4b's pattern is not defined).
func (s Settings) fig4aHead(o Fig4aOptions) (heads.Head, string, error) {
	for _, c := range []struct{ v, why string }{{o.Head, "chosen"}, {s.Heads, "RIM_HEADS"}} {
		if c.v != "" {
			hs, err := ParseHeads(c.v)
			if err != nil {
				return heads.Head{}, "", err
			}
			return hs[0], c.why, nil
		}
	}
	if _, lack, err := s.renderedRegions(false, []string{"think"}); err != nil {
		return heads.Head{}, "", err
	} else if len(lack) > 0 {
		return heads.Head{}, "the chat template has no think mode, so Fig 4b detects no refusal-pattern head; head 0 of layer 0 for illustration (set RIM_HEADS)", nil
	}
	f4, err := Fig4b(s, o.Fig4)
	if err != nil {
		return heads.Head{}, "", err
	}
	if len(f4.Ranked) > 0 {
		return f4.Ranked[0].Head, fmt.Sprintf("the strongest refusal-pattern head of Fig 4b (%d of %d prompts)", f4.Ranked[0].Count, f4.Prompts), nil
	}
	return heads.Head{}, "no head shows the refusal pattern; head 0 of layer 0 for illustration (set RIM_HEADS)", nil
}

// Reading says where the head looks in each mode, from the rows, beside the paper's example.
func (r *Fig4aResult) Reading() string {
	t, n := r.Modes[0], r.Modes[1]
	pattern := "shows the refusal pattern (argmax moves from `assistant` to the empty think span)"
	if t.ArgmaxRegion != heads.RegionAssistant || n.ArgmaxRegion != heads.RegionThink {
		pattern = "does not show the refusal pattern on this prompt"
	}
	return fmt.Sprintf("%s (%s) attends most, from the first generated token, to key %d (%s, weight %.2f) in think mode and to key %d (%s, weight %.2f) in no-think mode: it %s. "+
		"Paper (Qwen3-4B, %s): key %d (`assistant`) in think mode, key %d (the empty span between the think tags) in no-think mode (docs/paper.md §6.2).",
		r.Head, r.Why, t.Argmax, t.ArgmaxRegion, t.Weights[t.Argmax], n.Argmax, n.ArgmaxRegion, n.Weights[n.Argmax], pattern, r.Paper.Head, r.Paper.ThinkKey, r.Paper.NoThinkKey)
}
