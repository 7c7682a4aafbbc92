package generate

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute/dtypes"

	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/safetensors"
)

// TestSplitHeadBF16 runs the split lm_head (lmhead.go) on a bf16 model: its
// blocks stay bf16 and it must give the engine's bf16 logits. The engine
// rounds the lm_head product to bf16 before returning float32 logits; the
// split head accumulates in float32 and does not, so the two differ by at
// most one bf16 rounding of the logit (relative 2⁻⁸) plus the different
// summation order of bf16 products (a few float32 ulps).
func TestSplitHeadBF16(t *testing.T) {
	dir := fixtureDirs(t)[0]
	ref, err := safetensors.Open(filepath.Join(dir, "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	prompt, _ := ints(t, ref, "generate.prompt_ids")
	m, err := model.Load(dir, model.Options{ComputeDType: dtypes.BFloat16})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var logits [2][][][]float32
	for i, splitRows := range []int{100, 0} {
		st := NewModelStepper(m)
		st.splitRows = splitRows
		st.NoSplitHead = splitRows == 0
		rec := &recorder{Stepper: st}
		if _, err := Run(rec, idDecoder{}, [][]int{prompt}, Options{MaxNewTokens: 4, ContextLen: m.Config.MaxPositions}); err != nil {
			t.Fatal(err)
		}
		if splitRows > 0 && (st.head == nil || len(st.head.blocks) != (m.Config.Vocab+99)/100) {
			t.Fatalf("split head not used")
		}
		logits[i] = rec.logits
	}
	for s := range logits[1] {
		g, w := logits[0][s][0], logits[1][s][0]
		for i := range w {
			if d := math.Abs(float64(g[i] - w[i])); d > 1e-5+math.Abs(float64(w[i]))/256 {
				t.Fatalf("step %d logit %d: split head %v, engine %v", s, i, g[i], w[i])
			}
		}
	}
}

// TestSplitHeadF32ComputeBF16Weights: an f32-compute model whose weights are
// stored bf16 gets float32 blocks (bf16 → f32 is exact), so its split-head
// logits are the engine's f32 logits, not bf16 products.
func TestSplitHeadF32ComputeBF16Weights(t *testing.T) {
	dir := fixtureDirs(t)[0]
	ref, err := safetensors.Open(filepath.Join(dir, "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	prompt, _ := ints(t, ref, "generate.prompt_ids")
	m, err := model.Load(dir, model.Options{WeightDType: dtypes.BFloat16})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var logits [2][][][]float32
	for i, splitRows := range []int{100, 0} {
		st := NewModelStepper(m)
		st.splitRows = splitRows
		st.NoSplitHead = splitRows == 0
		rec := &recorder{Stepper: st}
		if _, err := Run(rec, idDecoder{}, [][]int{prompt}, Options{MaxNewTokens: 4, ContextLen: m.Config.MaxPositions}); err != nil {
			t.Fatal(err)
		}
		if splitRows > 0 && (st.head == nil || st.head.blocks[0].DType() != dtypes.Float32) {
			t.Fatalf("split head not used, or its blocks are not float32")
		}
		logits[i] = rec.logits
	}
	for s := range logits[1] {
		g, w := logits[0][s][0], logits[1][s][0]
		for i := range w {
			if !closeTo(g[i], w[i]) {
				t.Fatalf("step %d logit %d: split head %v, engine %v", s, i, g[i], w[i])
			}
		}
	}
}
