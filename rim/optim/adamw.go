package optim

import (
	"fmt"
	"math"
)

// AdamW holds the hyper-parameters of torch.optim.AdamW. The zero value is not
// usable; start from TorchDefaults() or fill every field.
type AdamW struct {
	LR          float64 // base learning rate (a schedule multiplies it)
	Beta1       float64 // first-moment decay, torch default 0.9
	Beta2       float64 // second-moment decay, torch default 0.999
	Eps         float64 // added to the bias-corrected sqrt(v), torch default 1e-8
	WeightDecay float64 // decoupled decay coefficient, torch default 0.01
}

// TorchDefaults returns torch.optim.AdamW's defaults:
// lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0.01.
func TorchDefaults() AdamW {
	return AdamW{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
}

// Validate reports the first invalid hyper-parameter: those torch rejects,
// plus eps 0 (see below) and infinities.
func (a AdamW) Validate() error {
	switch {
	case !(a.LR > 0) || math.IsInf(a.LR, 0):
		return fmt.Errorf("optim: adamw: learning rate %g must be > 0", a.LR)
	case !(a.Beta1 >= 0 && a.Beta1 < 1):
		return fmt.Errorf("optim: adamw: beta1 %g must be in [0, 1)", a.Beta1)
	case !(a.Beta2 >= 0 && a.Beta2 < 1):
		return fmt.Errorf("optim: adamw: beta2 %g must be in [0, 1)", a.Beta2)
	case !(a.Eps > 0) || math.IsInf(a.Eps, 0):
		// torch accepts eps 0, but then a parameter whose gradient has
		// always been 0 updates by 0/0 = NaN; rim refuses it.
		return fmt.Errorf("optim: adamw: eps %g must be > 0 (eps 0 divides 0 by 0 for parameters with zero gradient)", a.Eps)
	case !(a.WeightDecay >= 0) || math.IsInf(a.WeightDecay, 0):
		return fmt.Errorf("optim: adamw: weight decay %g must be >= 0", a.WeightDecay)
	}
	return nil
}

// Scalars are the per-step constants of one AdamW update, computed in float64
// on the host exactly as torch computes them in Python before handing them to
// its float32 kernels.
type Scalars struct {
	Decay    float64 // 1 - lr*weight_decay, multiplied into p first
	StepSize float64 // lr / (1 - beta1^step)
	BC2Sqrt  float64 // sqrt(1 - beta2^step)
}

// Scalars returns the constants for update number step (1-based: the first
// update is step 1, as torch's state["step"] after its increment) at learning
// rate lr (the scheduled value, not a.LR).
func (a AdamW) Scalars(lr float64, step int) Scalars {
	bc1 := 1 - math.Pow(a.Beta1, float64(step))
	bc2 := 1 - math.Pow(a.Beta2, float64(step))
	return Scalars{Decay: 1 - lr*a.WeightDecay, StepSize: lr / bc1, BC2Sqrt: math.Sqrt(bc2)}
}

// Step applies one AdamW update in place to the parameter p with gradient g,
// first moment m and second moment v (all the same length, m and v zero before
// the first step), at update number step (1-based) and learning rate lr.
//
// It follows torch 1.13's _single_tensor_adamw operation by operation in
// float32, with the scalars in float64 as Python computes them:
//
//	p  = p * (1 - lr*wd)
//	m  = m*beta1 + (1-beta1)*g
//	v  = v*beta2 + (1-beta2)*g*g
//	p  = p + (-lr/(1-beta1^t)) * m / (sqrt(v)/sqrt(1-beta2^t) + eps)
func (a AdamW) Step(p, g, m, v []float32, lr float64, step int) error {
	if len(g) != len(p) || len(m) != len(p) || len(v) != len(p) {
		return fmt.Errorf("optim: adamw: lengths differ: param %d, grad %d, m %d, v %d", len(p), len(g), len(m), len(v))
	}
	if step < 1 {
		return fmt.Errorf("optim: adamw: step %d must be >= 1", step)
	}
	s := a.Scalars(lr, step)
	decay := float32(s.Decay)
	b1, ob1 := float32(a.Beta1), float32(1-a.Beta1)
	b2, ob2 := float32(a.Beta2), float32(1-a.Beta2)
	bc2 := float32(s.BC2Sqrt)
	eps := float32(a.Eps)
	negStep := float32(-s.StepSize)
	for i := range p {
		pi := p[i] * decay
		gi := g[i]
		mi := m[i]*b1 + ob1*gi
		vi := v[i]*b2 + ob2*gi*gi
		denom := float32(math.Sqrt(float64(vi)))/bc2 + eps
		p[i] = pi + negStep*mi/denom
		m[i], v[i] = mi, vi
	}
	return nil
}
