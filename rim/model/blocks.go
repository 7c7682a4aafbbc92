package model

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph building reads better unqualified
)

// Shared building blocks of every architecture (exist once; docs/ARCHITECTURE.md).

// rmsNorm is x * rsqrt(mean(x²) + eps) * w over the last axis (float32).
// x: [..., n], w: [n]. A bf16 x is normalized in float32 and cast back
// before the weight multiply (HF LlamaRMSNorm: weight * hidden.to(input_dtype)).
func rmsNorm(x, w *Node, eps float64) *Node {
	if dt := x.DType(); dt != dtypes.Float32 {
		y := ConvertDType(rmsNormUnit(ConvertDType(x, dtypes.Float32), eps), dt)
		return Mul(y, expandTo(ConvertDType(w, dt), x.Rank()))
	}
	return Mul(rmsNormUnit(x, eps), expandTo(w, x.Rank()))
}

// rmsNormUnit is x * rsqrt(mean(x²) + eps) over the last axis (no weight).
func rmsNormUnit(x *Node, eps float64) *Node {
	v := ReduceAndKeep(Square(x), ReduceMean, -1)
	// 1/sqrt instead of Rsqrt: GoMLX has no gradient for Rsqrt.
	inv := Div(ScalarOne(x.Graph(), x.DType()), Sqrt(AddScalar(v, eps)))
	return Mul(x, inv)
}

// layerNorm is torch.nn.LayerNorm over the last axis: (x-mean)/sqrt(var+eps)*w + b, biased variance.
// A bf16 x is computed in float32 (weights too) and cast back.
func layerNorm(x, w, b *Node, eps float64) *Node {
	if dt := x.DType(); dt != dtypes.Float32 {
		f := func(n *Node) *Node { return ConvertDType(n, dtypes.Float32) }
		return ConvertDType(layerNorm(f(x), f(w), f(b), eps), dt)
	}
	mean := ReduceAndKeep(x, ReduceMean, -1)
	xc := Sub(x, mean)
	v := ReduceAndKeep(Square(xc), ReduceMean, -1)
	y := Div(xc, Sqrt(AddScalar(v, eps)))
	return Add(Mul(y, expandTo(w, x.Rank())), expandTo(b, x.Rank()))
}

// expandTo reshapes a vector [n] to [1,...,1,n] of the given rank (for broadcasting).
func expandTo(v *Node, rank int) *Node {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1
	}
	dims[rank-1] = v.Shape().Dimensions[0]
	return Reshape(v, dims...)
}

// linearXW computes x·Wᵀ (+ b): x [..., in], w [out, in], b [out] or nil.
// A w in another dtype than x (an expert's row of a bf16-stored stack,
// moe_stack.go) is converted to x's.
func linearXW(x, w, b *Node) *Node {
	if w.DType() != x.DType() {
		w = ConvertDType(w, x.DType())
	}
	y := matmulXWt(x, w)
	if b != nil {
		y = Add(y, expandTo(b, y.Rank()))
	}
	return y
}

// silu is x·sigmoid(x) (HF "silu").
func silu(x *Node) *Node { return Mul(x, Sigmoid(x)) }

// rotateHalf is cat(-x[d/2:], x[:d/2]) over the last axis (halves, not interleaved).
func rotateHalf(x *Node) *Node {
	d := x.Shape().Dimensions[x.Rank()-1]
	x1 := Slice(x, AxisRange().Spacer(), AxisRange(0, d/2))
	x2 := Slice(x, AxisRange().Spacer(), AxisRange(d/2, d))
	return Concatenate([]*Node{Neg(x2), x1}, -1)
}

// applyRope rotates the first rot dims of every head: x [B,S,heads,dh],
// cos/sin [B,S,rot]. x·cos + rotate_half(x)·sin (HF apply_rotary_pos_emb).
func applyRope(x, cos, sin *Node, rot int) *Node {
	dh := x.Shape().Dimensions[3]
	if cos.DType() != x.DType() { // HF casts cos/sin to the compute dtype
		cos, sin = ConvertDType(cos, x.DType()), ConvertDType(sin, x.DType())
	}
	c := InsertAxes(cos, 2)
	s := InsertAxes(sin, 2)
	if rot == dh {
		return Add(Mul(x, c), Mul(rotateHalf(x), s))
	}
	xr := Slice(x, AxisRange().Spacer(), AxisRange(0, rot))
	xp := Slice(x, AxisRange().Spacer(), AxisRange(rot, dh))
	xr = Add(Mul(xr, c), Mul(rotateHalf(xr), s))
	return Concatenate([]*Node{xr, xp}, -1)
}

