package experiment

import (
	"crypto/sha256"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/cache"
)

// The measured Fig 8 on the tiny model: Settings.Tuned's run, trained first without checkpoints, is trained
// again with them to the same weights; each checkpoint is measured, every Table 3 metric is correlated or
// says why not, Tuned then reuses the run, and Table 3's reading is the same cached measurement. With 2 SFT
// steps there are 2 checkpoints and the result says so.
func TestFig8Measured(t *testing.T) {
	s := demoSettings(t)
	s.SFT.Steps, s.SFT.Samples, s.SFT.Batch, s.SFT.MaxLen = 3, 6, 2, 128
	o := Fig8Options{Samples: 4, Checkpoints: 4}
	weights := func(dir string) string {
		b, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", sha256.Sum256(b))
	}
	merged, _, err := s.Tuned(nil)
	if err != nil {
		t.Fatal(err)
	}
	plain := weights(merged)
	r, err := Fig8Measured(s, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Item != "fig8" || r.Source != "measured on tiny-qwen3" || r.ModelID == "" || len(r.Loss) != 3 || r.Base.Rate.N != 4 {
		t.Fatalf("result %+v", r.Provenance)
	}
	if len(r.Checkpoints) != 3 || r.Checkpoints[0].Step != 1 || r.Checkpoints[2].Step != 3 || !strings.Contains(r.Note, "only 3 SFT steps") {
		t.Fatalf("checkpoints %+v, note %q", r.Checkpoints, r.Note)
	}
	if r.Checkpoints[2].KL <= 0 || r.Checkpoints[2].Safety.Rate.N != 4 {
		t.Fatalf("the last checkpoint did not move or was not judged: %+v", r.Checkpoints[2])
	}
	if len(r.Predictors) != len(paper.Table3) {
		t.Fatalf("%d predictors", len(r.Predictors))
	}
	for _, p := range r.Predictors {
		if (p.Corr == nil) == (p.Undefined == "") || len(p.X) != 3 || p.Corr != nil && (math.IsNaN(p.Corr.R) || p.Corr.N != 3) {
			t.Errorf("predictor %+v", p)
		}
	}
	rd := r.Reading()
	if !strings.Contains(rd, "Over 3 checkpoints") || !strings.Contains(rd, "0.891") || !strings.Contains(rd, "docs/paper.md §8.4") {
		t.Fatalf("reading %q", rd)
	}
	c, err := cache.Default()
	if err != nil {
		t.Fatal(err)
	}
	exs, err := s.SFTData()
	if err != nil {
		t.Fatal(err)
	}
	run, err := RunDir(c, s.ModelDir(), s.TokenizerDir(), exs, s.SFTConfig())
	if err != nil {
		t.Fatal(err)
	}
	if have, err := Checkpoints(run); err != nil || !slices.Equal(have, []int{1, 2, 3}) {
		t.Fatalf("checkpoints on disk %v %v", have, err)
	}
	steps := 0
	again, _, err := s.Tuned(func(int, int) { steps++ })
	if err != nil || steps != 0 || again != merged || !strings.HasPrefix(merged, run) {
		t.Fatalf("Tuned retrained (%d steps) or moved: %s %v", steps, again, err)
	}
	if w := weights(merged); w != plain || weights(CheckpointDir(run, 3)) != w {
		t.Fatalf("the run with checkpoints trained other weights than the plain run")
	}
	t3, err := Table3Measured(s, o)
	if err != nil {
		t.Fatal(err)
	}
	if t3.Item != "table3" || t3.Checkpoints[2].KL != r.Checkpoints[2].KL || !strings.Contains(t3.Reading(), "0.652") {
		t.Fatalf("table3 %+v: %q", t3.Provenance, t3.Reading())
	}

	s.SFT.Steps = 2
	two, err := Fig8Measured(s, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(two.Checkpoints) != 2 || !strings.Contains(two.Note, "only 2 SFT steps") {
		t.Fatalf("two steps: %+v, note %q", two.Checkpoints, two.Note)
	}
	for _, p := range two.Predictors {
		if p.Corr != nil || !strings.Contains(p.Undefined, "only 2 checkpoints") {
			t.Errorf("two steps: predictor %+v", p)
		}
	}
	if rd := two.Reading(); !strings.Contains(rd, "undefined (only 2 checkpoints") {
		t.Errorf("two steps: reading %q", rd)
	}
	if _, err := os.Stat(CheckpointDir(run, 3)); err != nil {
		t.Errorf("the 3-step run lost its checkpoints: %v", err)
	}
}
