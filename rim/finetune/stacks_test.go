package finetune

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/safetensors"
)

// TestExportExpertStacksRoundTrip: with the experts stored stacked, a full
// fine-tuning export and checkpoint hold the checkpoint's HF per-expert
// tensor names and shapes; exported before any step, loading the export
// gives the original weights bit for bit; after a step, each expert's
// trained weights come back in its own HF tensor.
func TestExportExpertStacksRoundTrip(t *testing.T) {
	for _, name := range []string{"qwen3_moe", "mixtral", "olmoe", "phimoe"} {
		t.Run(name, func(t *testing.T) {
			m := load(t, fixtureDir(t, name))
			cfg := loraCfg()
			cfg.Mode, cfg.MaxSteps, cfg.Update = "full", 1, "host"
			cfg.Schedule, cfg.WarmupRatio = "constant", 0 // the one step moves the weights
			tr, err := New(m, tinyData(4, 512), 0, cfg)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]int{}
			for _, p := range model.ParamTable(m.Config) {
				want[p.Name] = p.Shape
			}
			checkNames := func(path string) {
				t.Helper()
				f, err := safetensors.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if len(f.Names()) != len(want) {
					t.Errorf("%s: %d tensors, the checkpoint table has %d", path, len(f.Names()), len(want))
				}
				for _, n := range f.Names() {
					info, _ := f.Info(n)
					if s, ok := want[n]; !ok || !slices.Equal(s, info.Shape) {
						t.Errorf("%s: tensor %s %v is not an HF tensor of the model (%v)", path, n, info.Shape, s)
					}
				}
			}
			out := filepath.Join(t.TempDir(), "export0")
			if err := tr.ExportMerged(out); err != nil {
				t.Fatal(err)
			}
			checkNames(filepath.Join(out, WeightsFile))
			m2 := load(t, out)
			for _, n := range m.ParamNames() {
				a, _ := model.Float32Values(m.Param(n))
				b, _ := model.Float32Values(m2.Param(n))
				if !slices.Equal(a, b) {
					t.Fatalf("%s: the export reloads different values", n)
				}
			}
			if _, err := tr.Step(); err != nil {
				t.Fatal(err)
			}
			ck := t.TempDir()
			dir, err := tr.Save(ck)
			if err != nil {
				t.Fatal(err)
			}
			checkNames(filepath.Join(dir, WeightsFile))
			out = filepath.Join(t.TempDir(), "export1")
			if err := tr.ExportMerged(out); err != nil {
				t.Fatal(err)
			}
			m3 := load(t, out)
			moved := 0
			for n, w := range tr.Params() {
				got, err := m3.ParamFloat32(n)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, w) {
					t.Fatalf("%s: exported values differ from the trained ones", n)
				}
				if orig, _ := m.ParamFloat32(n); !slices.Equal(orig, w) {
					moved++
				}
			}
			if moved == 0 {
				t.Fatal("no weight moved")
			}
		})
	}
}

// TestFullFineTuneSparseMatchesDense: one full fine-tuning step on each MoE
// fixture gives the same loss, aux loss, gradient norm and gradients (the
// first AdamW moments, (1-β1)·grad, of every parameter, expert stacks
// included) with the sparse experts as with the dense reference.
func TestFullFineTuneSparseMatchesDense(t *testing.T) {
	for _, name := range []string{"qwen3_moe", "mixtral", "olmoe", "phimoe"} {
		t.Run(name, func(t *testing.T) {
			var trs []*Trainer
			var es []Entry
			for _, mode := range []model.MoEMode{model.MoEDense, model.MoESparse} {
				m, err := model.Load(fixtureDir(t, name), model.Options{MoE: mode})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { m.Close() })
				cfg := loraCfg()
				cfg.Mode, cfg.MaxSteps, cfg.Update = "full", 1, "host"
				tr, err := New(m, tinyData(4, 512), 0, cfg)
				if err != nil {
					t.Fatal(err)
				}
				e, err := tr.Step()
				if err != nil {
					t.Fatal(err)
				}
				trs, es = append(trs, tr), append(es, e)
			}
			d, s := es[0], es[1]
			if math.Abs(d.Loss-s.Loss) > 1e-5 || math.Abs(d.AuxLoss-s.AuxLoss) > 1e-6 || math.Abs(d.GradNorm-s.GradNorm) > 1e-5*math.Max(1, d.GradNorm) {
				t.Fatalf("dense %+v, sparse %+v", d, s)
			}
			worst := 0.0
			for i, n := range trs[0].params().names {
				md, _ := trs[0].upd.moments(i)
				ms, _ := trs[1].upd.moments(i)
				for j := range md {
					worst = math.Max(worst, math.Abs(float64(md[j]-ms[j])))
				}
				if worst > 1e-6 {
					t.Fatalf("gradient of %s: sparse differs from dense by %.3g", n, worst)
				}
			}
			t.Logf("loss %.6f, grad norm %.6f, max |Δ first moment| %.3g", d.Loss, d.GradNorm, worst)
		})
	}
}

// A LoRA adapter without expert targets leaves the experts to the model
// (sparse, computed from the stacks); one with expert targets runs them
// through its Linear. Either way the unmerged forward equals the merged
// export's.
func TestLoRAWithoutExpertTargetsKeepsSparse(t *testing.T) {
	dir := fixtureDir(t, "qwen3_moe")
	for _, targets := range [][]string{{"attn.*", "moe.router"}, {"moe.experts.*.down"}} {
		m := load(t, dir)
		cfg := loraCfg()
		cfg.LoRA.Targets = targets
		tr, err := New(m, tinyData(4, 512), 0, cfg)
		if err != nil {
			t.Fatal(err)
		}
		l := tr.mode.(*loraMode)
		if want := targets[0] == "moe.experts.*.down"; l.adaptsExperts() != want {
			t.Fatalf("%v: adaptsExperts %v", targets, !want)
		}
		var ps, ms, vs [][]float32
		for i, p := range l.adapter.Pairs {
			for j := range p.B {
				p.B[j] = float32(math.Sin(float64(i*17+j))) * 0.05
			}
			ps = append(ps, p.A, p.B)
			ms = append(ms, make([]float32, len(p.A)), make([]float32, len(p.B)))
			vs = append(vs, make([]float32, len(p.A)), make([]float32, len(p.B)))
		}
		if err := tr.upd.load(tr.params().values, ps, ms, vs); err != nil {
			t.Fatal(err)
		}
		in := model.Input{InputIDs: [][]int{{5, 9, 17, 33, 65, 129, 257, 3}}}
		unmerged := logits(t, tr, in)
		out := filepath.Join(t.TempDir(), "merged")
		if err := tr.ExportMerged(out); err != nil {
			t.Fatal(err)
		}
		res, err := load(t, out).Forward(in)
		if err != nil {
			t.Fatal(err)
		}
		merged, _, _ := res.Logits()
		base, err := m.Forward(in)
		if err != nil {
			t.Fatal(err)
		}
		b, _, _ := base.Logits()
		var d, moved float64
		for i := range merged {
			d = math.Max(d, math.Abs(float64(merged[i]-unmerged[i])))
			moved = math.Max(moved, math.Abs(float64(unmerged[i]-b[i])))
		}
		if d > 1e-4 || moved < 1e-3 {
			t.Fatalf("%v: merged vs unmerged %.3g, moved from base %.3g", targets, d, moved)
		}
	}
}
