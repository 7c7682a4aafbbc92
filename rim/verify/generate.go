package verify

import (
	"fmt"
)

// checkGenerate runs a greedy KV-cache decode of generate.prompt_ids
// (model.Greedy over Model.Step) and compares generate.output_ids (exact)
// and generate.step_logits (activation tolerance).
func (v *verifier) checkGenerate() error {
	_, hasIDs := v.ref.Info("generate.output_ids")
	_, hasLogits := v.ref.Info("generate.step_logits")
	if !(hasIDs && v.wanted("generate.output_ids")) && !(hasLogits && v.wanted("generate.step_logits")) {
		return nil
	}
	prompt, err := refInts(v.ref, "generate.prompt_ids")
	if err != nil {
		return err
	}
	if len(prompt) != 1 {
		return fmt.Errorf("rim: generate.prompt_ids: want one row, got %d", len(prompt))
	}
	nNew := 0
	var wantIDs [][]int
	if hasIDs {
		if wantIDs, err = refInts(v.ref, "generate.output_ids"); err != nil {
			return err
		}
		nNew = len(wantIDs[0]) - len(prompt[0])
	}
	var wantLogits []float32
	var lshape []int
	if hasLogits {
		if wantLogits, lshape, err = v.ref.Float32("generate.step_logits"); err != nil {
			return err
		}
		nNew = lshape[0]
	}
	ids, steps, err := v.m.Greedy(prompt[0], nNew)
	if err != nil {
		return err
	}
	if hasIDs && v.wanted("generate.output_ids") {
		l := Line{Name: "generate.output_ids", Tol: "exact", OK: len(ids) == len(wantIDs[0])}
		for i := range wantIDs[0] {
			if i >= len(ids) || ids[i] != wantIDs[0][i] {
				l.OK = false
				l.MaxDiff = 1
				l.Note = fmt.Sprintf("got %v, want %v", ids, wantIDs[0])
				break
			}
		}
		v.add(l)
	}
	if hasLogits && v.wanted("generate.step_logits") {
		var got []float32
		for _, s := range steps {
			got = append(got, s...)
		}
		v.add(v.lineFrom("generate.step_logits", compareRows(got, wantLogits, lshape[1], nil, tolActs), tolActs))
	}
	return nil
}
