package capture

import (
	"maps"
	"slices"

	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/neurons"
	"github.com/rimlab/rim/rim/hook"
)

// HeadAblations turns a head set (detected refusal heads, or their random
// control) into zero-ablations at hook_z before o_proj, one intervention per
// layer — the paper's Fig 5 intervention (paper §3.2, docs/paper.md §6.3).
func HeadAblations(set []heads.Head) []hook.Intervention {
	return perLayer(set, func(h heads.Head) (int, int) { return h.Layer, h.Head }, hook.ZeroHeads)
}

// NeuronAblations turns a neuron set (A_safe, or its random control) into
// zero-ablations of blocks.L.mlp.hook_post, one per layer — the paper's
// Fig 6 intervention a_{l,j} = 0 (paper §4.1.2, docs/paper.md §7.2).
func NeuronAblations(set []neurons.Neuron) []hook.Intervention {
	return perLayer(set, func(n neurons.Neuron) (int, int) { return n.Layer, n.Index }, hook.ZeroNeurons)
}

// perLayer groups set by layer (key gives an element's layer and index) and
// makes one intervention per layer with the sorted indices, layers ascending.
func perLayer[T any](set []T, key func(T) (layer, index int), zero func(layer int, indices ...int) hook.Intervention) []hook.Intervention {
	by := map[int][]int{}
	for _, e := range set {
		l, i := key(e)
		by[l] = append(by[l], i)
	}
	var out []hook.Intervention
	for _, l := range slices.Sorted(maps.Keys(by)) {
		is := by[l]
		slices.Sort(is)
		out = append(out, zero(l, is...))
	}
	return out
}
