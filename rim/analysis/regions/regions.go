// Package regions connects the analyses to rim/chat's token regions: the
// per-key region labels that heads.Sample needs (paper §3.2, Fig 4a/A3) and
// the token ranges that probe.PoolMean and neurons.MaxPool pool over
// (paper §3.1 Fig 3 panels; paper §4.1.1 request + response tokens).
package regions

import (
	"fmt"

	"github.com/rimlab/rim/rim/chat"
)

// Labels returns one region label per token of enc. A token that is a named
// position (chat.PosUserEnd "user_end", PosHeaderStart "header_start",
// PosRole "role" — the paper's `assistant` —, PosThinkOpen, PosThinkClose)
// gets that name; otherwise the kind of the first region span containing it
// (e.g. "user", "think": the empty "\n\n" in Qwen3 no-think mode, "answer");
// tokens in no span (template text) get "".
func Labels(enc *chat.Encoded) []string {
	out := make([]string, len(enc.IDs))
	for _, s := range enc.Spans {
		if s.Kind == chat.KindPrefill {
			continue // overlaps the think/answer spans it falls in
		}
		for t := max(s.Start, 0); t < s.End && t < len(out); t++ {
			if out[t] == "" {
				out[t] = string(s.Kind)
			}
		}
	}
	for name, p := range enc.Positions {
		if p >= 0 && p < len(out) {
			out[p] = name
		}
	}
	return out
}

// Range returns the token range [start, end) named by name: a named
// position (a single token, e.g. "user_end" for the paper's "Input −5"
// <|im_end|>) or a region kind of the final assistant turn (e.g. "think":
// all CoT tokens in think mode, the empty span in no-think mode). An absent
// or empty region is an error naming it.
func Range(enc *chat.Encoded, name string) (int, int, error) {
	if p, ok := enc.Pos(name); ok {
		return p, p + 1, nil
	}
	r, ok := enc.Final(chat.Kind(name))
	if !ok {
		for _, s := range enc.Spans { // not in the final turn: take the last one (e.g. the last "user")
			if string(s.Kind) == name {
				r, ok = s, true
			}
		}
	}
	if !ok {
		return 0, 0, fmt.Errorf("regions: no position or region %q in this rendering", name)
	}
	if r.Start >= r.End {
		return 0, 0, fmt.Errorf("regions: region %q is empty (tokens [%d, %d))", name, r.Start, r.End)
	}
	return r.Start, r.End, nil
}
