package model

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/safetensors"
)

func loadFixture(t *testing.T, name string) *Model {
	t.Helper()
	m, err := Load(testpaths.Shared(t, "fixtures", "hf-tiny", name), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// fixtureBatch returns the reference padded batch of a fixture.
func fixtureBatch(t *testing.T, name string) Input {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(testpaths.Shared(t, "fixtures", "hf-tiny", name), "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	get := func(n string) [][]int {
		d, s, err := f.Int64(n)
		if err != nil {
			t.Fatal(err)
		}
		out := make([][]int, s[0])
		for b := range out {
			for i := 0; i < s[1]; i++ {
				out[b] = append(out[b], int(d[b*s[1]+i]))
			}
		}
		return out
	}
	return Input{InputIDs: get("input_ids"), AttentionMask: get("attention_mask"), PositionIDs: get("position_ids")}
}

func f32(t *testing.T, r *Result, s hook.Site) []float32 {
	t.Helper()
	d, _, err := r.Float32(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

func TestZeroAllHeadsRemovesAttention(t *testing.T) {
	m := loadFixture(t, "llama")
	in := fixtureBatch(t, "llama")
	all := []int{0, 1, 2, 3}
	r, err := m.Forward(in, Capture(hook.ResidPre(1), hook.ResidMid(1), hook.AttnOut(1)),
		WithInterventions(hook.ZeroHeads(1, all...)))
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(f32(t, r, hook.ResidPre(1)), f32(t, r, hook.ResidMid(1))); d != 0 {
		t.Fatalf("zeroing every head of layer 1 should make resid_mid == resid_pre, max diff %g", d)
	}
	for _, v := range f32(t, r, hook.AttnOut(1)) {
		if v != 0 {
			t.Fatalf("attn_out not zero: %g", v)
		}
	}
}

func TestZeroOneHeadTouchesOnlyIt(t *testing.T) {
	m := loadFixture(t, "llama")
	in := fixtureBatch(t, "llama")
	base, err := m.Forward(in, Capture(hook.Z(0), hook.Logits))
	if err != nil {
		t.Fatal(err)
	}
	abl, err := m.Forward(in, Capture(hook.Z(0), hook.Logits), WithInterventions(hook.ZeroHeads(0, 2)))
	if err != nil {
		t.Fatal(err)
	}
	zb, za := f32(t, base, hook.Z(0)), f32(t, abl, hook.Z(0))
	H, dh := m.Config.NumHeads, m.Config.HeadDim
	for i := range zb {
		h := (i / dh) % H
		if h == 2 && za[i] != 0 {
			t.Fatalf("head 2 not zeroed at %d: %g", i, za[i])
		}
		if h != 2 && za[i] != zb[i] {
			t.Fatalf("head %d changed at %d: %g vs %g", h, i, za[i], zb[i])
		}
	}
	if maxDiff(f32(t, base, hook.Logits), f32(t, abl, hook.Logits)) == 0 {
		t.Fatal("ablating a head did not change the logits")
	}
}

func TestHeadSweepCompilesOnce(t *testing.T) {
	m := loadFixture(t, "qwen3")
	in := fixtureBatch(t, "qwen3")
	before := m.numCompiled()
	var prev []float32
	for h := 0; h < m.Config.NumHeads; h++ {
		r, err := m.Forward(in, WithInterventions(hook.ZeroHeads(1, h)))
		if err != nil {
			t.Fatal(err)
		}
		cur := f32(t, r, hook.Logits)
		if prev != nil && maxDiff(prev, cur) == 0 {
			t.Fatalf("head %d gave the same logits as head %d: intervention values not used", h, h-1)
		}
		prev = cur
	}
	if got := m.numCompiled() - before; got != 1 {
		t.Fatalf("head sweep built %d executables, want 1", got)
	}
	// A different kind with the same structure reuses it too.
	mean := make([]float32, m.Config.NumHeads*m.Config.HeadDim)
	if _, err := m.Forward(in, WithInterventions(hook.MeanHeads(1, mean, 0))); err != nil {
		t.Fatal(err)
	}
	if got := m.numCompiled() - before; got != 1 {
		t.Fatalf("mean ablation built a new executable (%d)", got)
	}
}

func TestZeroNeuronsEqualsZeroDownProjColumns(t *testing.T) {
	m := loadFixture(t, "qwen2")
	in := fixtureBatch(t, "qwen2")
	L, neurons := 1, []int{3, 17, 40}
	base, err := m.Forward(in, Capture(hook.MLPPost(L), hook.MLPOut(L)))
	if err != nil {
		t.Fatal(err)
	}
	abl, err := m.Forward(in, Capture(hook.MLPOut(L)), WithInterventions(hook.ZeroNeurons(L, neurons...)))
	if err != nil {
		t.Fatal(err)
	}
	// expected = mlp_out - Σ_n post[:, :, n] · W_down[:, n]
	post, out := f32(t, base, hook.MLPPost(L)), f32(t, base, hook.MLPOut(L))
	w, err := tensorsCopy(m.Param("model.layers.1.mlp.down_proj.weight"))
	if err != nil {
		t.Fatal(err)
	}
	D, I := m.Config.Hidden, m.Config.Intermediate
	want := append([]float32{}, out...)
	for r := 0; r < len(out)/D; r++ {
		for _, n := range neurons {
			for d := 0; d < D; d++ {
				want[r*D+d] -= post[r*I+n] * w[d*I+n]
			}
		}
	}
	if d := maxDiff(f32(t, abl, hook.MLPOut(L)), want); d > 1e-5 {
		t.Fatalf("zeroing neurons != removing down_proj columns: max diff %g", d)
	}
}

func TestPatchWithOwnActivationIsIdentity(t *testing.T) {
	m := loadFixture(t, "mixtral")
	in := fixtureBatch(t, "mixtral")
	s := hook.ResidPost(0)
	base, err := m.Forward(in, Capture(s, hook.Logits))
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Forward(in, WithInterventions(hook.PatchFrom(s, f32(t, base, s))))
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(f32(t, base, hook.Logits), f32(t, p, hook.Logits)); d != 0 {
		t.Fatalf("self-patch changed logits by %g", d)
	}
	z, err := m.Forward(in, WithInterventions(hook.AddVector(s, 3, make([]float32, m.Config.Hidden))))
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(f32(t, base, hook.Logits), f32(t, z, hook.Logits)); d != 0 {
		t.Fatalf("zero steering vector changed logits by %g", d)
	}
}

func TestSteeringAtPositions(t *testing.T) {
	m := loadFixture(t, "qwen3")
	in := fixtureBatch(t, "qwen3")
	s := hook.ResidPost(0)
	vec := make([]float32, m.Config.Hidden)
	vec[5] = 1
	base, _ := m.Forward(in, Capture(s))
	st, err := m.Forward(in, Capture(s), WithInterventions(hook.AddVector(s, 2.5, vec).AtPositions(3)))
	if err != nil {
		t.Fatal(err)
	}
	a, b := f32(t, base, s), f32(t, st, s)
	S, D := len(in.InputIDs[0]), m.Config.Hidden
	for i := range a {
		tpos, d := (i/D)%S, i%D
		want := a[i]
		if tpos == 3 && d == 5 {
			want += 2.5
		}
		if b[i] != want {
			t.Fatalf("element %d (pos %d, dim %d): got %g want %g", i, tpos, d, b[i], want)
		}
	}
}

// TestDecodeMatchesForward: a left-padded prefill + decode steps through the
// KV cache give the logits of a cache-free forward of the whole batch.
func TestDecodeMatchesForward(t *testing.T) {
	for _, name := range []string{"mistral-sliding", "phimoe", "olmo2"} {
		t.Run(name, func(t *testing.T) {
			m := loadFixture(t, name)
			in := fixtureBatch(t, name)
			full, err := m.Forward(in)
			if err != nil {
				t.Fatal(err)
			}
			want, _, _ := full.Logits()
			B, T, V := len(in.InputIDs), len(in.InputIDs[0]), m.Config.Vocab
			n0 := T - 3
			c, _ := m.NewCache(B, T)
			keyMask := make([][]int, B)
			for b := range keyMask {
				keyMask[b] = make([]int, T)
				copy(keyMask[b], in.AttentionMask[b])
			}
			cut := func(rows [][]int, a, z int) [][]int {
				out := make([][]int, len(rows))
				for b := range rows {
					out[b] = rows[b][a:z]
				}
				return out
			}
			check := func(r *Result, from int) {
				got, shape, _ := r.Logits()
				for b := 0; b < B; b++ {
					for i := 0; i < shape[1]; i++ {
						if in.AttentionMask[b][from+i] == 0 {
							continue
						}
						g := got[(b*shape[1]+i)*V : (b*shape[1]+i+1)*V]
						w := want[(b*T+from+i)*V : (b*T+from+i+1)*V]
						if d := maxDiff(g, w); d > 2e-5 {
							t.Fatalf("row %d position %d: decode vs forward max diff %g", b, from+i, d)
						}
					}
				}
			}
			r, err := m.Step(c, StepInput{InputIDs: cut(in.InputIDs, 0, n0), PositionIDs: cut(in.PositionIDs, 0, n0), KeyMask: keyMask})
			if err != nil {
				t.Fatal(err)
			}
			check(r, 0)
			for s := n0; s < T; s++ {
				r, err := m.Step(c, StepInput{InputIDs: cut(in.InputIDs, s, s+1), PositionIDs: cut(in.PositionIDs, s, s+1), KeyMask: keyMask})
				if err != nil {
					t.Fatal(err)
				}
				check(r, s)
			}
			if c.Len != T {
				t.Fatalf("cache len %d, want %d", c.Len, T)
			}
			if _, err := m.Step(c, StepInput{InputIDs: cut(in.InputIDs, 0, 1)}); err == nil || !strings.Contains(err.Error(), "cache full") {
				t.Fatalf("overfull cache: err = %v", err)
			}
		})
	}
}

func TestBadInputErrors(t *testing.T) {
	m := loadFixture(t, "qwen3")
	in := fixtureBatch(t, "qwen3")
	cases := []struct {
		opt  Option
		want string
	}{
		{Capture(hook.Z(40)), "blocks.40.attn.hook_z: model has 2 layers"},
		{Capture(hook.RouterLogits(0)), "has no MoE block"},
		{WithInterventions(hook.AddVector(hook.ResidPost(0), 1, make([]float32, 7))), "vector has width 7, site needs 64"},
		{WithInterventions(hook.ZeroHeads(0, 9)), "head 9: site has 4 heads"},
		{WithInterventions(hook.ZeroNeurons(0, 1).AtPositions(99)), "position 99 outside"},
		{WithInterventions(hook.Intervention{Site: "blocks.0.attn.hook_pattern", Kind: hook.KindZero}), "not supported"},
		{WithInterventions(hook.Intervention{Site: "blocks.0.hook_resid_post", Kind: "explode"}), `unknown kind "explode"`},
	}
	for _, c := range cases {
		_, err := m.Forward(in, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want error containing %q, got %v", c.want, err)
		}
	}
	if _, err := m.Forward(Input{InputIDs: [][]int{{1, 2}, {3, 512}}}); err == nil || !strings.Contains(err.Error(), "input_ids[1][1] = 512 is outside the vocabulary [0, 512)") {
		t.Errorf("id out of range: %v", err)
	}
	if _, err := m.Forward(Input{InputIDs: [][]int{{1, 2}, {3}}}); err == nil || !strings.Contains(err.Error(), "row 1 has length 1") {
		t.Errorf("ragged batch: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	src := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3")
	cfg, _ := os.ReadFile(filepath.Join(src, "config.json"))
	weights, _ := os.ReadFile(filepath.Join(src, "model.safetensors"))
	write := func(cfgText string, w []byte) string {
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, "config.json"), []byte(cfgText), 0o644)
		if w != nil {
			os.WriteFile(filepath.Join(d, "model.safetensors"), w, 0o644)
		}
		return d
	}
	cases := []struct{ dir, want string }{
		{write(strings.Replace(string(cfg), `"qwen3"`, `"gpt9"`, 1), weights), `unknown model_type "gpt9"`},
		{write(strings.Replace(string(cfg), `"hidden_size": 64,`, ``, 1), weights), `missing required field "hidden_size"`},
		{write(strings.Replace(string(cfg), `"intermediate_size": 128`, `"intermediate_size": 100`, 1), weights), "config.json implies [100 64]"},
		{write(strings.Replace(string(cfg), `"tie_word_embeddings": true`, `"tie_word_embeddings": false`, 1), weights), "missing tensor lm_head.weight"},
		{write(strings.Replace(string(cfg), `"num_hidden_layers": 2`, `"num_hidden_layers": 1`, 1), weights), "unexpected tensor model.layers.1."},
		{write(string(cfg), nil), "model.safetensors"},
		{t.TempDir(), "no config.json"},
	}
	for _, c := range cases {
		_, err := Load(c.dir, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want error containing %q, got %v", c.want, err)
		}
	}
}

// Interventions act in decode steps exactly as in a forward.
func TestInterventionInStep(t *testing.T) {
	m := loadFixture(t, "qwen3_moe")
	ids := [][]int{{5, 9, 13, 200, 7, 31}}
	vec := make([]float32, m.Config.Hidden)
	for i := range vec {
		vec[i] = float32(i%5) * 0.1
	}
	ivs := []hook.Intervention{hook.ZeroHeads(0, 1, 3), hook.AddVector(hook.ResidPost(1), 2, vec),
		hook.ZeroNeurons(1, 0).Clone(hook.ExpertPost(1, 2))}
	full, err := m.Forward(Input{InputIDs: ids}, WithInterventions(ivs...))
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := full.Logits()
	c, _ := m.NewCache(1, 6)
	r, err := m.Step(c, StepInput{InputIDs: [][]int{ids[0][:4]}}, WithInterventions(ivs...))
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := r.Logits()
	for p := 4; p < 6; p++ {
		r, err := m.Step(c, StepInput{InputIDs: [][]int{ids[0][p : p+1]}}, WithInterventions(ivs...))
		if err != nil {
			t.Fatal(err)
		}
		l, _, _ := r.Logits()
		got = append(got, l...)
	}
	if d := maxDiff(got, want); d > 2e-5 {
		t.Fatalf("intervened decode differs from intervened forward by %g", d)
	}
}

func TestLastLogitsOnly(t *testing.T) {
	m := loadFixture(t, "phi3")
	in := fixtureBatch(t, "phi3")
	full, _ := m.Forward(in)
	last, err := m.Forward(in, LastLogitsOnly())
	if err != nil {
		t.Fatal(err)
	}
	a, _, _ := full.Logits()
	b, shape, _ := last.Logits()
	B, T, V := len(in.InputIDs), len(in.InputIDs[0]), m.Config.Vocab
	if shape[0] != B || shape[1] != 1 || shape[2] != V {
		t.Fatalf("shape %v", shape)
	}
	// Both compute the same lm_head dot products of length dModel; the matmul kernel may block
	// (and so sum) them in another order for B rows than for B·T rows. Reordering a float32
	// sum of K terms changes it by at most ~K·eps·Σ|h_i·w_i| (worst case) and typically
	// ~sqrt(K)·eps·|logit|; the bound below is the latter with a 4× margin, at the scale of
	// the largest logit.
	scale := 1.0
	for _, v := range a {
		scale = max(scale, math.Abs(float64(v)))
	}
	tol := 4 * math.Sqrt(float64(m.Config.Hidden)) * 0x1p-23 * scale
	for r := 0; r < B; r++ {
		if d := maxDiff(a[(r*T+T-1)*V:(r*T+T)*V], b[r*V:(r+1)*V]); d > tol {
			t.Fatalf("row %d: last-only logits differ by %g (bound %g)", r, d, tol)
		}
	}
	c, _ := m.NewCache(B, T)
	s, err := m.Step(c, StepInput{InputIDs: in.InputIDs, PositionIDs: in.PositionIDs, KeyMask: in.AttentionMask}, LastLogitsOnly())
	if err != nil {
		t.Fatal(err)
	}
	if _, shape, _ := s.Logits(); shape[1] != 1 {
		t.Fatalf("step shape %v", shape)
	}
}

func TestRowPositions(t *testing.T) {
	m := loadFixture(t, "qwen3")
	in := fixtureBatch(t, "qwen3")
	s := hook.ResidPost(0)
	vec := make([]float32, m.Config.Hidden)
	vec[0] = 1
	base, _ := m.Forward(in, Capture(s))
	st, err := m.Forward(in, Capture(s), WithInterventions(hook.AddVector(s, 1, vec).AtRowPositions([][]int{{2}, {7, 9}})))
	if err != nil {
		t.Fatal(err)
	}
	a, b := f32(t, base, s), f32(t, st, s)
	S, D := len(in.InputIDs[0]), m.Config.Hidden
	hit := map[[2]int]bool{{0, 2}: true, {1, 7}: true, {1, 9}: true}
	for i := range a {
		row, p, d := i/(S*D), (i/D)%S, i%D
		want := a[i]
		if d == 0 && hit[[2]int{row, p}] {
			want++
		}
		if b[i] != want {
			t.Fatalf("row %d pos %d dim %d: %g want %g", row, p, d, b[i], want)
		}
	}
	if _, err := m.Forward(in, WithInterventions(hook.ZeroHeads(0, 1).AtRowPositions([][]int{{1}}))); err == nil ||
		!strings.Contains(err.Error(), "row_positions has 1 rows, the call has 2") {
		t.Fatalf("err = %v", err)
	}
}

// Intervention.Rows limits the intervention to some batch rows, through the
// mask values only: other rows equal the plain run, and changing the rows
// reuses the compiled graph.
func TestInterventionRows(t *testing.T) {
	m := loadFixture(t, "llama")
	in := fixtureBatch(t, "llama")
	B := len(in.InputIDs)
	if B < 2 {
		t.Skip("fixture batch has one row")
	}
	base, err := m.Forward(in, Capture(hook.Z(0)))
	if err != nil {
		t.Fatal(err)
	}
	zb := f32(t, base, hook.Z(0))
	per := len(zb) / B
	t.Logf("batch %d, %d values per row", B, per)
	before := -1
	for _, rows := range [][]int{{1}, {0}, {}} {
		abl, err := m.Forward(in, Capture(hook.Z(0)), WithInterventions(hook.ZeroHeads(0, 2).AtRows(rows...)))
		if err != nil {
			t.Fatal(err)
		}
		if before < 0 {
			before = m.numCompiled()
		}
		za := f32(t, abl, hook.Z(0))
		for b := 0; b < B; b++ {
			changed := maxDiff(za[b*per:(b+1)*per], zb[b*per:(b+1)*per]) != 0
			if want := slices.Contains(rows, b); changed != want {
				t.Errorf("rows %v: row %d changed %v, want %v", rows, b, changed, want)
			}
		}
	}
	if n := m.numCompiled(); n != before {
		t.Errorf("changing Rows compiled %d more graphs", n-before)
	}
	if _, err := m.Forward(in, WithInterventions(hook.ZeroHeads(0, 2).AtRows(B))); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("row %d outside the %d rows", B, B)) {
		t.Errorf("row out of range: %v", err)
	}
}
