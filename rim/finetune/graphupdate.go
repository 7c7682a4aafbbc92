package finetune

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/optim"
)

// graphUpdater scales, clips and applies AdamW inside one compiled graph
// (the fast path on XLA): params, Σgrads, m, v, scalars → params', m', v',
// grad norm. The outputs replace the parameters and moments; the old ones
// are freed, except the model's own tensors (full mode's starting values).
type graphUpdater struct {
	a        optim.AdamW
	maxNorm  float64
	exec     *graph.Exec
	mom, vel []*tensors.Tensor
	base     map[*tensors.Tensor]bool
}

func newGraphUpdater(b compute.Backend, a optim.AdamW, decay []bool, maxNorm float64, ps []*tensors.Tensor, base map[*tensors.Tensor]bool) (*graphUpdater, error) {
	u := &graphUpdater{a: a, maxNorm: maxNorm, base: base}
	for _, p := range ps {
		u.mom = append(u.mom, tensors.FromShape(p.Shape()))
		u.vel = append(u.vel, tensors.FromShape(p.Shape()))
	}
	var err error
	u.exec, err = graph.NewExec(b, func(in []*graph.Node) []*graph.Node {
		n := (len(in) - 6) / 4
		sc := in[4*n:]
		inv, dec, stepSize, bc2, maxNorm, one := sc[0], sc[1], sc[2], sc[3], sc[4], sc[5]
		grads := make([]*graph.Node, n)
		for i := range grads {
			grads[i] = graph.Mul(in[n+i], inv)
		}
		grads, norm := optim.GraphClipGradNorm(grads, maxNorm)
		var ps, ms, vs []*graph.Node
		for i := 0; i < n; i++ {
			d := one
			if decay[i] {
				d = dec
			}
			p, m, v := a.GraphStep(in[i], grads[i], in[2*n+i], in[3*n+i], d, stepSize, bc2)
			ps, ms, vs = append(ps, p), append(ms, m), append(vs, v)
		}
		return append(append(append(ps, ms...), vs...), norm)
	})
	if err != nil {
		return nil, fmt.Errorf("finetune: %w", err)
	}
	return u, nil
}

func (u *graphUpdater) update(ps, acc []*tensors.Tensor, count, lr float64, step int) (float64, error) {
	sc := u.a.Scalars(lr, step)
	maxNorm := float32(math.Inf(1))
	if u.maxNorm > 0 {
		maxNorm = float32(u.maxNorm)
	}
	n := len(ps)
	args := make([]any, 0, 4*n+6)
	for _, l := range [][]*tensors.Tensor{ps, acc, u.mom, u.vel} {
		for _, x := range l {
			args = append(args, x)
		}
	}
	args = append(args, float32(1/count), float32(sc.Decay), float32(sc.StepSize), float32(sc.BC2Sqrt), maxNorm, float32(1))
	outs, err := u.exec.Exec(args...)
	finalize(acc...)
	if err != nil {
		return 0, fmt.Errorf("finetune: step %d: %w", step, err)
	}
	norm := scalar(outs[3*n])
	finalize(outs[3*n])
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		finalize(outs[:3*n]...)
		return 0, fmt.Errorf("finetune: step %d: gradient norm is %v; weights left at step %d", step, norm, step-1)
	}
	u.replace(ps, outs[:n], outs[n:2*n], outs[2*n:3*n])
	return norm, nil
}

// replace installs new parameters and moments, freeing the old ones (never
// the model's own tensors).
func (u *graphUpdater) replace(ps, nps, ms, vs []*tensors.Tensor) {
	for i := range ps {
		if !u.base[ps[i]] {
			finalize(ps[i])
		}
		finalize(u.mom[i], u.vel[i])
		ps[i], u.mom[i], u.vel[i] = nps[i], ms[i], vs[i]
	}
}

func (u *graphUpdater) moments(i int) (m, v []float32) {
	return tensors.MustCopyFlatData[float32](u.mom[i]), tensors.MustCopyFlatData[float32](u.vel[i])
}

func (u *graphUpdater) load(ps []*tensors.Tensor, vals, ms, vs [][]float32) error {
	nps, mt, vt := make([]*tensors.Tensor, len(ps)), make([]*tensors.Tensor, len(ps)), make([]*tensors.Tensor, len(ps))
	for i := range ps {
		dims := ps[i].Shape().Dimensions
		nps[i] = tensors.FromFlatDataAndDimensions(vals[i], dims...)
		mt[i] = tensors.FromFlatDataAndDimensions(ms[i], dims...)
		vt[i] = tensors.FromFlatDataAndDimensions(vs[i], dims...)
	}
	u.replace(ps, nps, mt, vt)
	return nil
}
