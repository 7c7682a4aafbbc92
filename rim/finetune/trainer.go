package finetune

import (
	"fmt"
	"math"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/finetune/lora"
	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/optim"
)

// State is the position of a run; it is saved in trainer_state.json.
type State struct {
	Step        int     `json:"global_step"`    // optimiser steps done
	Epoch       int     `json:"epoch"`          // current epoch, 0-based
	Batch       int     `json:"batch_in_epoch"` // next batch of the epoch's order
	TotalSteps  int     `json:"max_steps"`
	WarmupSteps int     `json:"warmup_steps"`
	StepsEpoch  int     `json:"steps_per_epoch"`
	Tokens      int64   `json:"num_input_tokens_seen"`
	Seed        uint64  `json:"seed"`
	History     []Entry `json:"log_history"`
}

// Entry is one logged optimiser step (HF trainer_state.json log_history style).
type Entry struct {
	Step         int     `json:"step"`
	Epoch        float64 `json:"epoch"`
	Loss         float64 `json:"loss"`               // mean over trained tokens of the step's batch
	AuxLoss      float64 `json:"aux_loss,omitempty"` // MoE load-balancing loss (before the coefficient)
	GradNorm     float64 `json:"grad_norm"`          // global norm before clipping
	LR           float64 `json:"learning_rate"`      // learning rate used by this step
	Tokens       int     `json:"tokens"`             // real tokens in the batch
	TokensPerSec float64 `json:"tokens_per_second"`
}

// Trainer fine-tunes a loaded model on examples.
type Trainer struct {
	Cfg   Config
	Model *model.Model
	Data  []sft.Example
	PadID int
	// Hooks run after optimiser steps (see Hook).
	Hooks []Hook
	// OnStep, if set, receives every step's entry (progress display).
	OnStep func(Entry)
	State  State

	adapter  *lora.Adapter
	mNames   []string          // model parameter names, graph-input order
	base     []*tensors.Tensor // model parameters (full mode: the initial values, owned by Model)
	tNames   []string          // trainable parameter names
	params   []*tensors.Tensor // trainable values
	mom, vel []*tensors.Tensor
	decay    []bool
	auxCoef  float64
	orders   map[int][][]int

	gradExec, updExec, accExec *graph.Exec
	// lastFwdBwd and lastUpdate time the phases of the last step (benchmarks).
	lastFwdBwd, lastUpdate time.Duration
	// host: AdamW runs on Go slices (optim.Step) instead of in the graph;
	// hp/hm/hv are then the authoritative parameters and moments.
	host       bool
	hp, hm, hv [][]float32
	capExecs   map[string]*graph.Exec
}

// noDecay is HF Trainer's rule (get_decay_parameter_names): no weight decay
// for biases and norm weights.
var noDecay = regexp.MustCompile(`bias|layernorm|rmsnorm|(^|\.)norm($|\.)|_norm($|\.)`)

// New prepares a trainer: a fresh LoRA adapter (seeded by cfg.Seed) or the
// model's weights for full fine-tuning, zero optimiser moments, the schedule
// length, and the compiled-graph builders.
func New(m *model.Model, data []sft.Example, padID int, cfg Config) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("finetune: empty dataset")
	}
	for i, e := range data {
		for _, id := range e.IDs {
			if id < 0 || id >= m.Config.Vocab {
				return nil, fmt.Errorf("finetune: example %d (line %d): token id %d outside the vocabulary [0, %d)", i, e.Line, id, m.Config.Vocab)
			}
		}
	}
	t := &Trainer{Cfg: cfg, Model: m, Data: data, PadID: padID, orders: map[int][][]int{}, capExecs: map[string]*graph.Exec{}}
	t.mNames = m.ParamNames()
	for _, n := range t.mNames {
		t.base = append(t.base, m.Param(n))
	}
	switch cfg.Mode {
	case "lora":
		a, err := lora.New(cfg.LoRA, Modules(m), cfg.Seed)
		if err != nil {
			return nil, err
		}
		t.adapter = a
		for _, p := range a.Pairs {
			an, bn := lora.TensorNames(p.Module.Name)
			t.tNames = append(t.tNames, an, bn)
			t.params = append(t.params, tensors.FromFlatDataAndDimensions(append([]float32(nil), p.A...), cfg.LoRA.R, p.Module.In),
				tensors.FromFlatDataAndDimensions(append([]float32(nil), p.B...), p.Module.Out, cfg.LoRA.R))
			t.decay = append(t.decay, true, true)
		}
	case "full":
		t.tNames = append([]string(nil), t.mNames...)
		t.params = append([]*tensors.Tensor(nil), t.base...)
		for _, n := range t.tNames {
			t.decay = append(t.decay, cfg.DecayAll || !noDecay.MatchString(strings.ToLower(n)))
		}
	}
	switch cfg.Update {
	case "host":
		t.host = true
	case "", "auto":
		t.host = strings.HasPrefix(m.Backend().Name(), "Go")
	}
	for _, p := range t.params {
		if t.host {
			t.hp = append(t.hp, tensors.MustCopyFlatData[float32](p))
			t.hm = append(t.hm, make([]float32, p.Shape().Size()))
			t.hv = append(t.hv, make([]float32, p.Shape().Size()))
		} else {
			t.mom = append(t.mom, tensors.FromShape(p.Shape()))
			t.vel = append(t.vel, tensors.FromShape(p.Shape()))
		}
	}
	if m.Config.NumExperts > 0 {
		t.auxCoef = 0.001 // transformers' default router_aux_loss_coef
		if v, ok := m.Config.Raw("router_aux_loss_coef").(float64); ok {
			t.auxCoef = v
		}
		if cfg.AuxLossCoef != nil {
			t.auxCoef = *cfg.AuxLossCoef
		}
	}
	order, err := t.order(0)
	if err != nil {
		return nil, err
	}
	t.State = State{StepsEpoch: len(order), Seed: cfg.Seed}
	t.State.TotalSteps = cfg.Epochs * len(order)
	if cfg.MaxSteps > 0 {
		t.State.TotalSteps = cfg.MaxSteps
	}
	t.State.WarmupSteps = optim.WarmupSteps(t.State.TotalSteps, cfg.WarmupRatio)
	return t, nil
}

