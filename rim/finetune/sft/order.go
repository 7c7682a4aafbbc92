package sft

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// Order returns the batches of one epoch as lists of example indices,
// deterministically from (seed, epoch) so that a resumed run replays the
// same order from its saved position. Examples are shuffled; with bucket > 1
// consecutive groups of bucket*batch shuffled examples are sorted by length
// and cut into batches, and the batch order is shuffled again (length
// bucketing keeps batches dense: little padding). The last batch may be short.
func Order(lengths []int, batch, bucket int, seed uint64, epoch int) ([][]int, error) {
	if batch < 1 {
		return nil, fmt.Errorf("sft: batch size %d must be >= 1", batch)
	}
	if len(lengths) == 0 {
		return nil, fmt.Errorf("sft: empty dataset")
	}
	rng := rand.New(rand.NewPCG(seed, uint64(epoch)+0x5f7))
	idx := rng.Perm(len(lengths))
	if bucket > 1 {
		span := batch * bucket
		for s := 0; s < len(idx); s += span {
			g := idx[s:min(s+span, len(idx))]
			sort.SliceStable(g, func(i, j int) bool { return lengths[g[i]] < lengths[g[j]] })
		}
	}
	var out [][]int
	for s := 0; s < len(idx); s += batch {
		out = append(out, idx[s:min(s+batch, len(idx))])
	}
	if bucket > 1 {
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	return out, nil
}

// Padded is a right-padded batch: ids [B][S], attention mask, labels
// (IgnoreIndex on padding).
type Padded struct {
	IDs, Mask, Labels [][]int
	Trained           int // labels that enter the shifted loss
}

// Pad right-pads examples to a common length: the longest one rounded up to
// a multiple of multiple (fewer distinct shapes means fewer compilations),
// capped at maxLen when maxLen > 0. padID fills ids.
func Pad(exs []Example, padID, multiple, maxLen int) Padded {
	S := 0
	for _, e := range exs {
		S = max(S, len(e.IDs))
	}
	if multiple > 1 {
		S = (S + multiple - 1) / multiple * multiple
	}
	if maxLen > 0 {
		S = max(min(S, maxLen), 0)
		for _, e := range exs {
			S = max(S, len(e.IDs))
		}
	}
	var p Padded
	for _, e := range exs {
		ids, mask, lab := make([]int, S), make([]int, S), make([]int, S)
		for i := range ids {
			if i < len(e.IDs) {
				ids[i], mask[i], lab[i] = e.IDs[i], 1, e.Labels[i]
			} else {
				ids[i], lab[i] = padID, IgnoreIndex
			}
		}
		p.IDs, p.Mask, p.Labels = append(p.IDs, ids), append(p.Mask, mask), append(p.Labels, lab)
		p.Trained += trainedShifted(e)
	}
	return p
}
