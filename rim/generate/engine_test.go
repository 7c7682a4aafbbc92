package generate

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/safetensors"
)

// idDecoder "decodes" ids as their numbers (the hf-tiny models have no
// tokenizer).
type idDecoder struct{}

func (idDecoder) Decode(ids []int, _ bool) (string, error) {
	var sb strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&sb, "%d ", id)
	}
	return sb.String(), nil
}

// recorder wraps a Stepper and keeps every logits row it returns.
type recorder struct {
	Stepper
	logits [][][]float32 // [call][row][vocab]
}

func (r *recorder) Prefill(ids, mask [][]int, capacity int) ([][]float32, error) {
	l, err := r.Stepper.Prefill(ids, mask, capacity)
	r.logits = append(r.logits, cloneRows(l))
	return l, err
}

func (r *recorder) Step(next []int, info StepInfo) ([][]float32, error) {
	l, err := r.Stepper.Step(next, info)
	r.logits = append(r.logits, cloneRows(l))
	return l, err
}

func cloneRows(l [][]float32) [][]float32 {
	out := make([][]float32, len(l))
	for i, r := range l {
		out[i] = append([]float32(nil), r...)
	}
	return out
}

func fixtureDirs(t *testing.T) []string { return testpaths.HFTiny(t) }

func ints(t *testing.T, f *safetensors.File, name string) ([]int, []int) {
	t.Helper()
	v, shape, err := f.Int64(name)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out, shape
}

// closeTo is the README's suggested tolerance for step logits.
func closeTo(a, b float32) bool {
	return math.Abs(float64(a-b)) <= 1e-4+1e-4*math.Abs(float64(b))
}

func maxDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// TestGreedyMatchesTransformers: greedy generation through the KV-cache
// stepper reproduces generate.output_ids of every hf-tiny fixture, and the
// logits each token was chosen from match generate.step_logits.
func TestGreedyMatchesTransformers(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ref, err := safetensors.Open(filepath.Join(dir, "reference.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			prompt, _ := ints(t, ref, "generate.prompt_ids")
			want, _ := ints(t, ref, "generate.output_ids")
			stepLogits, sls, err := ref.Float32("generate.step_logits")
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(dir, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			// splitRows 100: the lm_head split into blocks (lmhead.go),
			// which the tiny vocabularies would not trigger by themselves.
			for _, splitRows := range []int{0, 100} {
				st := NewModelStepper(m)
				st.splitRows = splitRows
				st.InitialCache = len(prompt) + 1 // grows (copying the cache) during the 8 steps
				rec := &recorder{Stepper: st}
				newTok := len(want) - len(prompt)
				out, err := Run(rec, idDecoder{}, [][]int{prompt}, Options{MaxNewTokens: newTok, ContextLen: m.Config.MaxPositions})
				if err != nil {
					t.Fatal(err)
				}
				if st.cache.MaxLen == st.InitialCache {
					t.Fatalf("cache did not grow")
				}
				if splitRows > 0 && (st.head == nil || len(st.head.blocks) != (m.Config.Vocab+99)/100) {
					t.Fatalf("split head not used")
				}
				if got := append(append([]int{}, prompt...), out[0].IDs...); !equalInts(got, want) {
					t.Fatalf("split %d: greedy output\n got %v\nwant %v", splitRows, got, want)
				}
				V := sls[1]
				worst := 0.0
				for s := 0; s < newTok; s++ {
					r := stepLogits[s*V : (s+1)*V]
					g := rec.logits[s][0]
					for i := range r {
						if !closeTo(g[i], r[i]) {
							t.Fatalf("split %d: step %d logit %d: %v, want %v", splitRows, s, i, g[i], r[i])
						}
					}
					worst = max(worst, maxDiff(g, r))
				}
				t.Logf("split %d: %d tokens match; step logits max |diff| %.2g", splitRows, newTok, worst)
			}
		})
	}
}

// TestKVCacheEqualsCacheFree decodes the fixtures' left-padded two-row
// batch with the KV cache and without it (a full forward per step): the
// tokens must be identical and the logits equal within float32 noise.
func TestKVCacheEqualsCacheFree(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ref, err := safetensors.Open(filepath.Join(dir, "reference.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			ids, shape := ints(t, ref, "input_ids")
			mask, _ := ints(t, ref, "attention_mask")
			B, T := shape[0], shape[1]
			prompts := make([][]int, B)
			for b := range B {
				for j := range T {
					if mask[b*T+j] == 1 {
						prompts[b] = append(prompts[b], ids[b*T+j])
					}
				}
			}
			m, err := model.Load(dir, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			opt := Options{MaxNewTokens: 6, ContextLen: m.Config.MaxPositions}
			st := NewModelStepper(m)
			st.splitRows = 100                    // the batched split lm_head (lmhead.go) against the engine's logits
			st.InitialCache = len(prompts[0]) + 2 // and a cache that grows during decoding
			kv := &recorder{Stepper: st}
			full := &recorder{Stepper: &ForwardStepper{M: m}}
			a, err := Run(kv, idDecoder{}, prompts, opt)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Run(full, idDecoder{}, prompts, opt)
			if err != nil {
				t.Fatal(err)
			}
			if st.cache.MaxLen == st.InitialCache {
				t.Fatalf("cache did not grow")
			}
			worst := 0.0
			for r := range prompts {
				if !equalInts(a[r].IDs, b[r].IDs) {
					t.Errorf("row %d: cached %v, cache-free %v", r, a[r].IDs, b[r].IDs)
				}
			}
			for s := range kv.logits {
				for r := range prompts {
					g, w := kv.logits[s][r], full.logits[s][r]
					for i := range w {
						if !closeTo(g[i], w[i]) {
							t.Fatalf("call %d row %d logit %d: cached %v, cache-free %v", s, r, i, g[i], w[i])
						}
					}
					worst = max(worst, maxDiff(g, w))
				}
			}
			t.Logf("rows of %d and %d tokens; cached vs cache-free logits max |diff| %.2g", len(prompts[0]), len(prompts[1]), worst)
		})
	}
}
