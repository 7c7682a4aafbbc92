package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/ras"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
)

// NextTokenKL is the mean over prompts of KL(intact ‖ intervened) of the next-token distribution after
// each prompt (no-think rendering, one left-padded batch): the side-effect measure of an ablation (§7.2,
// Fig 6). With no interventions it is 0.
func NextTokenKL(m *model.Model, g *generate.Chat, prompts []string, ivs []hook.Intervention) (float64, error) {
	if len(prompts) == 0 {
		return 0, fmt.Errorf("experiment: next-token kl: no prompts")
	}
	var ids [][]int
	for i, p := range prompts {
		e, err := g.Encode(generate.Conversation{Messages: chat.User(p), Think: chat.Bool(false)})
		if err != nil {
			return 0, fmt.Errorf("experiment: prompt %d: %w", i, err)
		}
		ids = append(ids, e.IDs)
	}
	padded, mask := generate.LeftPad(ids, g.PadID)
	in := model.Input{InputIDs: padded, AttentionMask: mask}
	var last [2][][]float32
	for i, opts := range [][]model.Option{nil, {model.WithInterventions(ivs...)}} {
		res, err := m.Forward(in, opts...)
		if err != nil {
			return 0, err
		}
		lg, shape, err := res.Logits()
		if err != nil {
			return 0, err
		}
		S, V := shape[1], shape[2]
		for b := range ids {
			last[i] = append(last[i], lg[(b*S+S-1)*V:(b*S+S)*V])
		}
	}
	return ras.MeanKL(last[0], last[1], m.Config.Vocab, ras.TokenMean)
}

// PromptLogits returns, per prompt, m's logits [tokens·vocab] (flat, row-major) over the prompt's tokens in
// the no-think rendering, one prompt at a time so no padding has to be dropped; with ras.MeanKL over two
// models' PromptLogits it gives the prompt-token KL of a fine-tuned model from its base (docs/paper.md §8.1).
func PromptLogits(m *model.Model, g *generate.Chat, prompts []string) ([][]float32, error) {
	var out [][]float32
	for i, p := range prompts {
		e, err := g.Encode(generate.Conversation{Messages: chat.User(p), Think: chat.Bool(false)})
		if err != nil {
			return nil, fmt.Errorf("experiment: prompt %d: %w", i, err)
		}
		res, err := m.Forward(model.Input{InputIDs: [][]int{e.IDs}})
		if err != nil {
			return nil, err
		}
		lg, _, err := res.Logits()
		if err != nil {
			return nil, err
		}
		out = append(out, lg)
	}
	return out, nil
}