// Modules lists the model's LoRA-adaptable projections.
func Modules(m *model.Model) []lora.Module {
	shapes := map[string][]int{}
	for _, n := range m.ParamNames() {
		shapes[n] = m.Param(n).Shape().Dimensions
	}
	return lora.ModulesFromWeights(shapes)
}

// Adapter returns the LoRA adapter with the current factors (nil in full mode).
func (t *Trainer) Adapter() *lora.Adapter {
	if t.adapter == nil {
		return nil
	}
	for i, p := range t.adapter.Pairs {
		p.A = tensors.MustCopyFlatData[float32](t.params[2*i])
		p.B = tensors.MustCopyFlatData[float32](t.params[2*i+1])
	}
	return t.adapter
}

// Schedule is the learning-rate schedule of this run.
func (t *Trainer) Schedule() optim.Schedule {
	return optim.Schedule{Kind: t.Cfg.Schedule, WarmupSteps: t.State.WarmupSteps, TotalSteps: t.State.TotalSteps}
}

func (t *Trainer) order(epoch int) ([][]int, error) {
	if o, ok := t.orders[epoch]; ok {
		return o, nil
	}
	lengths := make([]int, len(t.Data))
	for i, e := range t.Data {
		lengths[i] = len(e.IDs)
	}
	o, err := sft.Order(lengths, t.Cfg.BatchSize, t.Cfg.Bucket, t.Cfg.Seed, epoch)
	if err != nil {
		return nil, err
	}
	t.orders = map[int][][]int{epoch: o} // keep one epoch
	return o, nil
}

// modelParams returns the model-parameter inputs (current weights in full mode).
func (t *Trainer) modelParams() []*tensors.Tensor {
	if t.Cfg.Mode == "full" {
		return t.params
	}
	return t.base
}

// buildForward builds the forward of the current weights inside a graph
// whose first inputs are the model parameters then (LoRA) the factors.
// rng, when non-nil, is the RNG state of LoRA dropout (training only).
func (t *Trainer) buildForward(in []*graph.Node, gi model.GraphInputs, plan model.Plan, rng *graph.Node) (*model.GraphOutputs, []*graph.Node) {
	np := len(t.mNames)
	pm := model.ParamMap{}
	for i, n := range t.mNames {
		pm[n] = in[i]
	}
	has := func(n string) bool { _, ok := pm[n]; return ok }
	lin := model.DefaultLinear(t.Model.Config, pm, has)
	var wrt []*graph.Node
	if t.adapter != nil {
		fs := map[string]lora.Factors{}
		for i, p := range t.adapter.Pairs {
			f := lora.Factors{A: in[np+2*i], B: in[np+2*i+1]}
			fs[p.Module.Name] = f
			wrt = append(wrt, f.A, f.B)
		}
		var dropout func(*graph.Node) *graph.Node
		if p := t.Cfg.LoRA.Dropout; p > 0 && rng != nil {
			// PEFT's nn.Dropout(p) on the LoRA branch's input: keep with
			// probability 1-p, scaled by 1/(1-p). The state is threaded through
			// the calls in graph-building order.
			state := rng
			dropout = func(x *graph.Node) *graph.Node {
				var u *graph.Node
				state, u = graph.RandomUniform(state, x.Shape())
				keep := graph.GreaterOrEqual(u, graph.Scalar(x.Graph(), x.DType(), p))
				return graph.Where(keep, graph.MulScalar(x, 1/(1-p)), graph.ZerosLike(x))
			}
		}
		lin = lora.WrapLinear(lin, fs, t.Cfg.LoRA.Scaling(), dropout)
	} else {
		wrt = in[:np]
	}
	return t.Model.Build(pm, lin, gi, plan), wrt
}

