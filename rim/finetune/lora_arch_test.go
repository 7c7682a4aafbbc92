package finetune

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
)

// TestLoRAEveryArchitecture: on every hf-tiny fixture, an adapter on every
// adaptable module (attention, MLP, experts, router; fused on phi3) with
// non-zero B changes the forward, and the merged export loaded by rim/model
// equals the unmerged LoRA forward. This checks that each resolved module
// name is one the engine's forward actually routes through its Linear.
func TestLoRAEveryArchitecture(t *testing.T) {
	for _, dir := range testpaths.HFTiny(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m := load(t, dir)
			cfg := loraCfg()
			cfg.LoRA.Targets = []string{"attn.*", "mlp.*", "moe.experts.*.*", "moe.router"}
			tr, err := New(m, tinyData(4, 512), 0, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range tr.mode.(*loraMode).adapter.Pairs {
				for j := range p.B {
					p.B[j] = float32(math.Sin(float64(i*31+j))) * 0.05
				}
			}
			// Install the randomised B as the trainable values.
			var ps, ms, vs [][]float32
			for _, p := range tr.mode.(*loraMode).adapter.Pairs {
				ps = append(ps, p.A, p.B)
				ms = append(ms, make([]float32, len(p.A)), make([]float32, len(p.B)))
				vs = append(vs, make([]float32, len(p.A)), make([]float32, len(p.B)))
			}
			if err := tr.upd.load(tr.params().values, ps, ms, vs); err != nil {
				t.Fatal(err)
			}
			in := model.Input{InputIDs: [][]int{{5, 9, 17, 33, 65, 129, 257, 3}}}
			res, err := m.Forward(in)
			if err != nil {
				t.Fatal(err)
			}
			base, _, _ := res.Logits()
			unmerged := logits(t, tr, in)
			out := filepath.Join(t.TempDir(), "merged")
			if err := tr.ExportMerged(out); err != nil {
				t.Fatal(err)
			}
			res, err = load(t, out).Forward(in)
			if err != nil {
				t.Fatal(err)
			}
			merged, _, _ := res.Logits()
			var d, moved float64
			for i := range merged {
				d = math.Max(d, math.Abs(float64(merged[i]-unmerged[i])))
				moved = math.Max(moved, math.Abs(float64(unmerged[i]-base[i])))
			}
			t.Logf("%d modules; merged vs unmerged %.3g, moved %.3g", len(tr.mode.(*loraMode).adapter.Pairs), d, moved)
			if d > 1e-4 || moved < 1e-2 {
				t.Fatalf("merged vs unmerged %.3g, moved from base %.3g", d, moved)
			}
		})
	}
}
