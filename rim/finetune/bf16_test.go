package finetune

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute/dtypes"

	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/modeltest"
	"github.com/rimlab/rim/rim/safetensors"
)

// Training on a bf16-stored base (the default for a BF16 checkpoint,
// docs/engine.md "Memory at real size") equals training on the same
// checkpoint loaded as float32, bit for bit: LoRA reads the base converted
// exactly in the graph; full fine-tuning trains float32 copies.
func TestTrainOnBF16StoredBase(t *testing.T) {
	dir := t.TempDir()
	if err := modeltest.Write(dir, modeltest.Spec{ModelType: "qwen3", DType: "BF16", Seed: 5, Std: 0.1}); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"lora", "full"} {
		for _, upd := range []string{"host", "graph"} {
			t.Run(mode+"/"+upd, func(t *testing.T) {
				run := func(wd dtypes.DType) (*Trainer, map[string][]float32, []float64) {
					m, err := model.Load(dir, model.Options{WeightDType: wd})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { m.Close() })
					if wd == dtypes.InvalidDType && m.WeightDType() != dtypes.BFloat16 {
						t.Fatalf("default load stored weights as %s", m.WeightDType())
					}
					cfg := loraCfg()
					cfg.Mode, cfg.Update, cfg.MaxSteps = mode, upd, 2
					tr, err := New(m, tinyData(8, m.Config.Vocab), 0, cfg)
					if err != nil {
						t.Fatal(err)
					}
					var losses []float64
					for range 2 {
						e, err := tr.Step()
						if err != nil {
							t.Fatal(err)
						}
						losses = append(losses, e.Loss)
					}
					return tr, tr.Params(), losses
				}
				tr16, p16, l16 := run(dtypes.InvalidDType)
				_, p32, l32 := run(dtypes.Float32)
				for i := range l16 {
					if l16[i] != l32[i] {
						t.Fatalf("step %d loss: bf16-stored %v, f32-stored %v", i, l16[i], l32[i])
					}
				}
				for n, a := range p16 {
					b := p32[n]
					for i := range a {
						if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
							t.Fatalf("%s[%d]: bf16-stored %v, f32-stored %v", n, i, a[i], b[i])
						}
					}
				}
				if mode == "lora" && upd == "host" {
					out := filepath.Join(t.TempDir(), "merged")
					if err := tr16.ExportMerged(out); err != nil {
						t.Fatal(err)
					}
					f, err := safetensors.Open(filepath.Join(out, WeightsFile))
					if err != nil {
						t.Fatal(err)
					}
					f.Close()
				}
			})
		}
	}
}
