package finetune

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/optim"
)

// hostUpdate is the update on Go slices: the Go backend runs element-wise
// graph ops on one core with a temporary buffer per op, so AdamW over the
// 42M-parameter benchmark model took seconds in graph; here it is one fused
// loop per chunk on every core (optim.Step, bit-exact with torch's float32
// kernels). It consumes acc.
func (t *Trainer) hostUpdate(acc []*tensors.Tensor, count float64, lr float64) (float64, error) {
	grads := make([][]float32, len(acc))
	for i, a := range acc {
		grads[i] = tensors.MustCopyFlatData[float32](a)
	}
	finalize(acc...)
	inv := float32(1 / count)
	parallelChunks(grads, func(i, lo, hi int) {
		g := grads[i][lo:hi]
		for j := range g {
			g[j] *= inv
		}
	})
	norm := optim.GlobalNorm(grads...)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return 0, fmt.Errorf("finetune: step %d: gradient norm is %v; weights left at step %d", t.State.Step+1, norm, t.State.Step)
	}
	if t.Cfg.MaxGradNorm > 0 {
		if c := float32(optim.ClipCoef(norm, t.Cfg.MaxGradNorm)); c < 1 {
			parallelChunks(grads, func(i, lo, hi int) {
				g := grads[i][lo:hi]
				for j := range g {
					g[j] *= c
				}
			})
		}
	}
	step := t.State.Step + 1
	var mu sync.Mutex
	var stepErr error
	parallelChunks(grads, func(i, lo, hi int) {
		a := t.Cfg.AdamW
		if !t.decay[i] {
			a.WeightDecay = 0
		}
		if err := a.Step(t.hp[i][lo:hi], grads[i][lo:hi], t.hm[i][lo:hi], t.hv[i][lo:hi], lr, step); err != nil {
			mu.Lock()
			stepErr = err
			mu.Unlock()
		}
	})
	if stepErr != nil {
		return 0, stepErr
	}
	ps := make([]*tensors.Tensor, len(t.hp))
	for i, p := range t.hp {
		ps[i] = tensors.FromFlatDataAndDimensions(p, t.params[i].Shape().Dimensions...)
	}
	t.swapParams(ps)
	return norm, nil
}

// parallelChunks calls fn on chunks [lo, hi) of every slice, on all cores.
func parallelChunks(xs [][]float32, fn func(i, lo, hi int)) {
	const chunk = 1 << 16
	type job struct{ i, lo, hi int }
	jobs := make(chan job, 64)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				fn(j.i, j.lo, j.hi)
			}
		}()
	}
	for i, x := range xs {
		for lo := 0; lo < len(x); lo += chunk {
			jobs <- job{i, lo, min(lo+chunk, len(x))}
		}
	}
	close(jobs)
	wg.Wait()
}

// swapParams installs new parameter tensors, freeing old ones that the
// model does not own.
func (t *Trainer) swapParams(ps []*tensors.Tensor) {
	owned := map[*tensors.Tensor]bool{}
	for _, b := range t.base {
		owned[b] = true
	}
	for i := range t.params {
		if !owned[t.params[i]] {
			finalize(t.params[i])
		}
		t.params[i] = ps[i]
	}
}

// moments returns the AdamW moments of trainable parameter i (copies).
func (t *Trainer) moments(i int) (m, v []float32) {
	if t.host {
		return append([]float32(nil), t.hm[i]...), append([]float32(nil), t.hv[i]...)
	}
	return tensors.MustCopyFlatData[float32](t.mom[i]), tensors.MustCopyFlatData[float32](t.vel[i])
}

// install sets parameters and moments from host slices (resume).
func (t *Trainer) install(ps, ms, vs [][]float32) {
	pt := make([]*tensors.Tensor, len(ps))
	for i := range ps {
		pt[i] = tensors.FromFlatDataAndDimensions(ps[i], t.params[i].Shape().Dimensions...)
	}
	if t.host {
		t.hp, t.hm, t.hv = ps, ms, vs
		t.swapParams(pt)
		return
	}
	mt, vt := make([]*tensors.Tensor, len(ps)), make([]*tensors.Tensor, len(ps))
	for i := range ps {
		dims := t.params[i].Shape().Dimensions
		mt[i] = tensors.FromFlatDataAndDimensions(ms[i], dims...)
		vt[i] = tensors.FromFlatDataAndDimensions(vs[i], dims...)
	}
	t.replace(pt, mt, vt)
}
