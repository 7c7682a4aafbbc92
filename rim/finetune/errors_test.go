package finetune

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/finetune/sft"
)

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.AdamW.LR = 0 }, "learning rate 0 must be > 0"},
		{func(c *Config) { c.AdamW.LR = -1 }, "learning rate -1 must be > 0"},
		{func(c *Config) { c.Mode = "qlora" }, `mode "qlora"`},
		{func(c *Config) { c.BatchSize = 0 }, "batch size 0"},
		{func(c *Config) { c.MicroBatch = 64 }, "micro batch 64"},
		{func(c *Config) { c.Epochs, c.MaxSteps = 0, 0 }, "one must be >= 1"},
		{func(c *Config) { c.LoRA.R = 0 }, "rank 0"},
		{func(c *Config) { c.LoRA.Dropout = 1 }, "dropout 1 must be in [0, 1)"},
		{func(c *Config) { c.Schedule = "step" }, `schedule kind "step"`},
		{func(c *Config) { c.WarmupRatio = 2 }, "warmup ratio 2"},
		{func(c *Config) { c.Update = "gpu" }, `update "gpu"`},
		{func(c *Config) { c.Concurrent = -1 }, "concurrent -1"},
		{func(c *Config) { c.AdamW.Eps = 0 }, "eps 0 must be > 0"},
	} {
		cfg := Paper()
		c.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	if err := (func() *Config { c := Paper(); return &c })().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestNewErrors(t *testing.T) {
	m := load(t, fixtureDir(t, "llama"))
	if _, err := New(m, nil, 0, loraCfg()); err == nil || !strings.Contains(err.Error(), "empty dataset") {
		t.Errorf("empty: %v", err)
	}
	bad := []sft.Example{{IDs: []int{1, 600}, Labels: []int{1, 600}, Line: 7}}
	if _, err := New(m, bad, 0, loraCfg()); err == nil || !strings.Contains(err.Error(), "line 7): token id 600 outside the vocabulary") {
		t.Errorf("vocab: %v", err)
	}
	cfg := loraCfg()
	cfg.LoRA.Targets = []string{"moe.router"}
	if _, err := New(m, tinyData(4, 512), 0, cfg); err == nil || !strings.Contains(err.Error(), "match no module") {
		t.Errorf("targets: %v", err)
	}
}

// TestOutputDirRules: a dir holding a run is refused unless --resume (same
// run) or --overwrite; --resume of a different run names the difference.
func TestOutputDirRules(t *testing.T) {
	m := load(t, fixtureDir(t, "llama"))
	data := tinyData(8, 512)
	mk := func(cfg Config, d []sft.Example) *Trainer {
		tr, err := New(m, d, 0, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("user file"), 0o644)
	cfg := loraCfg()
	cfg.MaxSteps, cfg.SaveEvery = 2, 1
	a := mk(cfg, data)
	if _, err := a.Prepare(out, true, false); err == nil || !strings.Contains(err.Error(), "holds no run") {
		t.Errorf("resume of nothing: %v", err)
	}
	if _, err := a.Prepare(out, false, false); err != nil {
		t.Fatal(err)
	}
	if err := a.Run(out); err != nil {
		t.Fatal(err)
	}
	if _, err := mk(cfg, data).Prepare(out, false, false); err == nil || !strings.Contains(err.Error(), "already holds a run; pass --resume") {
		t.Errorf("fresh over a run: %v", err)
	}
	other := cfg
	other.AdamW.LR = 5e-3
	if _, err := mk(other, data).Prepare(out, true, false); err == nil || !strings.Contains(err.Error(), "config differs: adamw") {
		t.Errorf("resume different config: %v", err)
	}
	if _, err := mk(cfg, data[:6]).Prepare(out, true, false); err == nil || !strings.Contains(err.Error(), "data differs") {
		t.Errorf("resume different data: %v", err)
	}
	// Resuming a finished run loads its last checkpoint and has nothing to do.
	b := mk(cfg, data)
	if ck, err := b.Prepare(out, true, false); err != nil || filepath.Base(ck) != "checkpoint-2" {
		t.Fatalf("resume finished: %q %v", ck, err)
	}
	if _, err := b.Step(); err == nil || !strings.Contains(err.Error(), "run is complete") {
		t.Errorf("step after end: %v", err)
	}
	c := mk(other, data)
	if _, err := c.Prepare(out, false, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "checkpoint-1")); !os.IsNotExist(err) {
		t.Error("overwrite kept old checkpoints")
	}
	if b, err := os.ReadFile(filepath.Join(out, "notes.txt")); err != nil || string(b) != "user file" {
		t.Error("overwrite removed a file that is not rim's")
	}
}

// TestNaNStopsWithStep: a learning rate that blows the weights up makes a
// later step non-finite; the error names the step and the newest checkpoint
// stays the resume point.
func TestNaNStopsWithStep(t *testing.T) {
	m := load(t, fixtureDir(t, "llama"))
	cfg := loraCfg()
	cfg.Mode, cfg.MaxSteps, cfg.SaveEvery, cfg.WarmupRatio, cfg.Schedule = "full", 10, 1, 0, "constant"
	cfg.AdamW.LR = 1e36
	cfg.MaxGradNorm = 0
	tr, err := New(m, tinyData(8, 512), 0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := tr.Prepare(out, false, false); err != nil {
		t.Fatal(err)
	}
	err = tr.Run(out)
	if err == nil || !strings.Contains(err.Error(), "finetune: step ") || !(strings.Contains(err.Error(), "NaN") || strings.Contains(err.Error(), "Inf")) {
		t.Fatalf("want a non-finite error naming the step, got %v", err)
	}
	t.Log(err)
	latest, _ := os.ReadFile(filepath.Join(out, LatestFile))
	name := strings.TrimSpace(string(latest))
	if name != "checkpoint-"+strconv.Itoa(tr.State.Step) {
		t.Fatalf("latest %q, trainer at step %d", name, tr.State.Step)
	}
	if _, err := os.Stat(filepath.Join(out, name, StateFile)); err != nil {
		t.Fatal(err)
	}
}

// TestFailedSaveKeepsPrevious: a save that fails midway (here a hook error,
// standing in for a full disk) leaves the previous checkpoint and the
// "latest" pointer intact and no temporary directory behind.
func TestFailedSaveKeepsPrevious(t *testing.T) {
	m := load(t, fixtureDir(t, "llama"))
	cfg := loraCfg()
	cfg.MaxSteps, cfg.SaveEvery = 4, 2
	tr, err := New(m, tinyData(8, 512), 0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr.Hooks = []Hook{{Name: "disk", Every: 4, Run: func(c *HookContext) error {
		os.WriteFile(filepath.Join(c.Dir, "partial.bin"), make([]byte, 1024), 0o644)
		return errors.New("no space left on device")
	}}}
	out := t.TempDir()
	if _, err := tr.Prepare(out, false, false); err != nil {
		t.Fatal(err)
	}
	err = tr.Run(out)
	if err == nil || !strings.Contains(err.Error(), "checkpoint checkpoint-4 not written (previous checkpoint kept)") || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("got %v", err)
	}
	latest, _ := os.ReadFile(filepath.Join(out, LatestFile))
	if strings.TrimSpace(string(latest)) != "checkpoint-2" {
		t.Fatalf("latest %q", latest)
	}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".tmp") || e.Name() == "checkpoint-4" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	b, _ := New(m, tinyData(8, 512), 0, cfg)
	if ck, err := b.Prepare(out, true, false); err != nil || b.State.Step != 2 {
		t.Fatalf("resume after failed save: %q step %d %v", ck, b.State.Step, err)
	}
}
