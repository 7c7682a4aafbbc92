package probe

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/rimlab/rim/rim/analysis/stats"
)

// Logistic is an L2-regularised logistic-regression probe.
//
// EXTENSION — not the paper's method. The paper's probe is the
// steering-vector dot product with a mean-of-class-means threshold
// (Steering); this is the common alternative from the probing literature,
// offered for comparison. Features are standardised with the training mean
// and standard deviation, then
//
//	min_{w,b} (1/N) Σ_i log(1 + exp(−y_i (w·z_i + b))) + (λ/2)‖w‖²,  y ∈ {−1, +1}
//
// is minimised by Newton's method (gonum/mat for the linear algebra);
// P(positive | x) = σ(w·z + b). λ must be > 0: separable data (common with
// d ≫ N) have no finite optimum without it.
type Logistic struct {
	W          []float64 `json:"-"`
	B          float64   `json:"bias"`
	Mean, Std  []float64 `json:"-"`
	Lambda     float64   `json:"lambda"`
	Iterations int       `json:"iterations"`
}

// FitLogistic fits the extension probe with L2 strength lambda > 0.
func FitLogistic(pos, neg [][]float64, lambda float64) (*Logistic, error) {
	d, err := checkRows("positive", pos, -1)
	if err != nil {
		return nil, err
	}
	if _, err := checkRows("negative", neg, d); err != nil {
		return nil, err
	}
	if !(lambda > 0) {
		return nil, fmt.Errorf("probe: logistic: lambda %v must be > 0", lambda)
	}
	all := append(append([][]float64{}, pos...), neg...)
	mean := stats.MeanRows(all)
	std := make([]float64, d)
	for _, r := range all {
		for j, v := range r {
			std[j] += (v - mean[j]) * (v - mean[j])
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j] / float64(len(all)))
		if std[j] < 1e-12 {
			std[j] = 1 // a constant feature carries no signal; avoid 0/0
		}
	}
	z := make([][]float64, len(all))
	y := make([]float64, len(all))
	for i, r := range all {
		z[i] = make([]float64, d)
		for j, v := range r {
			z[i][j] = (v - mean[j]) / std[j]
		}
		y[i] = -1
		if i < len(pos) {
			y[i] = 1
		}
	}
	theta, iters, err := newtonLogistic(z, y, lambda)
	if err != nil {
		return nil, err
	}
	return &Logistic{W: theta[:d], B: theta[d], Mean: mean, Std: std, Lambda: lambda, Iterations: iters}, nil
}

// newtonLogistic minimises the regularised log-loss over θ = (w, b) by
// Newton's method with backtracking. gonum/optimize would do this, but it
// imports stat/distmv, which needs golang.org/x/tools in the shared go.mod;
// a damped Newton iteration on a convex loss is short and converges in a
// few steps. The Hessian solve H·Δ = g, H = λI + AᵀA with A = D^½·[Z 1]/√N,
// uses the Woodbury identity when N < d+1 so its cost is O(N²d), not O(d³).
// The bias is regularised like the weights (liblinear's convention).
func newtonLogistic(z [][]float64, y []float64, lambda float64) ([]float64, int, error) {
	n, d := len(z), len(z[0])
	p := d + 1
	x := mat.NewDense(n, p, nil)
	for i, zi := range z {
		for j, v := range zi {
			x.Set(i, j, v)
		}
		x.Set(i, d, 1)
	}
	loss := func(th []float64) float64 {
		var l float64
		for i := range n {
			l += softplus(-y[i] * mat.Dot(x.RowView(i), mat.NewVecDense(p, th)))
		}
		return l/float64(n) + lambda/2*dot(th, th)
	}
	theta := make([]float64, p)
	f := loss(theta)
	for it := 1; it <= 100; it++ {
		// Gradient g = −(1/N) Σ y_i σ(−m_i) x_i + λθ and weights D_i = σ(m)σ(−m).
		g := make([]float64, p)
		a := mat.NewDense(n, p, nil)
		for i := range n {
			row := x.RawRowView(i)
			m := y[i] * dot(row, theta)
			c := -y[i] * sigmoid(-m) / float64(n)
			w := math.Sqrt(sigmoid(m) * sigmoid(-m) / float64(n))
			for j, v := range row {
				g[j] += c * v
				a.Set(i, j, w*v)
			}
		}
		for j := range g {
			g[j] += lambda * theta[j]
		}
		gmax := 0.0
		for _, v := range g {
			gmax = math.Max(gmax, math.Abs(v))
		}
		if gmax < 1e-10 {
			return theta, it - 1, nil
		}
		step, err := solveRidge(a, g, lambda)
		if err != nil {
			return nil, it, fmt.Errorf("probe: logistic: newton step %d: %w", it, err)
		}
		// Backtracking line search (Armijo) along −step.
		t, next := 1.0, make([]float64, p)
		slope := dot(g, step)
		for {
			for j := range next {
				next[j] = theta[j] - t*step[j]
			}
			if fn := loss(next); fn <= f-1e-4*t*slope || t < 1e-10 {
				f = fn
				break
			}
			t /= 2
		}
		copy(theta, next)
		if t*math.Sqrt(dot(step, step)) < 1e-12 {
			return theta, it, nil
		}
	}
	return theta, 100, nil
}

// solveRidge solves (λI + AᵀA)·s = g for A [n, p].
func solveRidge(a *mat.Dense, g []float64, lambda float64) ([]float64, error) {
	n, p := a.Dims()
	gv := mat.NewVecDense(p, append([]float64(nil), g...))
	if n < p {
		// Woodbury: s = (g − Aᵀ (λI_n + AAᵀ)⁻¹ A g) / λ.
		var k mat.SymDense
		k.SymOuterK(1, a)
		for i := range n {
			k.SetSym(i, i, k.At(i, i)+lambda)
		}
		var ch mat.Cholesky
		if !ch.Factorize(&k) {
			return nil, fmt.Errorf("singular system")
		}
		var ag, u, atu mat.VecDense
		ag.MulVec(a, gv)
		if err := ch.SolveVecTo(&u, &ag); err != nil {
			return nil, err
		}
		atu.MulVec(a.T(), &u)
		s := make([]float64, p)
		for j := range s {
			s[j] = (g[j] - atu.AtVec(j)) / lambda
		}
		return s, nil
	}
	var h mat.SymDense
	h.SymOuterK(1, a.T())
	for j := range p {
		h.SetSym(j, j, h.At(j, j)+lambda)
	}
	var ch mat.Cholesky
	if !ch.Factorize(&h) {
		return nil, fmt.Errorf("singular system")
	}
	var s mat.VecDense
	if err := ch.SolveVecTo(&s, gv); err != nil {
		return nil, err
	}
	return append([]float64(nil), s.RawVector().Data...), nil
}

// Prob is P(positive | x) = σ(w·z + b) with z the standardised x.
func (l *Logistic) Prob(x []float64) float64 {
	s := l.B
	for j, v := range x {
		s += l.W[j] * (v - l.Mean[j]) / l.Std[j]
	}
	return sigmoid(s)
}

// Positive reports Prob(x) > 0.5.
func (l *Logistic) Positive(x []float64) bool { return l.Prob(x) > 0.5 }

// LogisticFit returns a FitFunc for the extension probe with L2 strength lambda.
func LogisticFit(lambda float64) FitFunc {
	return func(pos, neg [][]float64) (Classifier, error) { return FitLogistic(pos, neg, lambda) }
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus is log(1+eˣ), computed without overflow.
func softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}