func (t *Trainer) nInputs() int {
	if t.adapter != nil {
		return len(t.mNames) + len(t.params)
	}
	return len(t.mNames)
}

func (t *Trainer) weightArgs() []any {
	var args []any
	for _, p := range t.modelParams() {
		args = append(args, p)
	}
	if t.adapter != nil {
		for _, p := range t.params {
			args = append(args, p)
		}
	}
	return args
}

// compile creates the three executables (each caches one compilation per input shape):
// grad: weights + batch → [Σ token losses, aux loss, #trained, grads of Σ...],
// acc: element-wise sums of two gradient lists,
// upd: params, Σgrads, m, v, scalars → params', m', v', grad norm (scale by
// 1/#trained, clip, AdamW).
func (t *Trainer) compile() error {
	if t.gradExec != nil {
		return nil
	}
	b := t.Model.Backend()
	nw := t.nInputs()
	var err error
	t.gradExec, err = graph.NewExec(b, func(in []*graph.Node) []*graph.Node {
		ids, mask, pos, labels, rng := in[nw], in[nw+1], in[nw+2], in[nw+3], in[nw+4]
		out, wrt := t.buildForward(in, model.GraphInputs{InputIDs: ids, KeyMask: mask, PositionIDs: pos}, model.Plan{}, rng)
		g := ids.Graph()
		// labels are the shifted targets (see batchTensors).
		count := graph.ReduceAllSum(graph.ConvertDType(graph.NotEqual(labels, graph.Const(g, int32(sft.IgnoreIndex))), dtypes.Float32))
		sum := sumTokenLoss(out.Logits, labels)
		total := sum
		aux := graph.ScalarZero(g, dtypes.Float32)
		if t.auxCoef > 0 && len(out.RouterLogits) > 0 {
			aux = model.LoadBalancingLoss(out.RouterLogits, mask, t.Model.Config.NumExperts, t.Model.Config.TopK)
			total = graph.Add(sum, graph.Mul(graph.MulScalar(aux, t.auxCoef), graph.StopGradient(count)))
		}
		return append([]*graph.Node{sum, aux, count}, graph.Gradient(total, wrt...)...)
	})
	if err != nil {
		return err
	}
	t.gradExec.SetMaxCache(64)
	t.accExec, err = graph.NewExec(b, func(in []*graph.Node) []*graph.Node {
		n := len(in) / 2
		out := make([]*graph.Node, n)
		for i := range out {
			out[i] = graph.Add(in[i], in[n+i])
		}
		return out
	})
	if err != nil {
		return err
	}
	a := t.Cfg.AdamW
	t.updExec, err = graph.NewExec(b, func(in []*graph.Node) []*graph.Node {
		n := (len(in) - 6) / 4
		sc := in[4*n:]
		inv, decay, stepSize, bc2, maxNorm, one := sc[0], sc[1], sc[2], sc[3], sc[4], sc[5]
		grads := make([]*graph.Node, n)
		for i := range grads {
			grads[i] = graph.Mul(in[n+i], inv)
		}
		grads, norm := optim.GraphClipGradNorm(grads, maxNorm)
		var ps, ms, vs []*graph.Node
		for i := 0; i < n; i++ {
			d := one
			if t.decay[i] {
				d = decay
			}
			p, m, v := a.GraphStep(in[i], grads[i], in[2*n+i], in[3*n+i], d, stepSize, bc2)
			ps, ms, vs = append(ps, p), append(ms, m), append(vs, v)
		}
		return append(append(append(ps, ms...), vs...), norm)
	})
	return err
}

// concurrent is how many micro-batches run at once: Cfg.Concurrent, or
// when 0 the number of CPUs on the Go backend (which runs a graph's
// element-wise ops on the calling goroutine) and 1 elsewhere.
func (t *Trainer) concurrent() int {
	if t.Cfg.Concurrent > 0 {
		return t.Cfg.Concurrent
	}
	if strings.HasPrefix(t.Model.Backend().Name(), "Go") {
		return runtime.NumCPU()
	}
	return 1
}

// materialize puts tensors on the model's device (no-op when already there).
func (t *Trainer) materialize(args []any) error {
	for _, a := range args {
		if x, ok := a.(*tensors.Tensor); ok {
			if err := x.MaterializeOnDevice(t.Model.Backend(), false, 0); err != nil {
				return fmt.Errorf("finetune: %w", err)
			}
		}
	}
	return nil
}

