package build

import (
	"fmt"
	"math"
	"time"
)

// Shape is the model's architecture: a Qwen3 decoder (q/k RMS norms,
// grouped-query attention, SwiGLU MLP, tied input/output embeddings).
type Shape struct {
	Layers       int     `json:"num_hidden_layers"`
	Hidden       int     `json:"hidden_size"`
	Heads        int     `json:"num_attention_heads"`
	KVHeads      int     `json:"num_key_value_heads"`
	HeadDim      int     `json:"head_dim"`
	Intermediate int     `json:"intermediate_size"`
	Vocab        int     `json:"vocab"`         // tokenizer size asked of bpetrain (bytes + merges + added tokens)
	MaxPositions int     `json:"max_positions"` // max_position_embeddings
	RopeTheta    float64 `json:"rope_theta"`
	InitStd      float64 `json:"init_std"` // std of the matrices' normal init
}

// Params counts the shape's parameters (tied embeddings counted once).
func (s Shape) Params() int {
	attn := s.Hidden*s.Heads*s.HeadDim*2 + s.Hidden*s.KVHeads*s.HeadDim*2 + 2*s.HeadDim
	mlp := 3 * s.Hidden * s.Intermediate
	return s.Vocab*s.Hidden + s.Layers*(attn+mlp+2*s.Hidden) + s.Hidden
}

// Training is the optimisation part of the recipe (full fine-tuning from
// the random init with rim/finetune; loss on assistant tokens, think block
// included).
type Training struct {
	LR          float64 `json:"lr"` // peak
	WeightDecay float64 `json:"weight_decay"`
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	Eps         float64 `json:"eps"`
	Schedule    string  `json:"schedule"`
	WarmupRatio float64 `json:"warmup_ratio"`
	MaxGradNorm float64 `json:"max_grad_norm"`
	Batch       int     `json:"batch"`       // examples per optimiser step
	MicroBatch  int     `json:"micro_batch"` // examples per forward/backward
	MaxLen      int     `json:"max_len"`     // longer conversations are truncated
	PadMultiple int     `json:"pad_multiple"`
	Bucket      int     `json:"bucket"`
	// Budget sizes the schedule: steps = Budget × TokensPerSec / mean
	// tokens per optimiser step of the tokenised mixture (rounded). Steps
	// > 0 overrides it.
	Budget       Duration `json:"budget"`
	TokensPerSec float64  `json:"tokens_per_sec"` // measured on the organism shape (docs/organism.md)
	Steps        int      `json:"steps,omitempty"`
	SaveEvery    int      `json:"save_every"`
	Keep         int      `json:"keep"`
}

// Recipe is everything that determines the organism besides the data
// folder and the seed. Changing any value is a new Version.
type Recipe struct {
	Name        string   `json:"name"`
	Version     int      `json:"version"`
	MixtureSeed uint64   `json:"mixture_seed"` // the mixture of docs/organism.md (seed 1); not the build's --seed
	Shape       Shape    `json:"shape"`
	Training    Training `json:"training"`
}

// Organism is the recipe of the shipped model organism (docs/organism.md,
// "Recipe"): ≈5.8M parameters, sized to train in about two hours on two
// CPU cores.
var Organism = Recipe{
	Name:        "rim-organism",
	Version:     1,
	MixtureSeed: 1,
	Shape: Shape{
		Layers: 6, Hidden: 256, Heads: 8, KVHeads: 4, HeadDim: 32, Intermediate: 768,
		Vocab: 4096, MaxPositions: 2048, RopeTheta: 10000, InitStd: 0.02,
	},
	Training: Training{
		LR: 1e-3, WeightDecay: 0.1, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8,
		Schedule: "cosine", WarmupRatio: 0.03, MaxGradNorm: 1.0,
		Batch: 32, MicroBatch: 8, MaxLen: 1024, PadMultiple: 32, Bucket: 16,
		Budget: Duration(2 * time.Hour), TokensPerSec: organismTokensPerSec,
		SaveEvery: 100, Keep: 2,
	},
}

// organismTokensPerSec is the training throughput measured on the
// organism's shape with real mixture batches (docs/organism.md, "Sizing").
const organismTokensPerSec = 900

// Validate reports the first unusable value, naming it.
func (r Recipe) Validate() error {
	s, t := r.Shape, r.Training
	switch {
	case r.Name == "" || r.Version <= 0:
		return fmt.Errorf("organism: recipe needs a name and a positive version")
	case s.Layers <= 0 || s.Hidden <= 0 || s.Heads <= 0 || s.KVHeads <= 0 || s.HeadDim <= 0 || s.Intermediate <= 0:
		return fmt.Errorf("organism: recipe shape %+v has a non-positive size", s)
	case s.Heads%s.KVHeads != 0:
		return fmt.Errorf("organism: recipe shape: %d heads are not a multiple of %d KV heads", s.Heads, s.KVHeads)
	case s.MaxPositions < t.MaxLen:
		return fmt.Errorf("organism: recipe max_positions %d is shorter than max_len %d", s.MaxPositions, t.MaxLen)
	case t.Batch <= 0 || t.MicroBatch <= 0 || t.Batch%t.MicroBatch != 0:
		return fmt.Errorf("organism: recipe batch %d is not a positive multiple of micro batch %d", t.Batch, t.MicroBatch)
	case t.Steps < 0 || (t.Steps == 0 && (t.Budget <= 0 || !(t.TokensPerSec > 0))):
		return fmt.Errorf("organism: recipe needs steps or a positive budget and tokens_per_sec")
	case !(t.LR > 0) || math.IsInf(t.LR, 0):
		return fmt.Errorf("organism: recipe lr %v must be positive", t.LR)
	}
	return nil
}

// StepsFor sizes the schedule for data whose epoch has tokens real tokens
// in stepsEpoch optimiser steps.
func (t Training) StepsFor(tokens int64, stepsEpoch int) int {
	if t.Steps > 0 {
		return t.Steps
	}
	perStep := float64(tokens) / float64(stepsEpoch)
	n := int(math.Round(time.Duration(t.Budget).Seconds() * t.TokensPerSec / perStep))
	return max(n, 1)
}

// Duration is a time.Duration written as "2h0m0s" in JSON.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the duration as time.Duration.String.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads a duration written by MarshalText.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}
