package lora

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Config is the part of PEFT's LoraConfig that rim uses.
type Config struct {
	R        int     // rank
	Alpha    float64 // lora_alpha
	RSLoRA   bool    // use_rslora: scaling alpha/sqrt(r) instead of alpha/r
	Dropout  float64 // lora_dropout, applied to x before A while training
	Targets  []string
	BaseName string // base_model_name_or_path written to adapter_config.json
}

// Paper returns the paper's LoRA recipe (docs/paper.md §5.3): r 32, alpha 64, rsLoRA, dropout 0.
func Paper() Config {
	return Config{R: 32, Alpha: 64, RSLoRA: true, Targets: append([]string(nil), PaperTargets...)}
}

// Validate checks the numeric fields.
func (c Config) Validate() error {
	switch {
	case c.R < 1:
		return fmt.Errorf("lora: rank %d must be >= 1", c.R)
	case !(c.Alpha > 0):
		return fmt.Errorf("lora: alpha %g must be > 0", c.Alpha)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("lora: dropout %g must be in [0, 1)", c.Dropout)
	}
	return nil
}

// Scaling is PEFT's s: alpha/r, or alpha/sqrt(r) with rsLoRA (Kalajdzievski 2023).
func (c Config) Scaling() float64 {
	if c.RSLoRA {
		return c.Alpha / math.Sqrt(float64(c.R))
	}
	return c.Alpha / float64(c.R)
}

// Pair holds one module's factors, row-major float32:
// A [r, in], B [out, r]; the update is ΔW = s·B·A [out, in].
type Pair struct {
	Module Module
	A, B   []float32
}

// Adapter is a LoRA adapter over a set of modules.
type Adapter struct {
	Config  Config
	Pairs   []*Pair // sorted by module name
	modules []Module
}

// New resolves cfg.Targets over the model's modules and initialises every
// pair as PEFT does (init_lora_weights=True): A ~ Kaiming-uniform with
// a=√5, i.e. U(-1/√in, 1/√in) (torch's default nn.Linear init), B = 0, so
// the adapted model equals the base model at init. seed makes A reproducible
// (values differ from torch's RNG stream).
func New(cfg Config, modules []Module, seed uint64) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sel, err := Resolve(modules, cfg.Targets)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x10a4))
	a := &Adapter{Config: cfg, modules: modules}
	for _, m := range sel {
		p := &Pair{Module: m, A: make([]float32, cfg.R*m.In), B: make([]float32, m.Out*cfg.R)}
		bound := 1 / math.Sqrt(float64(m.In))
		for i := range p.A {
			p.A[i] = float32((2*rng.Float64() - 1) * bound)
		}
		a.Pairs = append(a.Pairs, p)
	}
	return a, nil
}

// Pair returns the pair of an HF module name.
func (a *Adapter) Pair(module string) (*Pair, bool) {
	for _, p := range a.Pairs {
		if p.Module.Name == module {
			return p, true
		}
	}
	return nil, false
}

// NumParams is the number of trainable adapter parameters.
func (a *Adapter) NumParams() int {
	n := 0
	for _, p := range a.Pairs {
		n += len(p.A) + len(p.B)
	}
	return n
}

// Delta returns s·B·A [out, in] for one pair (float64 accumulation).
func (a *Adapter) Delta(p *Pair) []float32 {
	r, in, out := a.Config.R, p.Module.In, p.Module.Out
	s := a.Config.Scaling()
	d := make([]float32, out*in)
	row := make([]float64, in)
	for o := 0; o < out; o++ {
		clear(row)
		for k := 0; k < r; k++ {
			b := float64(p.B[o*r+k])
			if b == 0 {
				continue
			}
			ak := p.A[k*in : (k+1)*in]
			for i, x := range ak {
				row[i] += b * float64(x)
			}
		}
		for i := range row {
			d[o*in+i] = float32(s * row[i])
		}
	}
	return d
}

// Merge adds s·B·A into w (the module's weight [out, in], row-major) in place.
func (a *Adapter) Merge(p *Pair, w []float32) error { return a.apply(p, w, 1) }

// Unmerge subtracts s·B·A from w, undoing Merge up to float32 rounding.
func (a *Adapter) Unmerge(p *Pair, w []float32) error { return a.apply(p, w, -1) }

func (a *Adapter) apply(p *Pair, w []float32, sign float32) error {
	if len(w) != p.Module.Out*p.Module.In {
		return fmt.Errorf("lora: %s: weight has %d elements, want %d×%d", p.Module.Name, len(w), p.Module.Out, p.Module.In)
	}
	for i, d := range a.Delta(p) {
		w[i] += sign * d
	}
	return nil
}
