package finetune

import (
	"fmt"
	"runtime"
	"strings"
	"time"

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
	// TokenizerDir, if set, is where ExportMerged takes the tokenizer and
	// chat-template files from (the data was tokenised with it); otherwise
	// they come from the model directory.
	TokenizerDir string
	State        State

	mode    trainMode
	upd     updater
	mNames  []string          // model parameter names, graph-input order
	base    []*tensors.Tensor // the model's own parameters (never changed)
	auxCoef float64
	orders  map[int][][]int

	gradExec, accExec *graph.Exec
	// lastFwdBwd and lastUpdate time the phases of the last step (benchmarks).
	lastFwdBwd, lastUpdate time.Duration
	capExecs               map[string]*graph.Exec
}

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
		l, err := newLoRAMode(cfg.LoRA, Modules(m), cfg.Seed)
		if err != nil {
			return nil, err
		}
		t.mode = l
	case "full":
		f, err := newFullMode(m, t.mNames, t.base, cfg.DecayAll)
		if err != nil {
			return nil, err
		}
		t.mode = f
	}
	host := cfg.Update == "host" || ((cfg.Update == "" || cfg.Update == "auto") && strings.HasPrefix(m.Backend().Name(), "Go"))
	base := map[*tensors.Tensor]bool{}
	for _, b := range t.base {
		base[b] = true
	}
	tr := t.mode.trainables()
	var err error
	if host {
		t.upd, err = newHostUpdater(m.Backend(), cfg.AdamW, tr.decay, cfg.MaxGradNorm, tr.values, base)
	} else {
		t.upd, err = newGraphUpdater(m.Backend(), cfg.AdamW, tr.decay, cfg.MaxGradNorm, tr.values, base)
	}
	if err != nil {
		return nil, err
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
	var order [][]int
	order, err = t.order(0)
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

// Modules lists the model's LoRA-adaptable projections (HF module names,
// one per expert for the stacked experts).
func Modules(m *model.Model) []lora.Module {
	shapes := map[string][]int{}
	for _, n := range m.HFParamNames() {
		shapes[n] = m.ParamShape(n)
	}
	return lora.ModulesFromWeights(shapes)
}

// Adapter returns the LoRA adapter with the current factors (nil in full mode).
func (t *Trainer) Adapter() *lora.Adapter {
	if l, ok := t.mode.(*loraMode); ok {
		return l.current()
	}
	return nil
}

// params returns the trainable tensors (the mode's, updated by t.upd).
func (t *Trainer) params() *trainables { return t.mode.trainables() }

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
func (t *Trainer) modelParams() []*tensors.Tensor { return t.mode.modelInputs(t.base) }

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

// Params returns the current trainable parameters by name (LoRA: PEFT tensor
// names; full: HF names, each expert's weights separately) as float32 slices.
func (t *Trainer) Params() map[string][]float32 {
	out := map[string][]float32{}
	tr := t.params()
	for i, n := range tr.names {
		for _, p := range hfParts(t.Model, n, tr.values[i].Shape().Dimensions, tensors.MustCopyFlatData[float32](tr.values[i])) {
			out[p.name] = p.vals
		}
	}
	return out
}
