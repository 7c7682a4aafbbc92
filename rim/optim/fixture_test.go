package optim

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/safetensors"
)

// fixtureTrain is the part of hf-tiny's reference.json this package needs.
type fixtureTrain struct {
	Train struct {
		Optimizer string   `json:"optimizer"`
		Params    []string `json:"params"`
	} `json:"train"`
}

// TestFixtureAdamW reproduces every hf-tiny fixture's train.param_after_adamw.*
// from the original weights and train.grad.* with a fresh optimiser, within
// the README's tolerances (1e-6 where |grad| > 1e-6, else lr).
func TestFixtureAdamW(t *testing.T) {
	n := 0
	for _, dir := range testpaths.HFTiny(t) {
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, "reference.json"))
			if err != nil {
				t.Fatal(err)
			}
			var ref fixtureTrain
			if err := json.Unmarshal(raw, &ref); err != nil {
				t.Fatal(err)
			}
			opt, err := ParseTorchAdamW(ref.Train.Optimizer)
			if err != nil {
				t.Fatal(err)
			}
			weights, err := safetensors.OpenDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer weights.Close()
			rf, err := safetensors.Open(filepath.Join(dir, "reference.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			defer rf.Close()
			if len(ref.Train.Params) == 0 {
				t.Fatal("reference.json lists no train.params")
			}
			for _, name := range ref.Train.Params {
				p0, shape, err := weights.Float32(name)
				if err != nil {
					t.Fatal(err)
				}
				g, gshape, err := rf.Float32("train.grad." + name)
				if err != nil {
					t.Fatal(err)
				}
				want, _, err := rf.Float32("train.param_after_adamw." + name)
				if err != nil {
					t.Fatal(err)
				}
				if len(g) != len(p0) || len(want) != len(p0) {
					t.Fatalf("%s: shapes %v vs grad %v", name, shape, gshape)
				}
				p := append([]float32(nil), p0...)
				m, v := make([]float32, len(p)), make([]float32, len(p))
				if err := opt.Step(p, g, m, v, opt.LR, 1); err != nil {
					t.Fatal(err)
				}
				var worstBig, worstSmall float64
				for i := range p {
					d := math.Abs(float64(p[i]) - float64(want[i]))
					if math.Abs(float64(g[i])) > 1e-6 {
						worstBig = math.Max(worstBig, d)
					} else {
						worstSmall = math.Max(worstSmall, d)
					}
				}
				t.Logf("%s: max|diff| %.3g (|g|>1e-6), %.3g (tiny g)", name, worstBig, worstSmall)
				if worstBig > 1e-6 || worstSmall > opt.LR {
					t.Errorf("%s: max|diff| %.3g (|g|>1e-6, tol 1e-6), %.3g (tiny g, tol %g)", name, worstBig, worstSmall, opt.LR)
				}
			}
		})
	}
	if n == 0 {
		t.Fatal("no fixture dirs")
	}
}
