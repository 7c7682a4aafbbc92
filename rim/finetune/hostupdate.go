package finetune

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/optim"
)

// hostUpdater is the update on Go slices: the Go backend runs element-wise
// graph ops on one core with a temporary buffer per op, so AdamW over the
// 42M-parameter benchmark model took seconds in graph; here it is one fused
// loop per chunk on every core (optim.Step, bit-exact with torch's float32
// kernels).
//
// It works in place: the parameters are trainer-owned tensors that live in
// the backend's shared buffers where it has them (the Go backend), so the
// step writes the very memory the next forward reads — no host copy of the
// parameters, no new tensors, no transfer. The summed gradients are read
// (and scaled) in their output buffers. Only the moments m, v are Go slices.
type hostUpdater struct {
	a       optim.AdamW
	decay   []bool
	maxNorm float64
	m, v    [][]float32
}

// newHostUpdater takes ownership of ps: each element that is one of the
// model's own tensors (in base) is replaced by a copy, since the model's
// weights must never change; every element is then put on the backend's
// device, in a shared buffer where the backend has them.
func newHostUpdater(b compute.Backend, a optim.AdamW, decay []bool, maxNorm float64, ps []*tensors.Tensor, base map[*tensors.Tensor]bool) (*hostUpdater, error) {
	h := &hostUpdater{a: a, decay: decay, maxNorm: maxNorm}
	for i, p := range ps {
		if base[p] {
			c, err := tensors.FromShapeForBackend(b, 0, p.Shape())
			if err != nil {
				return nil, fmt.Errorf("finetune: copying parameter %d: %w", i, err)
			}
			if err := copyInto(c, p); err != nil {
				return nil, err
			}
			ps[i] = c
		}
		if err := ps[i].MaterializeOnDevice(b, true, 0); err != nil {
			return nil, fmt.Errorf("finetune: %w", err)
		}
		n := ps[i].Shape().Size()
		h.m, h.v = append(h.m, make([]float32, n)), append(h.v, make([]float32, n))
	}
	return h, nil
}

// copyInto copies src's values into dst (same shape, float32).
func copyInto(dst, src *tensors.Tensor) error {
	var err error
	cerr := tensors.ConstFlatData[float32](src, func(s []float32) {
		err = tensors.MutableFlatData[float32](dst, func(d []float32) { copy(d, s) })
	})
	if cerr != nil {
		return fmt.Errorf("finetune: %w", cerr)
	}
	if err != nil {
		return fmt.Errorf("finetune: %w", err)
	}
	return nil
}

// flatViews returns the float32 storage of ts without copying (a shared or
// output buffer's memory on the Go backend; the local copy elsewhere). The
// slices outlive the access callbacks: that is sound here because the
// updater owns the tensors for the whole update (no execution, transfer or
// finalisation touches them until it returns). mutable marks the tensors as
// written (device copies that are not shared are invalidated, so the next
// execution transfers the new values).
func flatViews(ts []*tensors.Tensor, mutable bool) ([][]float32, error) {
	out := make([][]float32, len(ts))
	for i, x := range ts {
		get := func(f []float32) { out[i] = f }
		var err error
		if mutable {
			err = tensors.MutableFlatData[float32](x, get)
		} else {
			err = tensors.ConstFlatData[float32](x, get)
		}
		if err != nil {
			return nil, fmt.Errorf("finetune: tensor %d: %w", i, err)
		}
	}
	return out, nil
}

func (h *hostUpdater) update(ps, acc []*tensors.Tensor, count, lr float64, step int) (float64, error) {
	defer finalize(acc...)
	// The summed gradients are this step's own outputs, finalised on
	// return: they are scaled where they lie.
	grads, err := flatViews(acc, false)
	if err != nil {
		return 0, err
	}
	norm := scaleAndNorm(grads, float32(1/count))
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return 0, fmt.Errorf("finetune: step %d: gradient norm is %v; weights left at step %d", step, norm, step-1)
	}
	if h.maxNorm > 0 {
		if c := float32(optim.ClipCoef(norm, h.maxNorm)); c < 1 {
			parallelChunks(grads, func(i, lo, hi int) {
				g := grads[i][lo:hi]
				for j := range g {
					g[j] *= c
				}
			})
		}
	}
	params, err := flatViews(ps, true)
	if err != nil {
		return 0, err
	}
	var mu sync.Mutex
	var stepErr error
	parallelChunks(grads, func(i, lo, hi int) {
		a := h.a
		if !h.decay[i] {
			a.WeightDecay = 0
		}
		if err := a.Step(params[i][lo:hi], grads[i][lo:hi], h.m[i][lo:hi], h.v[i][lo:hi], lr, step); err != nil {
			mu.Lock()
			stepErr = err
			mu.Unlock()
		}
	})
	return norm, stepErr
}

// scaleAndNorm multiplies every gradient by inv and returns the global L2
// norm of the result, bit-identical to optim.GlobalNorm of the scaled
// gradients (whose float64 sum depends on the order): each tensor is scaled
// and its sum of squares taken in one ordered pass on one goroutine, tensors
// run in parallel, and their sums are added in tensor order.
func scaleAndNorm(grads [][]float32, inv float32) float64 {
	sums := make([]float64, len(grads))
	next := make(chan int, len(grads))
	for i := range grads {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(grads)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				g := grads[i]
				var s float64
				for j := range g {
					g[j] *= inv
					x := g[j]
					s += float64(x) * float64(x)
				}
				sums[i] = s
			}
		}()
	}
	wg.Wait()
	var total float64
	for _, s := range sums {
		total += s
	}
	return math.Sqrt(total)
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

func (h *hostUpdater) moments(i int) (m, v []float32) {
	return append([]float32(nil), h.m[i]...), append([]float32(nil), h.v[i]...)
}

// load writes the parameters into the owned tensors in place.
func (h *hostUpdater) load(ps []*tensors.Tensor, vals, ms, vs [][]float32) error {
	params, err := flatViews(ps, true)
	if err != nil {
		return err
	}
	for i := range params {
		copy(params[i], vals[i])
	}
	h.m, h.v = ms, vs
	return nil
}
