package capture

import (
	"sort"

	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/neurons"
	"github.com/rimlab/rim/rim/hook"
)

// HeadAblations turns a head set (detected refusal heads, or their random
// control) into zero-ablations at hook_z before o_proj, one intervention per
// layer — the paper's Fig 5 intervention (paper §3.2, docs/paper.md §6.3).
func HeadAblations(set []heads.Head) []hook.Intervention {
	by := map[int][]int{}
	for _, h := range set {
		by[h.Layer] = append(by[h.Layer], h.Head)
	}
	var out []hook.Intervention
	for _, l := range sortedKeys(by) {
		hs := by[l]
		sort.Ints(hs)
		out = append(out, hook.ZeroHeads(l, hs...))
	}
	return out
}

// NeuronAblations turns a neuron set (A_safe, or its random control) into
// zero-ablations of blocks.L.mlp.hook_post, one per layer — the paper's
// Fig 6 intervention a_{l,j} = 0 (paper §4.1.2, docs/paper.md §7.2).
func NeuronAblations(set []neurons.Neuron) []hook.Intervention {
	by := map[int][]int{}
	for _, n := range set {
		by[n.Layer] = append(by[n.Layer], n.Index)
	}
	var out []hook.Intervention
	for _, l := range sortedKeys(by) {
		js := by[l]
		sort.Ints(js)
		out = append(out, hook.ZeroNeurons(l, js...))
	}
	return out
}

func sortedKeys(m map[int][]int) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}