// invFreqDefault is HF's 1/theta^(2i/d) computed in float32 as torch does.
func invFreqDefault(theta float64, d int) []float32 {
	out := make([]float32, d/2)
	for i := range out {
		e := float32(2*i) / float32(d)
		out[i] = float32(1) / float32(math.Pow(theta, float64(e)))
	}
	return out
}

// ropeTables returns the inverse frequencies to use (short and long for
// longrope, equal otherwise) and the cos/sin multipliers (attention factor)
// of each, following transformers' rope init functions.
func ropeTables(c *Config, a *Arch) (short, long []float32, shortScale, longScale float64) {
	d := c.RotaryDim
	base := invFreqDefault(c.RopeTheta, d)
	switch c.Rope.Type {
	case "llama3":
		// transformers _compute_llama3_parameters (float32 tensor math).
		f := float32(c.Rope.Factor)
		lo, hi := float32(c.Rope.LowFreqFactor), float32(c.Rope.HighFreqFactor)
		old := float32(c.Rope.OriginalMaxPositions)
		loW, hiW := old/lo, old/hi
		out := make([]float32, len(base))
		for i, inv := range base {
			wl := float32(2*math.Pi) / inv
			v := inv
			if wl > loW {
				v = inv / f
			}
			if !(wl < hiW) && !(wl > loW) {
				s := (old/wl - lo) / (hi - lo)
				v = (1-s)*v/f + s*v
			}
			out[i] = v
		}
		return out, out, 1, 1
	case "linear":
		out := make([]float32, len(base))
		for i, inv := range base {
			out[i] = inv / float32(c.Rope.Factor)
		}
		return out, out, 1, 1
	case "longrope":
		mk := func(ext []float64) []float32 {
			out := make([]float32, d/2)
			for i := range out {
				e := float32(2*i) / float32(d)
				out[i] = float32(1) / (float32(ext[i]) * float32(math.Pow(c.RopeTheta, float64(e))))
			}
			return out
		}
		short, long = mk(c.Rope.ShortFactor), mk(c.Rope.LongFactor)
		if a.longropeMScale {
			return short, long, c.Rope.ShortMScale, c.Rope.LongMScale
		}
		// phi3: attention_factor from config, else sqrt(1 + ln(s)/ln(orig)).
		af := 1.0
		if v, ok := c.ropeRaw("attention_factor"); ok {
			af = v
		} else if s := float64(c.MaxPositions) / float64(c.OrigMaxPos); s > 1 {
			af = math.Sqrt(1 + math.Log(s)/math.Log(float64(c.OrigMaxPos)))
		}
		return short, long, af, af
	}
	return base, base, 1, 1
}

func (c *Config) ropeRaw(key string) (float64, bool) {
	rs, ok := c.raw["rope_scaling"].(map[string]any)
	if !ok {
		return 0, false
	}
	v, ok := rs[key].(float64)
	return v, ok
}

// ropeCosSin computes cos/sin [B,S,rot] for positions [B,S] (int32). With
// longrope, useLong (scalar bool) selects the long factors.
func ropeCosSin(g *Graph, c *Config, a *Arch, pos, useLong *Node) (cos, sin *Node) {
	short, long, ss, ls := ropeTables(c, a)
	p := InsertAxes(ConvertDType(pos, dtypes.Float32), -1) // [B,S,1]
	mk := func(inv []float32, scale float64) (*Node, *Node) {
		ang := Mul(p, Reshape(Const(g, inv), 1, 1, len(inv))) // [B,S,rot/2]
		emb := Concatenate([]*Node{ang, ang}, -1)
		cs, sn := Cos(emb), Sin(emb)
		if scale != 1 {
			cs, sn = MulScalar(cs, float32(scale)), MulScalar(sn, float32(scale))
		}
		return cs, sn
	}
	cs, sn := mk(short, ss)
	if c.Rope.Type != "longrope" || useLong == nil {
		return cs, sn
	}
	cl, sl := mk(long, ls)
	return Where(useLong, cl, cs), Where(useLong, sl, sn)
}
