package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/capture"
	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/regions"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
)

// HeadSamples returns, for each prompt, the attention rows of the query that produces the first
// generated token ([layers, heads, keys], keys labelled by region) in think or no-think mode (§6, the
// refusal-head counts). Batches of batch rows are right-padded, so real tokens keep their positions and
// padding keys lie beyond the labels (ignored by heads.Sample.Argmax).
func HeadSamples(m *model.Model, g *generate.Chat, prompts []string, think bool, batch int) ([]heads.Sample, error) {
	if m == nil || g == nil {
		return nil, fmt.Errorf("experiment: head samples: nil model or chat")
	}
	if batch <= 0 {
		return nil, fmt.Errorf("experiment: head samples: batch %d must be positive", batch)
	}
	var sites []hook.Site
	for l := 0; l < m.Config.NumLayers; l++ {
		sites = append(sites, hook.Pattern(l))
	}
	var out []heads.Sample
	for start := 0; start < len(prompts); start += batch {
		var encs []*chat.Encoded
		n := 0
		for i, p := range prompts[start:min(start+batch, len(prompts))] {
			e, err := g.Encode(generate.Conversation{Messages: chat.User(p), Think: chat.Bool(think)})
			if err != nil {
				return nil, fmt.Errorf("experiment: prompt %d: %w", start+i, err)
			}
			encs, n = append(encs, e), max(n, len(e.IDs))
		}
		ids, mask := rightPad(encs, n, g.PadID)
		res, err := m.Forward(model.Input{InputIDs: ids, AttentionMask: mask}, model.Capture(sites...))
		if err != nil {
			return nil, err
		}
		var ts []capture.Tensor
		for _, s := range sites {
			flat, shape, err := res.Float32(s)
			if err != nil {
				return nil, err
			}
			ts = append(ts, capture.Tensor{Data: flat, Shape: shape})
		}
		for b, e := range encs {
			s, err := capture.HeadSample(ts, b, len(e.IDs)-1, regions.Labels(e))
			if err != nil {
				return nil, fmt.Errorf("experiment: prompt %d: %w", start+b, err)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// rightPad lays the encodings out as [batch][n] ids and attention mask, padding on the right with pad.
func rightPad(encs []*chat.Encoded, n, pad int) (ids, mask [][]int) {
	ids, mask = make([][]int, len(encs)), make([][]int, len(encs))
	for b, e := range encs {
		for t := 0; t < n; t++ {
			id, on := pad, 0
			if t < len(e.IDs) {
				id, on = e.IDs[t], 1
			}
			ids[b], mask[b] = append(ids[b], id), append(mask[b], on)
		}
	}
	return ids, mask
}
