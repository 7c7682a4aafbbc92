package experiment

import (
	"fmt"
	"strings"

	"github.com/rimlab/rim/rim/analysis/capture"
	"github.com/rimlab/rim/rim/analysis/regions"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
)

// Pool reduces token rows [seq][d] over the half-open token range [lo, hi) to one vector [d]
// (probe.PoolMean for §6.1's probes, neurons.MaxPool for §7.1's neuron activations).
type Pool func(rows [][]float64, lo, hi int) ([]float64, error)

// Span is regions.Range extended with "a..b": from the first token of a to the last token of b (e.g.
// "user..answer", request + response, §7.1). When b is empty or absent from the conversation the span
// ends where a ends. Returns the half-open token range [lo, hi) of e.
func Span(e *chat.Encoded, name string) (int, int, error) {
	a, b, ok := strings.Cut(name, "..")
	lo, hi, err := regions.Range(e, a)
	if !ok || err != nil {
		return lo, hi, err
	}
	if b != "" {
		if _, end, err := regions.Range(e, b); err == nil {
			hi = end
		}
	}
	return lo, hi, nil
}

// RegionActs runs the conversations through m in left-padded batches of batch rows and returns, per
// region name and layer, the activations [samples][d] of site(layer) pooled over that region by pool:
// out[name][layer][sample] has length d. A region is anything Span accepts. Interventions ivs (e.g. head
// ablations, §6) are active in the forward pass. Used for §6.1 (resid_post per region, Fig 3) and §7.1
// (mlp.hook_post max-pooled over user..answer).
func RegionActs(m *model.Model, g *generate.Chat, convs []generate.Conversation, names []string, site func(int) hook.Site,
	pool Pool, batch int, ivs ...hook.Intervention) (map[string][][][]float64, error) {
	if m == nil || g == nil {
		return nil, fmt.Errorf("experiment: region acts: nil model or chat")
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("experiment: region acts: no region names")
	}
	if batch <= 0 {
		return nil, fmt.Errorf("experiment: region acts: batch %d must be positive", batch)
	}
	L, out := m.Config.NumLayers, map[string][][][]float64{}
	sites := make([]hook.Site, L)
	for l := range sites {
		sites[l] = site(l)
	}
	for _, n := range names {
		out[n] = make([][][]float64, L)
	}
	for start := 0; start < len(convs); start += batch {
		var encs []*chat.Encoded
		var ids [][]int
		for i, c := range convs[start:min(start+batch, len(convs))] {
			e, err := g.Encode(c)
			if err != nil {
				return nil, fmt.Errorf("experiment: conversation %d: %w", start+i, err)
			}
			encs, ids = append(encs, e), append(ids, e.IDs)
		}
		padded, mask := generate.LeftPad(ids, g.PadID)
		res, err := m.Forward(model.Input{InputIDs: padded, AttentionMask: mask}, model.Capture(sites...), model.WithInterventions(ivs...))
		if err != nil {
			return nil, err
		}
		for l, s := range sites {
			flat, shape, err := res.Float32(s)
			if err != nil {
				return nil, err
			}
			for b, e := range encs {
				rows, err := capture.TokenRows(capture.Tensor{Data: flat, Shape: shape}, b)
				if err != nil {
					return nil, err
				}
				for _, n := range names {
					lo, hi, err := Span(e.Shift(shape[1]-len(e.IDs)), n)
					if err != nil {
						return nil, fmt.Errorf("experiment: conversation %d: %w", start+b, err)
					}
					v, err := pool(rows, lo, hi)
					if err != nil {
						return nil, fmt.Errorf("experiment: conversation %d region %q: %w", start+b, n, err)
					}
					out[n][l] = append(out[n][l], v)
				}
			}
		}
	}
	return out, nil
}
