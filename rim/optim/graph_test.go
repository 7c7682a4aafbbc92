package optim

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/rimlab/rim/rim/backend"
)

// TestGraphStepMatchesHost runs three in-graph AdamW steps with a single
// compiled executable (scalars as inputs) and compares with Step on slices.
func TestGraphStepMatchesHost(t *testing.T) {
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	a := AdamW{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
	exec, err := graph.NewExec(b, func(in []*graph.Node) []*graph.Node {
		p, m, v := a.GraphStep(in[0], in[1], in[2], in[3], in[4], in[5], in[6])
		return []*graph.Node{p, m, v}
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 37
	p := make([]float32, n)
	for i := range p {
		p[i] = float32(math.Sin(float64(i) + 1))
	}
	hp := append([]float32(nil), p...)
	hm, hv := make([]float32, n), make([]float32, n)
	gp := tensors.FromFlatDataAndDimensions(append([]float32(nil), p...), n)
	gm := tensors.FromFlatDataAndDimensions(make([]float32, n), n)
	gv := tensors.FromFlatDataAndDimensions(make([]float32, n), n)
	for step := 1; step <= 3; step++ {
		g := make([]float32, n)
		for i := range g {
			g[i] = float32(math.Cos(float64(i*step))) * 0.01
		}
		lr := a.LR * float64(step)
		if err := a.Step(hp, g, hm, hv, lr, step); err != nil {
			t.Fatal(err)
		}
		s := a.Scalars(lr, step)
		out, err := exec.Exec(gp, tensors.FromFlatDataAndDimensions(g, n), gm, gv,
			float32(s.Decay), float32(s.StepSize), float32(s.BC2Sqrt))
		if err != nil {
			t.Fatal(err)
		}
		gp, gm, gv = out[0], out[1], out[2]
	}
	got := tensors.MustCopyFlatData[float32](gp)
	for i := range got {
		if d := math.Abs(float64(got[i] - hp[i])); d > 1e-7 {
			t.Fatalf("p[%d]: graph %v host %v", i, got[i], hp[i])
		}
	}
}

func TestGraphClipGradNorm(t *testing.T) {
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	exec, err := graph.NewExec(b, func(in []*graph.Node) []*graph.Node {
		clipped, norm := GraphClipGradNorm(in[:2], in[2])
		return append(clipped, norm)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec([]float32{3, 0}, []float32{0, 4}, float32(1))
	if err != nil {
		t.Fatal(err)
	}
	norm := tensors.MustCopyFlatData[float32](out[2])[0]
	a := tensors.MustCopyFlatData[float32](out[0])
	if norm != 5 || math.Abs(float64(a[0])-3/(5+1e-6)) > 1e-7 {
		t.Fatalf("norm %v clipped %v", norm, a)
	}
	out, err = exec.Exec([]float32{0.3, 0}, []float32{0, 0.4}, float32(1))
	if err != nil {
		t.Fatal(err)
	}
	if a := tensors.MustCopyFlatData[float32](out[0]); a[0] != 0.3 {
		t.Fatalf("unclipped changed: %v", a)
	}
}
