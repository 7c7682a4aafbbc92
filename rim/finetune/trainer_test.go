package finetune

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/finetune/lora"
	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/optim"
)

// TestAuxLossFixtures: the trainer's MoE load-balancing loss on the
// fixture's reference batch (right-padded here) equals router_aux_loss.
func TestAuxLossFixtures(t *testing.T) {
	for _, name := range []string{"qwen3_moe", "mixtral", "olmoe", "phimoe"} {
		t.Run(name, func(t *testing.T) {
			dir := fixtureDir(t, name)
			fx := readFixtureTrain(t, dir)
			ids, shape, _ := fx.Ref.Int64("input_ids")
			mask, _, _ := fx.Ref.Int64("attention_mask")
			var data []sft.Example
			for b := 0; b < shape[0]; b++ {
				var ex sft.Example
				for s := 0; s < shape[1]; s++ {
					if mask[b*shape[1]+s] == 1 {
						ex.IDs = append(ex.IDs, int(ids[b*shape[1]+s]))
						ex.Labels = append(ex.Labels, int(ids[b*shape[1]+s]))
					}
				}
				data = append(data, ex)
			}
			coef := 0.5
			cfg := Config{Mode: "full", AdamW: optim.TorchDefaults(), Schedule: "constant", MaxSteps: 1,
				BatchSize: 2, AuxLossCoef: &coef, Seed: 1, Bucket: 1}
			tr, err := New(load(t, dir), data, 0, cfg)
			if err != nil {
				t.Fatal(err)
			}
			e, err := tr.Step()
			if err != nil {
				t.Fatal(err)
			}
			want, _, _ := fx.Ref.Float32("router_aux_loss")
			if d := math.Abs(e.AuxLoss - float64(want[0])); d > 1e-5 {
				t.Fatalf("aux loss %v, want %v", e.AuxLoss, want[0])
			}
			t.Logf("aux %v want %v", e.AuxLoss, want[0])
		})
	}
}

func loraCfg() Config {
	c := Paper()
	c.LoRA.R, c.LoRA.Alpha = 4, 8
	c.AdamW.LR = 1e-2
	c.BatchSize, c.MicroBatch, c.MaxSteps, c.Epochs = 4, 2, 6, 0
	c.PadMultiple = 8
	return c
}

func logits(t *testing.T, tr *Trainer, in model.Input) []float32 {
	t.Helper()
	caps, err := tr.Capture(in, hook.Logits)
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float32](caps[hook.Logits])
}

