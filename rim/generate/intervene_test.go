package generate

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/safetensors"
)

// tinyQwen3 loads the hf-tiny qwen3 fixture and its generation prompt.
func tinyQwen3(t *testing.T) (*model.Model, []int) {
	dir := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3")
	ref, err := safetensors.Open(filepath.Join(dir, "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	prompt, _ := ints(t, ref, "generate.prompt_ids")
	m, err := model.Load(dir, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, prompt
}

func runRec(t *testing.T, s Stepper, prompts [][]int, opt Options) ([]Output, *recorder) {
	t.Helper()
	rec := &recorder{Stepper: s}
	out, err := Run(rec, idDecoder{}, prompts, opt)
	if err != nil {
		t.Fatal(err)
	}
	return out, rec
}

// callDiff is the max |diff| of row 0's logits at call k of two runs.
func callDiff(a, b *recorder, k int) float64 { return maxDiff(a.logits[k][0], b.logits[k][0]) }

// Head ablation stays on for the whole generation: the KV-cache run with a
// hook_z ablation equals a cache-free run that ablates every position, and
// differs from the plain run at every decode step.
func TestAblationActiveAtEveryStep(t *testing.T) {
	m, prompt := tinyQwen3(t)
	opt := Options{MaxNewTokens: 6}
	abl := hook.ZeroHeads(1, 0, 2)
	_, plain := runRec(t, NewModelStepper(m), [][]int{prompt}, opt)
	outKV, kv := runRec(t, &ModelStepper{M: m, Interventions: []ScopedIntervention{{Intervention: abl}}}, [][]int{prompt}, opt)
	outFull, full := runRec(t, &ForwardStepper{M: m, Interventions: []hook.Intervention{abl}}, [][]int{prompt}, opt)
	if !equalInts(outKV[0].IDs, outFull[0].IDs) {
		t.Fatalf("ablated: cached %v, cache-free %v", outKV[0].IDs, outFull[0].IDs)
	}
	for k := range kv.logits {
		if d := callDiff(kv, full, k); d > 1e-4 {
			t.Errorf("call %d: ablated cached vs cache-free differ by %g", k, d)
		}
	}
	// Compare with the plain run while the tokens agree (after they diverge
	// the inputs differ anyway).
	for k := range kv.logits {
		if d := callDiff(kv, plain, k); d < 1e-3 {
			t.Errorf("call %d: ablation changed the logits by only %g", k, d)
		}
		if k < len(outKV[0].IDs) && outKV[0].IDs[k] != plain.logitsArgmax(k) {
			break
		}
	}
}

func (r *recorder) logitsArgmax(k int) int { return Argmax(r.logits[k][0]) }

// Scopes: a prompt-scoped ablation acts in the prefill only, a
// generated-scoped one only in decode steps, a think-scoped one only once
// the think block has opened.
func TestInterventionScopes(t *testing.T) {
	m, prompt := tinyQwen3(t)
	opt := Options{MaxNewTokens: 5}
	abl := hook.ZeroHeads(0, 1)
	plainOut, plain := runRec(t, NewModelStepper(m), [][]int{prompt}, opt)
	g := plainOut[0].IDs

	_, pr := runRec(t, &ModelStepper{M: m, Interventions: []ScopedIntervention{{abl, ScopePrompt}}}, [][]int{prompt}, opt)
	if callDiff(pr, plain, 0) < 1e-3 {
		t.Error("prompt scope: prefill logits unchanged")
	}
	_, ge := runRec(t, &ModelStepper{M: m, Interventions: []ScopedIntervention{{abl, ScopeGenerated}}}, [][]int{prompt}, opt)
	if d := callDiff(ge, plain, 0); d != 0 {
		t.Errorf("generated scope: prefill logits changed by %g", d)
	}
	if callDiff(ge, plain, 1) < 1e-3 {
		t.Error("generated scope: first decode step unchanged")
	}
	// Think scope: declare the second generated token the think-open tag.
	// Calls 0 (prefill) and 1 (feeding g[0]) are outside the block, call 2
	// feeds the open tag and is inside.
	if g[0] == g[1] {
		t.Skip("fixture's first two tokens are equal")
	}
	tags := &ThinkTags{Open: "<o>", Close: "<c>", OpenID: g[1], CloseID: -1}
	_, th := runRec(t, &ModelStepper{M: m, Interventions: []ScopedIntervention{{abl, ScopeThink}}}, [][]int{prompt}, Options{MaxNewTokens: 5, Think: tags})
	if d0, d1 := callDiff(th, plain, 0), callDiff(th, plain, 1); d0 != 0 || d1 != 0 {
		t.Errorf("think scope acted before the block opened: %g %g", d0, d1)
	}
	if callDiff(th, plain, 2) < 1e-3 {
		t.Error("think scope: no effect inside the block")
	}
	_, an := runRec(t, &ModelStepper{M: m, Interventions: []ScopedIntervention{{abl, ScopeAnswer}}}, [][]int{prompt}, Options{MaxNewTokens: 5, Think: tags})
	if d0, d1 := callDiff(an, plain, 0), callDiff(an, plain, 1); d0 != 0 || d1 < 1e-3 {
		t.Errorf("answer scope: prefill changed by %g, first decode step by %g (want 0 and > 1e-3)", d0, d1)
	}
}

func TestScopeErrors(t *testing.T) {
	m, prompt := tinyQwen3(t)
	s := &ModelStepper{M: m, Interventions: []ScopedIntervention{{hook.ZeroHeads(0, 1), ScopeThink}}}
	ivs, err := s.decodeInterventions(StepInfo{Step: 3, Done: []bool{false, false, true}, InThink: []bool{true, false, false}})
	if err != nil || len(ivs) != 1 || !slices.Equal(ivs[0].Rows, []int{0}) {
		t.Errorf("mixed rows: %v %v", ivs, err)
	}
	ivs, err = s.decodeInterventions(StepInfo{Step: 3, Done: []bool{false, true}, InThink: []bool{false, true}})
	if err != nil || len(ivs) != 1 || ivs[0].Rows == nil || len(ivs[0].Rows) != 0 {
		t.Errorf("finished rows do not count, and the intervention stays with no rows: %v %v", ivs, err)
	}
	for _, c := range []struct {
		iv   ScopedIntervention
		want string
	}{
		{ScopedIntervention{hook.ZeroHeads(0, 1), "sometimes"}, `unknown scope "sometimes"`},
		{ScopedIntervention{hook.ZeroHeads(0, 1).AtPositions(2), ScopeThink}, "positions index the prompt"},
		{ScopedIntervention{hook.ZeroHeads(9, 1), ScopeAll}, "model has 2 layers"},
	} {
		s := &ModelStepper{M: m, Interventions: []ScopedIntervention{c.iv}}
		_, err := Run(s, idDecoder{}, [][]int{prompt}, Options{MaxNewTokens: 2})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.iv, err, c.want)
		}
	}
}

// The attention row of the first generated token (docs/paper.md §6.2): captured
// at decode step 1, it equals the last query row of a cache-free forward
// over prompt + that token, and is 0 on the unused cache slots.
func TestCaptureFirstTokenAttention(t *testing.T) {
	m, prompt := tinyQwen3(t)
	s := &ModelStepper{M: m, Capture: []hook.Site{hook.Pattern(1)}, CaptureStep: func(step int) bool { return step == 1 }}
	out, err := Run(s, idDecoder{}, [][]int{prompt}, Options{MaxNewTokens: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Captures) != 1 || s.Captures[0].Step != 1 {
		t.Fatalf("captures: %d (want one, at step 1)", len(s.Captures))
	}
	got, shape := s.Captures[0].Values[hook.Pattern(1)], s.Captures[0].Shapes[hook.Pattern(1)]
	T, H, capK := len(prompt), m.Config.NumHeads, len(prompt)+4
	if !equalInts(shape, []int{1, H, 1, capK}) {
		t.Fatalf("shape %v, want [1 %d 1 %d]", shape, H, capK)
	}
	seq := append(append([]int{}, prompt...), out[0].IDs[0])
	res, err := m.Forward(model.Input{InputIDs: [][]int{seq}}, model.Capture(hook.Pattern(1)))
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := res.Float32(hook.Pattern(1)) // [1, H, T+1, T+1]
	n := T + 1
	for h := range H {
		for k := range capK {
			g := got[h*capK+k]
			w := float32(0)
			if k < n {
				w = want[(h*n+n-1)*n+k]
			}
			if d := g - w; d > 2e-5 || d < -2e-5 {
				t.Fatalf("head %d key %d: %v, want %v", h, k, g, w)
			}
		}
	}
}

// More rows than one split-head group (lmhead.go): logits still equal the
// engine's cache-free ones.
func TestSplitHeadManyRows(t *testing.T) {
	m, _ := tinyQwen3(t)
	prompts := BenchPrompts(splitHeadGroup+5, 6, 3, m.Config.Vocab, 2)
	for i := range prompts {
		prompts[i] = prompts[i][:1+i%6] // different lengths: left padding
	}
	st := NewModelStepper(m)
	st.splitRows = 70
	_, kv := runRec(t, st, prompts, Options{MaxNewTokens: 3})
	_, full := runRec(t, &ForwardStepper{M: m}, prompts, Options{MaxNewTokens: 3})
	for k := range kv.logits {
		for r := range prompts {
			if d := maxDiff(kv.logits[k][r], full.logits[k][r]); d > 1e-4 {
				t.Fatalf("call %d row %d: split head vs engine differ by %g", k, r, d)
			}
		}
	}
}

// A think-scoped ablation on a mixed batch (rows entering the think block
// at different steps) gives every row what it gets alone.
func TestThinkScopeMixedBatch(t *testing.T) {
	m, prompt := tinyQwen3(t)
	other := append(append([]int(nil), prompt[:len(prompt)-1]...), prompt[0])
	_, plain := runRec(t, NewModelStepper(m), [][]int{prompt}, Options{MaxNewTokens: 4})
	g := []int{}
	for k := range plain.logits {
		g = append(g, plain.logitsArgmax(k))
	}
	// The "open tag" is prompt 0's second generated token: row 0 enters
	// the block at step 2, the other row whenever (if ever) it makes it.
	tags := &ThinkTags{Open: "<o>", Close: "<c>", OpenID: g[1], CloseID: -1}
	abl := ScopedIntervention{hook.ZeroHeads(1, 0, 2), ScopeThink}
	opt := Options{MaxNewTokens: 6, Think: tags}
	batched, brec := runRec(t, &ModelStepper{M: m, Interventions: []ScopedIntervention{abl}}, [][]int{prompt, other}, opt)
	for i, p := range [][]int{prompt, other} {
		alone, arec := runRec(t, &ModelStepper{M: m, Interventions: []ScopedIntervention{abl}}, [][]int{p}, opt)
		if !equalInts(batched[i].IDs, alone[0].IDs) {
			t.Errorf("row %d: batched %v, alone %v", i, batched[i].IDs, alone[0].IDs)
		}
		for k := range arec.logits {
			if k < len(brec.logits) {
				if d := maxDiff(brec.logits[k][i], arec.logits[k][0]); d > 1e-4 {
					t.Errorf("row %d call %d: batched and alone logits differ by %g", i, k, d)
				}
			}
		}
	}
	// Row 0 is ablated once inside the block (call 2 feeds the open tag).
	_, free := runRec(t, NewModelStepper(m), [][]int{prompt, other}, opt)
	if d0, d2 := maxDiff(brec.logits[1][0], free.logits[1][0]), maxDiff(brec.logits[2][0], free.logits[2][0]); d0 != 0 || d2 < 1e-3 {
		t.Errorf("row 0: changed by %g before the block, %g inside (want 0 and > 1e-3)", d0, d2)
	}
}
