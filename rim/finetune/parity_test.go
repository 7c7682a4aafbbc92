package finetune

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
)

// TestFixtureTrainingParity runs one full fine-tuning step of the trainer on
// every hf-tiny fixture's training example, with the fixture's optimiser
// (plain torch AdamW over all parameters: decay on every parameter, constant
// lr, no clipping, no aux loss), and compares the loss with train.loss and
// the updated parameters with train.param_after_adamw.* (README tolerances:
// loss 1e-5; parameters 1e-6 where |grad| > 1e-6, else lr).
func TestFixtureTrainingParity(t *testing.T) {
	for _, dir := range testpaths.HFTiny(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			fx := readFixtureTrain(t, dir)
			m := load(t, dir)
			for _, update := range []string{"host", "graph"} {
				t.Run(update, func(t *testing.T) { checkFixtureStep(t, m, fx, update) })
			}
		})
	}
}

func checkFixtureStep(t *testing.T, m *model.Model, fx fixtureTrain, update string) {
	zero := 0.0
	cfg := Config{Mode: "full", AdamW: fx.Opt, Schedule: "constant", MaxSteps: 1, BatchSize: 1,
		AuxLossCoef: &zero, DecayAll: true, Seed: 1, Bucket: 1, Update: update}
	tr, err := New(m, []sft.Example{fx.Example}, 0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ent, err := tr.Step()
	if err != nil {
		t.Fatal(err)
	}
	wantLoss, _, _ := fx.Ref.Float32("train.loss")
	if d := math.Abs(ent.Loss - float64(wantLoss[0])); d > 1e-5 {
		t.Errorf("loss %v, want %v (diff %.3g)", ent.Loss, wantLoss[0], d)
	}
	got := tr.Params()
	for _, name := range fx.Params {
		want, _, err := fx.Ref.Float32("train.param_after_adamw." + name)
		if err != nil {
			t.Fatal(err)
		}
		g, _, _ := fx.Ref.Float32("train.grad." + name)
		p := got[name]
		var big, small float64
		for i := range want {
			d := math.Abs(float64(p[i]) - float64(want[i]))
			if math.Abs(float64(g[i])) > 1e-6 {
				big = math.Max(big, d)
			} else {
				small = math.Max(small, d)
			}
		}
		t.Logf("%s: max|diff| %.3g (|g|>1e-6) %.3g (tiny g)", name, big, small)
		if big > 1e-6 || small > fx.Opt.LR {
			t.Errorf("%s: max|diff| %.3g (|g|>1e-6, tol 1e-6), %.3g (tiny g, tol %g)", name, big, small, fx.Opt.LR)
		}
	}
}