// TestLoRAInitEqualsBaseAndMergedExport: at init (B = 0) the LoRA model's
// logits equal the base model's exactly; after training, the merged export
// loaded by rim/model gives the unmerged LoRA forward's logits.
func TestLoRAInitEqualsBaseAndMergedExport(t *testing.T) {
	dir := fixtureDir(t, "qwen3")
	m := load(t, dir)
	data := tinyData(16, m.Config.Vocab)
	tr, err := New(m, data, 0, loraCfg())
	if err != nil {
		t.Fatal(err)
	}
	in := model.Input{InputIDs: [][]int{data[0].IDs[:8], data[1].IDs[:8]}}
	res, err := m.Forward(in)
	if err != nil {
		t.Fatal(err)
	}
	base, _, _ := res.Logits()
	if got := logits(t, tr, in); !reflect.DeepEqual(got, base) {
		t.Fatal("LoRA at init (B=0) differs from the base model")
	}
	for i := 0; i < 4; i++ {
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}
	unmerged := logits(t, tr, in)
	out := filepath.Join(t.TempDir(), "merged")
	if err := tr.ExportMerged(out); err != nil {
		t.Fatal(err)
	}
	mm := load(t, out)
	res, err = mm.Forward(in)
	if err != nil {
		t.Fatal(err)
	}
	merged, _, _ := res.Logits()
	var maxd, moved float64
	for i := range merged {
		maxd = math.Max(maxd, math.Abs(float64(merged[i]-unmerged[i])))
		moved = math.Max(moved, math.Abs(float64(merged[i]-base[i])))
	}
	t.Logf("merged vs unmerged max|diff| %.3g; moved from base by %.3g", maxd, moved)
	if maxd > 1e-4 || moved < 1e-3 {
		t.Fatalf("merged vs unmerged %.3g, moved %.3g", maxd, moved)
	}
	if err := tr.ExportMerged(out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("export over an existing dir: %v", err)
	}
	// With a separate tokenizer dir, the export carries its tokenizer files.
	tokDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(tokDir, "tokenizer.json"), []byte(`{"marker": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tr.TokenizerDir = tokDir
	out2 := filepath.Join(t.TempDir(), "merged2")
	if err := tr.ExportMerged(out2); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(out2, "tokenizer.json")); err != nil || string(b) != `{"marker": 1}` {
		t.Fatalf("tokenizer.json not taken from TokenizerDir: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(out2, "config.json")); err != nil {
		t.Fatalf("config.json must still come from the model dir: %v", err)
	}
}

// TestLossFalls: a short LoRA run and a short full run on a fixture model
// lower the loss on learnable data.
func TestLossFalls(t *testing.T) {
	for _, mode := range []string{"lora", "full"} {
		t.Run(mode, func(t *testing.T) {
			m := load(t, fixtureDir(t, "llama"))
			cfg := loraCfg()
			cfg.Mode, cfg.MaxSteps = mode, 30
			cfg.WarmupRatio = 0.1
			if mode == "full" {
				cfg.AdamW.LR = 3e-3
			}
			tr, err := New(m, tinyData(8, m.Config.Vocab), 0, cfg)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if _, err := tr.Prepare(dir, false, false); err != nil {
				t.Fatal(err)
			}
			if err := tr.Run(dir); err != nil {
				t.Fatal(err)
			}
			h := tr.State.History
			first := (h[0].Loss + h[1].Loss) / 2
			last := (h[len(h)-1].Loss + h[len(h)-2].Loss) / 2
			t.Logf("%s: loss %.3f -> %.3f over %d steps (lr[0]=%g, lr[3]=%g)", mode, first, last, len(h), h[0].LR, h[3].LR)
			if !(last < first-0.5) {
				t.Fatalf("loss did not fall: %.3f -> %.3f", first, last)
			}
			if h[0].LR != 0 || h[3].LR != cfg.AdamW.LR*(optim.Schedule{Kind: "cosine", WarmupSteps: 3, TotalSteps: 30}).Factor(3) {
				t.Fatalf("schedule: lr %v %v", h[0].LR, h[3].LR)
			}
		})
	}
}

// TestResumeBitForBit: 2N steps straight == N steps, a fresh process-like
// trainer resumed from the checkpoint, N more steps (weights, moments, losses).
func TestResumeBitForBit(t *testing.T) {
	for _, mode := range []string{"lora/host", "full/host", "lora/graph", "full/graph", "lora/dropout"} {
		t.Run(mode, func(t *testing.T) {
			dir := fixtureDir(t, "qwen3_moe")
			cfg := loraCfg()
			cfg.Mode, cfg.Update, _ = strings.Cut(mode, "/")
			if cfg.Update == "dropout" {
				cfg.Update, cfg.LoRA.Dropout = "", 0.3
			}
			cfg.MaxSteps, cfg.SaveEvery = 6, 3
			data := tinyData(10, 512)
			straight, err := New(load(t, dir), data, 0, cfg)
			if err != nil {
				t.Fatal(err)
			}
			out1 := t.TempDir()
			if _, err := straight.Prepare(out1, false, false); err != nil {
				t.Fatal(err)
			}
			if err := straight.Run(out1); err != nil {
				t.Fatal(err)
			}
			// Interrupted run: 3 steps, checkpoint, "killed".
			out2 := t.TempDir()
			a, _ := New(load(t, dir), data, 0, cfg)
			if _, err := a.Prepare(out2, false, false); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				if _, err := a.Step(); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := a.Save(out2); err != nil {
				t.Fatal(err)
			}
			b, _ := New(load(t, dir), data, 0, cfg)
			ck, err := b.Prepare(out2, true, false)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(ck) != "checkpoint-3" || b.State.Step != 3 {
				t.Fatalf("resumed from %q at step %d", ck, b.State.Step)
			}
			if err := b.Run(out2); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(straight.Params(), b.Params()) {
				t.Fatal("weights differ after resume")
			}
			for i := range straight.params().names {
				m1, v1 := straight.upd.moments(i)
				m2, v2 := b.upd.moments(i)
				if !reflect.DeepEqual(m1, m2) || !reflect.DeepEqual(v1, v2) {
					t.Fatalf("moments of %s differ", straight.params().names[i])
				}
			}
			for i := range straight.State.History {
				if straight.State.History[i].Loss != b.State.History[i].Loss {
					t.Fatalf("loss of step %d differs: %v vs %v", i+1, straight.State.History[i].Loss, b.State.History[i].Loss)
				}
			}
		})
	}
}

// TestAccumulationMatchesBigBatch: micro-batches of 1 give the same loss
// and gradient norm as the whole batch at once (gradients are sums over
// tokens divided by the batch's trained-token count, as one big batch), up to
// float32 summation order; the step-2 loss checks the update too.
func TestAccumulationMatchesBigBatch(t *testing.T) {
	dir := fixtureDir(t, "qwen2")
	cfg := loraCfg()
	cfg.MaxSteps, cfg.Mode = 2, "full"
	cfg.WarmupRatio = 0
	cfg.AdamW.LR = 1e-3
	data := tinyData(8, 512)
	var hs [][]Entry
	for _, mb := range []int{4, 1} {
		cfg.MicroBatch = mb
		tr, err := New(load(t, dir), data, 0, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if _, err := tr.Step(); err != nil {
				t.Fatal(err)
			}
		}
		hs = append(hs, tr.State.History)
	}
	rel := func(a, b float64) float64 { return math.Abs(a-b) / math.Abs(b) }
	for i := 0; i < 2; i++ {
		a, b := hs[0][i], hs[1][i]
		t.Logf("step %d: loss %v vs %v, grad norm %v vs %v", i+1, a.Loss, b.Loss, a.GradNorm, b.GradNorm)
		if rel(a.Loss, b.Loss) > 1e-5 || rel(a.GradNorm, b.GradNorm) > 1e-4 || a.Tokens != b.Tokens {
			t.Fatalf("step %d: batch %+v vs accumulated %+v", i+1, a, b)
		}
	}
}

// TestProbeHookAndCheckpointFiles: a probe hook stores captures with each
// checkpoint; the checkpoint holds a PEFT adapter, optimiser state and
// trainer_state.json; Keep prunes old checkpoints.
func TestProbeHookAndCheckpointFiles(t *testing.T) {
	m := load(t, fixtureDir(t, "olmo2"))
	cfg := loraCfg()
	cfg.MaxSteps, cfg.SaveEvery, cfg.Keep = 4, 2, 1
	tr, err := New(m, tinyData(8, 512), 0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	probe := model.Input{InputIDs: [][]int{{5, 6, 7, 8}}}
	tr.Hooks = append(tr.Hooks, ProbeHook("math", 0, probe, hook.MLPPost(1), hook.ResidPost(0)))
	out := t.TempDir()
	if _, err := tr.Prepare(out, false, false); err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(out); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"adapter_config.json", "adapter_model.safetensors", OptimFile, StateFile, "probes/math.safetensors"} {
		if _, err := os.Stat(filepath.Join(out, "checkpoint-4", f)); err != nil {
			t.Errorf("checkpoint-4: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "checkpoint-2")); !os.IsNotExist(err) {
		t.Errorf("checkpoint-2 not pruned (keep 1): %v", err)
	}
	latest, _ := os.ReadFile(filepath.Join(out, LatestFile))
	if strings.TrimSpace(string(latest)) != "checkpoint-4" {
		t.Errorf("latest = %q", latest)
	}
	if _, err := lora.Load(filepath.Join(out, "checkpoint-4"), Modules(m)); err != nil {
		t.Fatal(err)
	}
}

// TestLoRADropout: dropout changes training (masks drawn per micro-batch,
// reproducibly) but not the evaluation forward.
func TestLoRADropout(t *testing.T) {
	m := load(t, fixtureDir(t, "llama"))
	data := tinyData(8, 512)
	var losses [][]float64
	for _, p := range []float64{0, 0.5, 0.5} {
		cfg := loraCfg()
		cfg.LoRA.Dropout, cfg.MaxSteps, cfg.WarmupRatio = p, 3, 0
		tr, err := New(m, data, 0, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var ls []float64
		for i := 0; i < 3; i++ {
			e, err := tr.Step()
			if err != nil {
				t.Fatal(err)
			}
			ls = append(ls, e.Loss)
		}
		losses = append(losses, ls)
	}
	// At init B = 0, so step 1's loss is the same; later steps differ.
	if losses[0][0] != losses[1][0] || reflect.DeepEqual(losses[0], losses[1]) {
		t.Fatalf("dropout 0 vs 0.5 losses: %v vs %v", losses[0], losses[1])
	}
	if !reflect.DeepEqual(losses[1], losses[2]) {
		t.Fatalf("dropout not reproducible: %v vs %v", losses[1], losses[2])
	}
}

// TestConcurrentMicroBatchesSameResult: running micro-batches concurrently
// gives bit-identical weights (gradients are summed in micro-batch order).
func TestConcurrentMicroBatchesSameResult(t *testing.T) {
	m := load(t, fixtureDir(t, "qwen3"))
	var ps []map[string][]float32
	for _, c := range []int{1, 3} {
		cfg := loraCfg()
		cfg.Mode, cfg.MicroBatch, cfg.Concurrent, cfg.MaxSteps = "full", 1, c, 2
		tr, err := New(m, tinyData(8, 512), 0, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if _, err := tr.Step(); err != nil {
				t.Fatal(err)
			}
		}
		ps = append(ps, tr.Params())
	}
	if !reflect.DeepEqual(ps[0], ps[1]) {
		t.Fatal("concurrent micro-batches changed the result")
	}
}

// TestGradCheckpointSameResult: gradient checkpointing changes memory, not
// the arithmetic.
func TestGradCheckpointSameResult(t *testing.T) {
	for _, name := range []string{"qwen3", "olmo2", "mixtral"} {
		m := load(t, fixtureDir(t, name))
		var ps []map[string][]float32
		var hs [][]Entry
		for _, ck := range []bool{false, true} {
			cfg := loraCfg()
			cfg.Mode, cfg.GradCheckpoint, cfg.MaxSteps = "full", ck, 2
			tr, err := New(m, tinyData(8, 512), 0, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 2; i++ {
				if _, err := tr.Step(); err != nil {
					t.Fatal(err)
				}
			}
			ps, hs = append(ps, tr.Params()), append(hs, tr.State.History)
		}
		if hs[0][0].Loss != hs[1][0].Loss || hs[0][1].Loss != hs[1][1].Loss {
			t.Fatalf("%s: losses %v vs %v", name, hs[0], hs[1])
		}
		var maxd float64
		for n, a := range ps[0] {
			for i := range a {
				maxd = math.Max(maxd, math.Abs(float64(a[i]-ps[1][n][i])))
			}
		}
		t.Logf("%s: checkpointed vs not: max|diff| of weights %.3g", name, maxd)
		if maxd > 1e-6 {
			t.Fatalf("%s: checkpointing changed the weights by %.3g", name, maxd)
		}
	}
}
