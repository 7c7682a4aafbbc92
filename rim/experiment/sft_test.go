package experiment

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
)

var problems = []data.Problem{
	{ID: "p1", Question: "Tom has 3 apples and buys 4 more. How many?", Solution: "3 + 4 = 7", Answer: "7"},
	{ID: "p2", Question: "A box holds 6 eggs. How many in 2 boxes?", Solution: "6 * 2 = 12", Answer: "12"},
	{ID: "p3", Question: "What is 10 - 3?", Solution: "10 - 3 = 7", Answer: "7"},
	{ID: "p4", Question: "Half of 20?", Solution: "20 / 2 = 10", Answer: "10"},
}

// The SFT set trains once: the loss history has one entry per step, the merged model loads, and a second
// call reuses the run (same dir, same history, merged config untouched).
func TestSFTExamplesAndTrainOnce(t *testing.T) {
	tokDir := testpaths.TestData(t, "model", "tiny-qwen3")
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	exs, err := SFTExamples(problems, tokDir, 128)
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != len(problems) {
		t.Fatalf("%d examples for %d problems", len(exs), len(problems))
	}
	if _, err := SFTExamples([]data.Problem{{ID: "x"}}, tokDir, 128); err == nil || !strings.Contains(err.Error(), "x") {
		t.Fatalf("empty question: %v", err)
	}
	cfg := finetune.Paper()
	cfg.MaxSteps, cfg.BatchSize, cfg.PadMultiple = 2, 2, 64
	cfg.MicroBatch = min(cfg.MicroBatch, cfg.BatchSize)
	cfg.AdamW.LR = 1e-3
	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	merged, hist, err := TrainOnce(c, dir, tokDir, exs, cfg, func(finetune.Entry) { steps++ })
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != cfg.MaxSteps || steps != cfg.MaxSteps {
		t.Fatalf("history %d entries, %d callbacks, want %d", len(hist), steps, cfg.MaxSteps)
	}
	m, err := model.Load(merged, model.Options{})
	if err != nil {
		t.Fatalf("merged model: %v", err)
	}
	m.Close()
	st, _ := os.Stat(filepath.Join(merged, "config.json"))
	steps = 0
	merged2, hist2, err := TrainOnce(c, dir, tokDir, exs, cfg, func(finetune.Entry) { steps++ })
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(filepath.Join(merged2, "config.json"))
	if merged2 != merged || steps != 0 || len(hist2) != len(hist) || !st2.ModTime().Equal(st.ModTime()) {
		t.Fatalf("second call retrained: dir %s vs %s, %d steps", merged2, merged, steps)
	}
}
