package model

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive

	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/safetensors"
)

// TestExpertStacks: every MoE fixture's experts are stored as one
// [E, out, in] tensor per layer and projection, holding each HF per-expert
// tensor of the file in its row (values equal), with no per-expert copies
// (the stored elements are exactly the checkpoint's); the HF names keep
// working through HFParamNames, HasParam, ParamShape and ParamFloat32.
func TestExpertStacks(t *testing.T) {
	for _, name := range moeFixtures {
		t.Run(name, func(t *testing.T) {
			dir := testpaths.Shared(t, "fixtures", "hf-tiny", name)
			m, err := Load(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			f, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			table := ParamTable(m.Config)
			var hf []string
			fileElems, stored := 0, 0
			for _, p := range table {
				hf = append(hf, p.Name)
				fileElems += shapeSize(p.Shape)
			}
			got := m.HFParamNames()
			slices.Sort(got)
			slices.Sort(hf)
			if !slices.Equal(got, hf) {
				t.Fatalf("HFParamNames: %d names, not the checkpoint table's %d", len(got), len(hf))
			}
			nStacks := 0
			for _, n := range m.ParamNames() {
				stored += m.Param(n).Shape().Size()
				if _, _, ok := splitExpertWeight(n); ok {
					t.Errorf("per-expert tensor %s is stored separately", n)
				}
				if m.StackMembers(n) != nil {
					nStacks++
				}
			}
			moeLayers := 0
			for L := 0; L < m.Config.NumLayers; L++ {
				if m.Config.IsMoELayer(L) {
					moeLayers++
				}
			}
			if nStacks != 3*moeLayers {
				t.Errorf("%d expert stacks, want 3 per MoE layer (%d)", nStacks, 3*moeLayers)
			}
			if stored != fileElems {
				t.Errorf("stored %d elements, the checkpoint has %d", stored, fileElems)
			}
			E := m.Config.NumExperts
			p := "model.layers.0." + m.Arch.moePrefix + "."
			for e := 0; e < E; e++ {
				g, u, d := expertNames(m.Arch, p, e)
				for _, mod := range []string{g, u, d} {
					w := mod + ".weight"
					stack, idx, ok := m.ExpertWeight(w)
					if !ok || idx != e || m.StackMembers(stack)[e] != w {
						t.Fatalf("%s: stored as %q row %d (%v)", w, stack, idx, ok)
					}
					want, shape, err := f.Float32(w)
					if err != nil {
						t.Fatal(err)
					}
					if !m.HasParam(w) || !slices.Equal(m.ParamShape(w), shape) {
						t.Errorf("%s: HasParam %v, shape %v, want %v", w, m.HasParam(w), m.ParamShape(w), shape)
					}
					if got := m.ParamShape(stack); !slices.Equal(got, append([]int{E}, shape...)) {
						t.Errorf("%s: shape %v", stack, got)
					}
					got, err := m.ParamFloat32(w)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(got, want) {
						t.Fatalf("%s: values differ from the file", w)
					}
				}
			}
		})
	}
}

// writeFixtureCopy writes dir's config and weights into a new directory,
// passing every tensor through edit (return false to drop it).
func writeFixtureCopy(t *testing.T, src string, edit func(name string, shape []int, v []float32) (safetensors.Tensor, bool)) string {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	var ts []safetensors.Tensor
	for _, n := range f.Names() {
		v, shape, err := f.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		if x, keep := edit(n, shape, v); keep {
			ts = append(ts, x)
		}
	}
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A missing or mis-shaped expert tensor is reported under its HF name.
func TestExpertStackBadInput(t *testing.T) {
	src := testpaths.Shared(t, "fixtures", "hf-tiny", "mixtral")
	const victim = "model.layers.1.block_sparse_moe.experts.2.w2.weight"
	missing := writeFixtureCopy(t, src, func(n string, shape []int, v []float32) (safetensors.Tensor, bool) {
		return safetensors.F32(n, shape, v), n != victim
	})
	if _, err := Load(missing, Options{}); err == nil || !strings.Contains(err.Error(), "missing tensor "+victim) {
		t.Errorf("missing expert: %v", err)
	}
	bad := writeFixtureCopy(t, src, func(n string, shape []int, v []float32) (safetensors.Tensor, bool) {
		if n == victim {
			return safetensors.F32(n, []int{shape[1], shape[0]}, v), true
		}
		return safetensors.F32(n, shape, v), true
	})
	if _, err := Load(bad, Options{}); err == nil || !strings.Contains(err.Error(), "tensor "+victim+" has shape") {
		t.Errorf("mis-shaped expert: %v", err)
	}
}

// bf16-stored experts: the stacks stay bf16 (converted after the slice or
// gather), sparse equals dense, both equal the float32 load of the same
// values, and gradients of bf16-stored experts come back float32.
func TestExpertStacksBF16(t *testing.T) {
	src := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3_moe")
	dir := writeFixtureCopy(t, src, func(n string, shape []int, v []float32) (safetensors.Tensor, bool) {
		return safetensors.BF16(n, shape, v), true
	})
	m32, err := Load(dir, Options{WeightDType: dtypes.Float32, MoE: MoEDense})
	if err != nil {
		t.Fatal(err)
	}
	defer m32.Close()
	in := fixtureBatch(t, "qwen3_moe")
	ref, err := m32.Forward(in)
	if err != nil {
		t.Fatal(err)
	}
	p := "model.layers.0." + m32.Arch.moePrefix + "."
	g1, _, d1 := expertNames(m32.Arch, p, 1)
	names := []string{g1 + ".weight", d1 + ".weight"}
	_, gref, err := m32.LossAndGrads(in, in.InputIDs, names...)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []MoEMode{MoEDense, MoESparse} {
		m, err := Load(dir, Options{MoE: mode})
		if err != nil {
			t.Fatal(err)
		}
		stack, _, _ := m.ExpertWeight(names[0])
		if dt := m.Param(stack).DType(); dt != dtypes.BFloat16 {
			t.Fatalf("%s: stack %s stored %s, want bf16", mode, stack, dt)
		}
		r, err := m.Forward(in)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(f32(t, ref, hook.Logits), f32(t, r, hook.Logits)); d > 1e-4 {
			t.Errorf("%s: bf16-stored logits differ from the float32 load by %.3g", mode, d)
		}
		_, gs, err := m.LossAndGrads(in, in.InputIDs, names...)
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range names {
			if gs[i].DType() != dtypes.Float32 {
				t.Errorf("%s: gradient of %s is %s", mode, n, gs[i].DType())
			}
			a, _ := tensorsCopy(gref[i])
			b, _ := tensorsCopy(gs[i])
			if d := maxDiff(a, b); d > 1e-5 {
				t.Errorf("%s: gradient of %s differs by %.3g", mode, n, d)
			}
		}
		m.Close()
	}
}

// Plan.ExpertsPlain: a custom Linear that leaves the experts alone keeps
// the experts computed from the stacks (the Linear never sees an expert
// name) with the same logits; without it every expert goes through the
// Linear by name.
func TestExpertsPlainUsesStacks(t *testing.T) {
	dir := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3_moe")
	m, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	in := fixtureBatch(t, "qwen3_moe")
	ref, err := m.Forward(in)
	if err != nil {
		t.Fatal(err)
	}
	ids, mask, pos, _, _, err := batchTensors(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []bool{false, true} {
		expertCalls := 0
		outs, err := m.RunGraph(fmt.Sprintf("plain=%v", plain), func(p ParamMap, x []*Node) []*Node {
			def := DefaultLinear(m.Config, p, m.hasParam)
			lin := func(name string, h *Node) *Node {
				if strings.Contains(name, ".experts.") {
					expertCalls++
				}
				return def(name, h)
			}
			out := m.Build(p, lin, GraphInputs{InputIDs: x[0], KeyMask: x[1], PositionIDs: x[2]}, Plan{ExpertsPlain: plain})
			return []*Node{out.Logits}
		}, ids, mask, pos)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := tensorsCopy(outs[0])
		if d := maxDiff(got, f32(t, ref, hook.Logits)); d > 1e-4 {
			t.Errorf("ExpertsPlain %v: logits differ from Forward by %.3g", plain, d)
		}
		if plain != (expertCalls == 0) {
			t.Errorf("ExpertsPlain %v: the Linear saw %d expert projections", plain, expertCalls)
		}
	}
}
