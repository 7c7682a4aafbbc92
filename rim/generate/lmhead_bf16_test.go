package generate

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute/dtypes"

	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/safetensors"
)

// splitVsEngine loads the first fixture with opts and greedily generates 4
// tokens twice: with the split lm_head (lmhead.go, blocks of 100 rows) and
// with the engine's logits. It returns both runs' logits [call][vocab] (row
// 0) and the split head's first block.
func splitVsEngine(t *testing.T, opts model.Options) (split, engine [][]float32, block0 dtypes.DType) {
	t.Helper()
	dir := fixtureDirs(t)[0]
	ref, err := safetensors.Open(filepath.Join(dir, "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	prompt, _ := ints(t, ref, "generate.prompt_ids")
	m, err := model.Load(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, splitRows := range []int{100, 0} {
		st := NewModelStepper(m)
		st.splitRows = splitRows
		st.NoSplitHead = splitRows == 0
		rec := &recorder{Stepper: st}
		if _, err := Run(rec, idDecoder{}, [][]int{prompt}, Options{MaxNewTokens: 4, ContextLen: m.Config.MaxPositions}); err != nil {
			t.Fatal(err)
		}
		var rows [][]float32
		for _, call := range rec.logits {
			rows = append(rows, call[0])
		}
		if splitRows == 0 {
			engine = rows
			continue
		}
		if st.head == nil || len(st.head.blocks) != (m.Config.Vocab+99)/100 {
			t.Fatalf("split head not used")
		}
		split, block0 = rows, st.head.blocks[0].DType()
	}
	return split, engine, block0
}

// TestSplitHeadBF16 runs the split lm_head on a bf16 model: its blocks stay
// bf16 and it must give the engine's bf16 logits. The engine rounds the
// lm_head product to bf16 before returning float32 logits; the split head
// accumulates in float32 and does not, so the two differ by at most one bf16
// rounding of the logit (relative 2⁻⁸) plus the different summation order
// of bf16 products (a few float32 ulps).
func TestSplitHeadBF16(t *testing.T) {
	split, engine, block0 := splitVsEngine(t, model.Options{ComputeDType: dtypes.BFloat16})
	if block0 != dtypes.BFloat16 {
		t.Fatalf("blocks are %s, want bf16", block0)
	}
	for s := range engine {
		for i, w := range engine[s] {
			if d := math.Abs(float64(split[s][i] - w)); d > 1e-5+math.Abs(float64(w))/256 {
				t.Fatalf("step %d logit %d: split head %v, engine %v", s, i, split[s][i], w)
			}
		}
	}
}

// TestSplitHeadF32ComputeBF16Weights: an f32-compute model whose weights are
// stored bf16 gets float32 blocks (bf16 → f32 is exact), so its split-head
// logits are the engine's f32 logits, not bf16 products.
func TestSplitHeadF32ComputeBF16Weights(t *testing.T) {
	split, engine, block0 := splitVsEngine(t, model.Options{WeightDType: dtypes.BFloat16})
	if block0 != dtypes.Float32 {
		t.Fatalf("blocks are %s, want float32", block0)
	}
	for s := range engine {
		for i, w := range engine[s] {
			if !closeTo(split[s][i], w) {
				t.Fatalf("step %d logit %d: split head %v, engine %v", s, i, split[s][i], w)
			}
		}
	}
}
