package finetune

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Step runs one optimiser step: forward+backward over the next batch in
// micro-batches (Cfg.Concurrent at a time), gradient accumulation, then
// scaling by the number of trained tokens, clipping, and AdamW at the
// scheduled learning rate (on Go slices or in graph, see Config.Update).
// A non-finite loss or gradient norm is an error naming the step; the
// weights are then left as they were before the step.
func (t *Trainer) Step() (Entry, error) {
	if t.State.Step >= t.State.TotalSteps {
		return Entry{}, fmt.Errorf("finetune: run is complete (%d steps)", t.State.TotalSteps)
	}
	if err := t.compile(); err != nil {
		return Entry{}, err
	}
	start := time.Now()
	order, err := t.order(t.State.Epoch)
	if err != nil {
		return Entry{}, err
	}
	batch := order[t.State.Batch]
	mb := t.Cfg.micro()
	// Forward+backward of the micro-batches, up to Cfg.Concurrent at a
	// time (with sequential op scheduling this keeps both cores busy on the
	// element-wise ops); gradients are then summed in micro-batch order, so
	// the result does not depend on the concurrency.
	var micros [][]int
	for s := 0; s < len(batch); s += mb {
		micros = append(micros, batch[s:min(s+mb, len(batch))])
	}
	results := make([][]*tensors.Tensor, len(micros))
	errs := make([]error, len(micros))
	tokens := 0
	weights := t.weightArgs()
	conc := t.concurrent()
	if conc > 1 {
		// A tensor's first transfer to the device is not safe to race:
		// do it here, once, before the concurrent executions.
		if err := t.materialize(weights); err != nil {
			return Entry{}, err
		}
	}
	for w := 0; w < len(micros); w += conc {
		var wg sync.WaitGroup
		for k := w; k < min(w+conc, len(micros)); k++ {
			bt, real, err := t.batchTensors(micros[k])
			if err != nil {
				return Entry{}, err
			}
			tokens += real
			rng, err := graph.RNGStateFromSeed(int64(dropoutSeed(t.Cfg.Seed, t.State.Step, k)))
			if err != nil {
				return Entry{}, err
			}
			args := append(append(append([]any(nil), weights...), bt...), rng)
			if conc > 1 {
				if err := t.materialize(append(bt, rng)); err != nil {
					return Entry{}, err
				}
			}
			wg.Add(1)
			go func(k int, args []any) {
				defer wg.Done()
				results[k], errs[k] = t.gradExec.Exec(args...)
			}(k, args)
		}
		wg.Wait()
	}
	for k, err := range errs {
		if err != nil {
			for _, r := range results {
				finalize(r...)
			}
			return Entry{}, fmt.Errorf("finetune: step %d: micro-batch %d: %w", t.State.Step+1, k, err)
		}
	}
	var acc []*tensors.Tensor
	var sum, aux, count float64
	nMicro := len(micros)
	for _, outs := range results {
		sum += scalar(outs[0])
		aux += scalar(outs[1])
		count += scalar(outs[2])
		if acc == nil {
			acc = outs[3:]
			continue
		}
		args := make([]any, 0, 2*len(acc))
		for _, a := range acc {
			args = append(args, a)
		}
		for _, g := range outs[3:] {
			args = append(args, g)
		}
		next, err := t.accExec.Exec(args...)
		if err != nil {
			return Entry{}, err
		}
		finalize(acc...)
		finalize(outs[3:]...)
		acc = next
	}
	t.lastFwdBwd = time.Since(start)
	loss := sum / count
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		finalize(acc...)
		return Entry{}, fmt.Errorf("finetune: step %d: loss is %v; weights left at step %d", t.State.Step+1, loss, t.State.Step)
	}
	lr := t.Cfg.AdamW.LR * t.Schedule().Factor(t.State.Step)
	tu := time.Now()
	norm, err := t.upd.update(t.params().values, acc, count, lr, t.State.Step+1)
	t.lastUpdate = time.Since(tu)
	if err != nil {
		return Entry{}, err
	}
	t.State.Step++
	t.State.Batch++
	if t.State.Batch >= len(order) {
		t.State.Epoch++
		t.State.Batch = 0
	}
	t.State.Tokens += int64(tokens)
	el := time.Since(start).Seconds()
	e := Entry{Step: t.State.Step, Epoch: float64(t.State.Epoch) + float64(t.State.Batch)/float64(len(order)),
		Loss: loss, GradNorm: norm, LR: lr, Tokens: tokens, TokensPerSec: float64(tokens) / el}
	if t.auxCoef > 0 {
		e.AuxLoss = aux / float64(nMicro)
	}
	t.State.History = append(t.State.History, e)
	if t.OnStep != nil {
		t.OnStep(e)
	}
	return e, nil
}
