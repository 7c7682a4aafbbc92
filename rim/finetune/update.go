package finetune

import (
	"github.com/gomlx/gomlx/core/tensors"
)

// updater is the optimiser step of a run: scaling of the summed gradients by
// 1/#trained tokens, global-norm clipping and AdamW, all with torch's
// arithmetic. hostUpdater (hostupdate.go) runs it on Go slices on every core
// and updates the parameters in place; graphUpdater (graphupdate.go) runs it
// in one compiled graph (the fast path on XLA). Config.Update chooses.
type updater interface {
	// update applies one step (1-based) at learning rate lr to ps, in place
	// or by replacing its elements, from grads (summed over count trained
	// tokens), which it consumes. It returns the gradient norm before
	// clipping. On a non-finite norm it returns an error and leaves ps and
	// the moments unchanged.
	update(ps, grads []*tensors.Tensor, count, lr float64, step int) (float64, error)
	// moments returns the AdamW moments of trainable i (copies).
	moments(i int) (m, v []float32)
	// load sets the parameters (in ps) and moments from host slices (resume);
	// it takes ownership of the slices.
	load(ps []*tensors.Tensor, vals, ms, vs [][]float32) error
}

func finalize(ts ...*tensors.Tensor) {
	for _, x := range ts {
		if x != nil {
			_ = x.FinalizeAll()
		}
	}
}
