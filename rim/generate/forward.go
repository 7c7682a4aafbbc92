package generate

import (
	"fmt"

	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
)

// ForwardStepper decodes without a cache: every step runs the model's
// Forward over the whole (left-padded) sequence so far. It is the reference
// the KV-cache stepper is tested against, and costs O(n²); use
// ModelStepper for real work. Interventions act at every position.
type ForwardStepper struct {
	M             *model.Model
	Interventions []hook.Intervention

	ids, mask [][]int
}

// Prefill implements Stepper.
func (s *ForwardStepper) Prefill(ids, mask [][]int, capacity int) ([][]float32, error) {
	s.ids, s.mask = make([][]int, len(ids)), make([][]int, len(ids))
	for b := range ids {
		s.ids[b] = append(make([]int, 0, capacity), ids[b]...)
		s.mask[b] = append(make([]int, 0, capacity), mask[b]...)
	}
	return s.forward()
}

// Step implements Stepper.
func (s *ForwardStepper) Step(next []int, info StepInfo) ([][]float32, error) {
	for b, tok := range next {
		s.ids[b] = append(s.ids[b], tok)
		s.mask[b] = append(s.mask[b], 1)
	}
	return s.forward()
}

func (s *ForwardStepper) forward() ([][]float32, error) {
	res, err := s.M.Forward(model.Input{InputIDs: s.ids, AttentionMask: s.mask},
		model.Capture(hook.Logits), model.WithInterventions(s.Interventions...))
	if err != nil {
		return nil, fmt.Errorf("generate: forward: %w", err)
	}
	defer res.Close()
	lg, shape, err := res.Logits()
	if err != nil {
		return nil, err
	}
	B, n, V := shape[0], shape[1], shape[2]
	out := make([][]float32, B)
	for b := range out {
		off := (b*n + n - 1) * V
		out[b] = lg[off : off+V : off+V]
	}
	return out, nil
}
