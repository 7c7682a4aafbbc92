package optim

import (
	"math"
	"strings"
	"testing"
)

func TestParseTorchAdamW(t *testing.T) {
	a, err := ParseTorchAdamW("torch.optim.AdamW(lr=2e-5, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1), one step")
	if err != nil {
		t.Fatal(err)
	}
	if a != (AdamW{LR: 2e-5, Beta1: 0.8, Beta2: 0.95, Eps: 1e-6, WeightDecay: 0.1}) {
		t.Fatalf("got %+v", a)
	}
	a, err = ParseTorchAdamW("AdamW(lr=0.5)")
	if err != nil || a.LR != 0.5 || a.Beta2 != 0.999 {
		t.Fatalf("defaults: %+v %v", a, err)
	}
	if _, err := ParseTorchAdamW("SGD(lr=1)"); err == nil {
		t.Fatal("want error for non-AdamW")
	}
	if _, err := ParseTorchAdamW("AdamW(lr=0)"); err == nil || !strings.Contains(err.Error(), "learning rate") {
		t.Fatalf("want lr error, got %v", err)
	}
}

func TestValidate(t *testing.T) {
	for _, bad := range []AdamW{
		{LR: 0, Beta1: .9, Beta2: .999},
		{LR: -1, Beta1: .9, Beta2: .999},
		{LR: math.NaN(), Beta1: .9, Beta2: .999},
		{LR: 1, Beta1: 1, Beta2: .999},
		{LR: 1, Beta1: .9, Beta2: -0.1},
		{LR: 1, Beta1: .9, Beta2: .9, Eps: -1},
		{LR: 1, Beta1: .9, Beta2: .9, WeightDecay: -1},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: want error", bad)
		}
	}
	if err := TorchDefaults().Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestStepMatchesFloat64 runs several steps and compares with a float64
// transcription of torch's update: the float32 path must stay within a few ulps.
func TestStepMatchesFloat64(t *testing.T) {
	a := AdamW{LR: 0.01, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.1}
	n := 50
	p := make([]float32, n)
	m, v := make([]float32, n), make([]float32, n)
	p64, m64, v64 := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range p {
		p[i] = float32(math.Sin(float64(i)))
		p64[i] = float64(p[i])
	}
	g := make([]float32, n)
	for step := 1; step <= 5; step++ {
		lr := a.LR * float64(step) / 5
		for i := range g {
			g[i] = float32(math.Cos(float64(i*step)) * 0.3)
		}
		if err := a.Step(p, g, m, v, lr, step); err != nil {
			t.Fatal(err)
		}
		bc1 := 1 - math.Pow(a.Beta1, float64(step))
		bc2 := 1 - math.Pow(a.Beta2, float64(step))
		for i := range p64 {
			gi := float64(g[i])
			p64[i] *= 1 - lr*a.WeightDecay
			m64[i] = a.Beta1*m64[i] + (1-a.Beta1)*gi
			v64[i] = a.Beta2*v64[i] + (1-a.Beta2)*gi*gi
			p64[i] -= lr / bc1 * m64[i] / (math.Sqrt(v64[i])/math.Sqrt(bc2) + a.Eps)
		}
	}
	for i := range p {
		if d := math.Abs(float64(p[i]) - p64[i]); d > 1e-6 {
			t.Fatalf("p[%d]: float32 %v vs float64 %v (diff %g)", i, p[i], p64[i], d)
		}
	}
	if err := a.Step(p, g[:3], m, v, 1, 1); err == nil {
		t.Fatal("want length error")
	}
	if err := a.Step(p, g, m, v, 1, 0); err == nil {
		t.Fatal("want step error")
	}
}

