// Package finetune is rim's supervised fine-tuning: LoRA (PEFT format, see
// rim/finetune/lora) or full fine-tuning of a loaded rim/model, with the
// causal-LM loss on assistant tokens (rim/finetune/sft), AdamW with torch
// semantics and HF schedules (rim/optim) applied in place on the host or
// inside the compiled graph (an updater, see Config.Update),
// gradient accumulation, clipping, the MoE load-balancing auxiliary loss,
// NaN/Inf detection, atomic checkpoints with bit-for-bit resume, training
// hooks that capture activations on probe batches at every checkpoint, and
// export of a merged Hugging Face model directory.
//
// The paper's recipe is Paper() (docs/paper.md §5.3, Table A5).
package finetune

import (
	"fmt"
	"math"

	"github.com/rimlab/rim/rim/finetune/lora"
	"github.com/rimlab/rim/rim/optim"
)

// Config holds every hyper-parameter of a run. It is saved in the run
// directory; resuming requires the same values.
type Config struct {
	Mode        string      `json:"mode"` // "lora" or "full"
	LoRA        lora.Config `json:"lora"`
	AdamW       optim.AdamW `json:"adamw"`        // AdamW.LR is the peak learning rate
	Schedule    string      `json:"schedule"`     // cosine (default), linear, constant
	WarmupRatio float64     `json:"warmup_ratio"` // warmup steps = ceil(total*ratio), as HF
	Epochs      int         `json:"epochs"`
	MaxSteps    int         `json:"max_steps"`               // > 0: stop after this many optimiser steps (and size the schedule by it)
	BatchSize   int         `json:"batch_size"`              // examples per optimiser step (effective batch)
	MicroBatch  int         `json:"micro_batch"`             // examples per forward/backward; BatchSize/MicroBatch accumulation steps (0 = BatchSize)
	MaxGradNorm float64     `json:"max_grad_norm"`           // global-norm clipping (0 = off); HF Trainer default 1.0
	AuxLossCoef *float64    `json:"aux_loss_coef,omitempty"` // MoE aux loss coefficient; nil = config.json router_aux_loss_coef
	Seed        uint64      `json:"seed"`
	Bucket      int         `json:"bucket"`       // length-bucketing groups of Bucket batches (1 = plain shuffle)
	PadMultiple int         `json:"pad_multiple"` // pad sequence length to a multiple of this (fewer compilations)
	SaveEvery   int         `json:"save_every"`   // checkpoint every N optimiser steps (0 = only at the end)
	Keep        int         `json:"keep"`         // checkpoints kept (0 = all)
	LogEvery    int         `json:"log_every"`
	// DecayAll applies weight decay to every parameter, as a plain
	// torch.optim.AdamW(model.parameters()) does; by default biases and norm
	// weights are excluded, as the HF Trainer does.
	DecayAll bool `json:"decay_all,omitempty"`
	// Update says where AdamW runs: "graph" (in the compiled graph: best on
	// XLA), "host" (Go slices on all cores: faster on the Go backend), or ""
	// / "auto" (host on the Go backend, graph otherwise). Both are torch's
	// arithmetic; the host path is bit-exact with torch's float32 kernels.
	Update string `json:"update,omitempty"`
	// Concurrent runs up to this many micro-batches' forward+backward at
	// once (0: the number of CPUs on the Go backend, where it nearly halves
	// the step time on 2 cores; 1 elsewhere). Results do not depend on it:
	// gradients are summed in micro-batch order.
	Concurrent int `json:"concurrent,omitempty"`
	// GradCheckpoint recomputes each decoder layer's activations in the
	// backward pass instead of keeping them (GoMLX gradient checkpointing):
	// less memory for long sequences, more compute. Results are identical.
	GradCheckpoint bool `json:"grad_checkpoint,omitempty"`
}

// Paper returns the paper's fine-tuning recipe (docs/paper.md §5.3): LoRA r 32,
// alpha 64, rsLoRA, dropout 0 on attention and MLP projections; AdamW lr 1e-5,
// weight decay 0.01 (torch's betas/eps); cosine schedule with 10% warmup;
// batch 32. Not given by the paper and taken from HF Trainer defaults:
// max_grad_norm 1.0, seed 42. Epochs: 7 for MATH401/MATH500, 3 for GSM8K
// (set Epochs accordingly; the preset says 3).
func Paper() Config {
	a := optim.TorchDefaults()
	a.LR, a.WeightDecay = 1e-5, 0.01
	return Config{Mode: "lora", LoRA: lora.Paper(), AdamW: a, Schedule: "cosine", WarmupRatio: 0.1,
		Epochs: 3, BatchSize: 32, MicroBatch: 8, MaxGradNorm: 1.0, Seed: 42, Bucket: 8, PadMultiple: 32, LogEvery: 1}
}

// Validate reports the first bad value, naming it.
func (c *Config) Validate() error {
	switch c.Mode {
	case "lora":
		if err := c.LoRA.Validate(); err != nil {
			return err
		}
	case "full":
	default:
		return fmt.Errorf("finetune: mode %q: want lora or full", c.Mode)
	}
	switch c.Update {
	case "", "auto", "host", "graph":
	default:
		return fmt.Errorf("finetune: update %q: want auto, host or graph", c.Update)
	}
	if err := c.AdamW.Validate(); err != nil {
		return err
	}
	if err := (optim.Schedule{Kind: c.Schedule, TotalSteps: 1}).Validate(); err != nil {
		return err
	}
	switch {
	case !(c.WarmupRatio >= 0 && c.WarmupRatio <= 1):
		return fmt.Errorf("finetune: warmup ratio %g must be in [0, 1]", c.WarmupRatio)
	case c.Epochs < 1 && c.MaxSteps < 1:
		return fmt.Errorf("finetune: epochs %d and max steps %d: one must be >= 1", c.Epochs, c.MaxSteps)
	case c.BatchSize < 1:
		return fmt.Errorf("finetune: batch size %d must be >= 1", c.BatchSize)
	case c.MicroBatch < 0 || c.MicroBatch > c.BatchSize:
		return fmt.Errorf("finetune: micro batch %d must be in [1, batch size %d]", c.MicroBatch, c.BatchSize)
	case c.MaxGradNorm < 0 || math.IsNaN(c.MaxGradNorm):
		return fmt.Errorf("finetune: max grad norm %g must be >= 0", c.MaxGradNorm)
	case c.AuxLossCoef != nil && !(*c.AuxLossCoef >= 0):
		return fmt.Errorf("finetune: aux loss coefficient %g must be >= 0", *c.AuxLossCoef)
	case c.Concurrent < 0:
		return fmt.Errorf("finetune: concurrent %d must be >= 0", c.Concurrent)
	case c.SaveEvery < 0 || c.Keep < 0 || c.LogEvery < 0 || c.Bucket < 0 || c.PadMultiple < 0:
		return fmt.Errorf("finetune: save_every, keep, log_every, bucket and pad_multiple must be >= 0")
	}
	return nil
}

func (c *Config) micro() int {
	if c.MicroBatch == 0 {
		return c.BatchSize
	}
	return c.MicroBatch
}