// dropoutSeed derives the dropout RNG seed of a micro-batch from the run
// seed and its position, so that a resumed run draws the same masks without
// saving RNG state (splitmix64 finaliser).
func dropoutSeed(seed uint64, step, micro int) uint64 {
	z := seed + 0x9e3779b97f4a7c15*uint64(step*1024+micro+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return (z ^ (z >> 31)) >> 1
}

// batchTensors pads a micro-batch and returns ids, mask, positions and the
// shifted targets [B,S] int32: target[b,t] = label[b,t+1], -100 at t = S-1
// (the HF shift, done on the host).
func (t *Trainer) batchTensors(idx []int) ([]any, int, error) {
	exs := make([]sft.Example, len(idx))
	for i, j := range idx {
		exs[i] = t.Data[j]
	}
	p := sft.Pad(exs, t.PadID, t.Cfg.PadMultiple, 0)
	B, S := len(p.IDs), len(p.IDs[0])
	ids, mask, pos, lab := make([]int32, B*S), make([]int32, B*S), make([]int32, B*S), make([]int32, B*S)
	real := 0
	for b := 0; b < B; b++ {
		for s := 0; s < S; s++ {
			k := b*S + s
			ids[k], mask[k], lab[k] = int32(p.IDs[b][s]), int32(p.Mask[b][s]), sft.IgnoreIndex
			if s+1 < S {
				lab[k] = int32(p.Labels[b][s+1])
			}
			real += p.Mask[b][s]
		}
	}
	copy(pos, model.DefaultPositions(mask, B, S))
	return []any{tensors.FromFlatDataAndDimensions(ids, B, S), tensors.FromFlatDataAndDimensions(mask, B, S),
		tensors.FromFlatDataAndDimensions(pos, B, S), tensors.FromFlatDataAndDimensions(lab, B, S)}, real, nil
}

func scalar(t *tensors.Tensor) float64 { return float64(tensors.MustCopyFlatData[float32](t)[0]) }

// Step runs one optimiser step: forward+backward over the next batch in
// micro-batches, gradient accumulation, then (in graph) scaling by the number
// of trained tokens, clipping, and AdamW at the scheduled learning rate.
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
	sc := t.Cfg.AdamW.Scalars(lr, t.State.Step+1)
	tu := time.Now()
	var norm float64
	if t.host {
		norm, err = t.hostUpdate(acc, count, lr)
	} else {
		norm, err = t.graphUpdate(acc, count, sc)
	}
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

// graphUpdate scales, clips and applies AdamW inside one compiled graph
// (the fast path on XLA); it consumes acc.
func (t *Trainer) graphUpdate(acc []*tensors.Tensor, count float64, sc optim.Scalars) (float64, error) {
	maxNorm := float32(math.Inf(1))
	if t.Cfg.MaxGradNorm > 0 {
		maxNorm = float32(t.Cfg.MaxGradNorm)
	}
	n := len(t.params)
	args := make([]any, 0, 4*n+6)
	for _, l := range [][]*tensors.Tensor{t.params, acc, t.mom, t.vel} {
		for _, x := range l {
			args = append(args, x)
		}
	}
	args = append(args, float32(1/count), float32(sc.Decay), float32(sc.StepSize), float32(sc.BC2Sqrt), maxNorm, float32(1))
	outs, err := t.updExec.Exec(args...)
	finalize(acc...)
	if err != nil {
		return 0, fmt.Errorf("finetune: step %d: %w", t.State.Step+1, err)
	}
	norm := scalar(outs[3*n])
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		finalize(outs...)
		return 0, fmt.Errorf("finetune: step %d: gradient norm is %v; weights left at step %d", t.State.Step+1, norm, t.State.Step)
	}
	t.replace(outs[:n], outs[n:2*n], outs[2*n:3*n])
	finalize(outs[3*n])
	return norm, nil
}

// replace installs new trainable values and moments, freeing the old ones
// (never the model's own tensors).
func (t *Trainer) replace(ps, ms, vs []*tensors.Tensor) {
	owned := map[*tensors.Tensor]bool{}
	for _, b := range t.base {
		owned[b] = true
	}
	for i := range t.params {
		if !owned[t.params[i]] {
			finalize(t.params[i])
		}
		finalize(t.mom[i], t.vel[i])
		t.params[i], t.mom[i], t.vel[i] = ps[i], ms[i], vs[i]
	}
}

func finalize(ts ...*tensors.Tensor) {
	for _, x := range ts {
		if x != nil {
			_ = x.FinalizeAll()
		}
	}
}

// Params returns the current trainable parameters by name (LoRA: PEFT tensor
// names; full: HF names) as float32 slices.
func (t *Trainer) Params() map[string][]float32 {
	out := map[string][]float32{}
	for i, n := range t.tNames {
		out[n] = tensors.MustCopyFlatData[float32](t.params[i])
	}
	return out
}