// TestCosineSchedule checks Factor against values of transformers'
// get_cosine_schedule_with_warmup(num_warmup_steps=W, num_training_steps=T)
// as LambdaLR applies them, i.e. _get_cosine_schedule_with_warmup_lr_lambda
// (v4.51, optimization.py), evaluated by hand:
// T=20, W=ceil(0.1*20)=2: k=0 → 0, k=1 → 0.5, k=2 → 1,
// k=11 → 0.5*(1+cos(pi*9/18)) = 0.5, k=20 → 0, k=5 → 0.5*(1+cos(pi/6)).
func TestCosineSchedule(t *testing.T) {
	if w := WarmupSteps(20, 0.1); w != 2 {
		t.Fatalf("warmup steps %d", w)
	}
	if w := WarmupSteps(25, 0.1); w != 3 { // ceil(2.5)
		t.Fatalf("warmup steps %d", w)
	}
	s := Schedule{Kind: "cosine", WarmupSteps: 2, TotalSteps: 20}
	want := map[int]float64{
		0: 0, 1: 0.5, 2: 1, 11: 0.5, 20: 0,
		25: 0.5 * (1 + math.Cos(math.Pi*23/18)), // past T transformers rises again; we match it
		5:  0.5 * (1 + math.Cos(math.Pi/6)),
		14: 0.5 * (1 + math.Cos(math.Pi*12/18)),
	}
	for k, w := range want {
		if got := s.Factor(k); math.Abs(got-w) > 1e-15 {
			t.Errorf("cosine k=%d: %v want %v", k, got, w)
		}
	}
	// Monotone non-increasing after warmup.
	for k := 3; k < 20; k++ {
		if s.Factor(k) > s.Factor(k-1) {
			t.Fatalf("not decreasing at %d", k)
		}
	}
	lin := Schedule{Kind: "linear", WarmupSteps: 2, TotalSteps: 10}
	if got := lin.Factor(6); math.Abs(got-0.5) > 1e-15 {
		t.Errorf("linear: %v", got)
	}
	if got := (Schedule{Kind: "constant", WarmupSteps: 4}).Factor(2); got != 0.5 {
		t.Errorf("constant warmup: %v", got)
	}
	if err := (Schedule{Kind: "exp", TotalSteps: 3}).Validate(); err == nil {
		t.Error("want kind error")
	}
	if err := (Schedule{TotalSteps: 0}).Validate(); err == nil {
		t.Error("want total error")
	}
}

// TestClipGradNorm follows torch.nn.utils.clip_grad_norm_: total norm over all
// tensors, coefficient max/(norm+1e-6) clamped at 1.
func TestClipGradNorm(t *testing.T) {
	a := []float32{3, 0}
	b := []float32{0, 4}
	norm, err := ClipGradNorm(1, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if norm != 5 {
		t.Fatalf("norm %v", norm)
	}
	c := float32(1 / (5 + 1e-6))
	if a[0] != 3*c || b[1] != 4*c {
		t.Fatalf("clipped %v %v", a, b)
	}
	small := []float32{0.1, 0.2}
	if _, err := ClipGradNorm(1, small); err != nil || small[0] != 0.1 {
		t.Fatalf("no clip expected: %v %v", small, err)
	}
	nan := []float32{float32(math.NaN())}
	if _, err := ClipGradNorm(1, nan); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("want NaN error, got %v", err)
	}
	if _, err := ClipGradNorm(0, small); err == nil {
		t.Fatal("want max norm error")
	}
}

// TestValidateMessages: each invalid hyper-parameter is named.
func TestValidateMessages(t *testing.T) {
	for _, c := range []struct {
		edit func(*AdamW)
		want string
	}{
		{func(a *AdamW) { a.Eps = 0 }, "eps 0 must be > 0"},
		{func(a *AdamW) { a.Eps = math.Inf(1) }, "eps +Inf must be > 0"},
		{func(a *AdamW) { a.Beta1 = 1 }, "beta1 1 must be in [0, 1)"},
		{func(a *AdamW) { a.Beta2 = -0.5 }, "beta2 -0.5 must be in [0, 1)"},
		{func(a *AdamW) { a.WeightDecay = -0.1 }, "weight decay -0.1 must be >= 0"},
		{func(a *AdamW) { a.WeightDecay = math.NaN() }, "weight decay NaN must be >= 0"},
	} {
		a := TorchDefaults()
		c.edit(&a)
		if err := a.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}
