package finetune

import (
	"fmt"
	"os"
	"path/filepath"
)

// Run trains until the schedule's last step, writing checkpoints into dir
// every Cfg.SaveEvery steps and at the end (dir must have been prepared with
// Prepare). Hooks with Every > 0 run after their steps; between checkpoints
// they write under dir/probes/step-N. On an error (NaN loss, a failed save)
// the newest complete checkpoint stays the resume point.
func (t *Trainer) Run(dir string) error {
	for t.State.Step < t.State.TotalSteps {
		if _, err := t.Step(); err != nil {
			return err
		}
		s := t.State.Step
		if s == t.State.TotalSteps || (t.Cfg.SaveEvery > 0 && s%t.Cfg.SaveEvery == 0) {
			if _, err := t.Save(dir); err != nil {
				return err
			}
			continue
		}
		for _, h := range t.Hooks {
			if h.Every > 0 && s%h.Every == 0 {
				d := filepath.Join(dir, "probes", fmt.Sprintf("step-%d", s))
				if err := os.MkdirAll(d, 0o755); err != nil {
					return err
				}
				if err := h.Run(&HookContext{T: t, Step: s, Dir: d}); err != nil {
					return fmt.Errorf("finetune: step %d: hook %s: %w", s, h.Name, err)
				}
			}
		}
	}
	return nil
}
