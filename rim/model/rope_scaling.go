package model

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
)

// RoPE scaling beyond the static tables of blocks.go (issue 14 part 3):
//
//	dynamic   transformers _compute_dynamic_ntk_parameters + the
//	          dynamic_rope_update decorator: with L = max(position_ids)+1 of
//	          the call and M = max_position_embeddings, L ≤ M uses the default
//	          frequencies and L > M uses
//	            base' = rope_theta · (factor·L/M − (factor−1))^(d/(d−2)),
//	            inv_freq_i = 1 / base'^(2i/d)                    (float32).
//	          It is computed in the graph from the call's position ids, so a
//	          decode step past M rotates its new token with the frequencies of
//	          the current length while the cached keys keep theirs — what
//	          transformers' generate does. transformers also keeps the largest
//	          length seen in module state across calls (until a call shorter
//	          than M resets it); rim is stateless: every call behaves like the
//	          first call on a freshly loaded transformers model.
//	yarn      transformers _compute_yarn_parameters (static): frequencies
//	          blended between 1/(factor·θ^(2i/d)) and 1/θ^(2i/d) by a linear
//	          ramp over [low, high] = [floor(cd(beta_fast)), ceil(cd(beta_slow))]
//	          clamped to [0, d−1], with cd(r) = d·ln(orig/(2πr)) / (2 ln θ);
//	          cos/sin multiplied by attention_factor (default 0.1·ln(factor)+1,
//	          or the mscale/mscale_all_dim ratio). When rope_scaling has
//	          original_max_position_embeddings, factor is replaced by
//	          max_position_embeddings / original_max_position_embeddings (as
//	          transformers does).
//	longrope  blocks.go's tables; the long/short choice per call is here, and
//	          the decode-time switch of phi3/phimoe (the cache recomputed once
//	          the sequence crosses original_max_position_embeddings) is in
//	          Model.longropeStep.

// ropeForward returns the cos/sin tables [B,S,rot] of one forward: pos are
// the position ids [B,S], offset the cache index of the first new token
// (scalar int32), S the number of new tokens.
func ropeForward(g *Graph, cfg *Config, arch *Arch, pos, offset *Node, S int) (cos, sin *Node) {
	switch cfg.Rope.Type {
	case "yarn":
		inv, af := yarnTables(cfg)
		return cosSinFromInv(pos, Const(g, inv), af)
	case "dynamic":
		seqLen := AddScalar(ReduceAllMax(ConvertDType(pos, dtypes.Int32)), 1)
		grown := GreaterThan(seqLen, Const(g, int32(cfg.MaxPositions)))
		inv := Where(grown, dynamicInvFreq(cfg, ConvertDType(seqLen, dtypes.Float32)),
			Const(g, invFreqDefault(cfg.RopeTheta, cfg.RotaryDim)))
		return cosSinFromInv(pos, inv, 1)
	case "longrope":
		// phi3: long factors when max(position_ids)+1 > original_max_position_embeddings;
		// phimoe: when the key length (cache_position[-1]+1) is.
		orig := Const(g, int32(cfg.OrigMaxPos))
		var useLong *Node
		if arch.longropeByKeys {
			useLong = GreaterThan(Add(offset, Const(g, int32(S))), orig)
		} else {
			useLong = GreaterThan(AddScalar(ReduceAllMax(ConvertDType(pos, dtypes.Int32)), 1), orig)
		}
		return ropeCosSin(g, cfg, arch, pos, useLong)
	}
	return ropeCosSin(g, cfg, arch, pos, nil)
}

// cosSinFromInv is cos/sin of position·inv_freq (halves repeated, as HF's
// cat((freqs, freqs))), times scale. pos [B,S], inv [rot/2] → [B,S,rot].
func cosSinFromInv(pos, inv *Node, scale float64) (*Node, *Node) {
	n := inv.Shape().Dimensions[0]
	p := InsertAxes(ConvertDType(pos, dtypes.Float32), -1) // [B,S,1]
	ang := Mul(p, Reshape(inv, 1, 1, n))
	emb := Concatenate([]*Node{ang, ang}, -1)
	cs, sn := Cos(emb), Sin(emb)
	if scale != 1 {
		cs, sn = MulScalar(cs, float32(scale)), MulScalar(sn, float32(scale))
	}
	return cs, sn
}

// dynamicInvFreq is the dynamic-NTK inverse frequencies [rot/2] for the
// sequence length seqLen (scalar float32 node), in float32 as transformers
// computes them when seq_len is a tensor.
func dynamicInvFreq(c *Config, seqLen *Node) *Node {
	g := seqLen.Graph()
	d := c.RotaryDim
	f := c.Rope.Factor
	M := float64(c.MaxPositions)
	// (factor·L/M − (factor−1))^(d/(d−2))
	t := AddScalar(DivScalar(MulScalar(seqLen, f), M), -(f - 1))
	base := MulScalar(Pow(t, Scalar(g, dtypes.Float32, float64(d)/float64(d-2))), c.RopeTheta)
	exps := make([]float32, d/2)
	for i := range exps {
		exps[i] = float32(2*i) / float32(d)
	}
	return Inverse(Pow(BroadcastToDims(base, d/2), Const(g, exps)))
}

// yarnParams are the values yarn's tables derive from config.json.
type yarnParams struct {
	factor, attention     float64
	orig                  int
	betaFast, betaSlow    float64
	mscale, mscaleAllDims float64
}

func (c *Config) yarnParams() yarnParams {
	p := yarnParams{factor: c.Rope.Factor, orig: c.MaxPositions}
	rs, _ := c.raw["rope_scaling"].(map[string]any)
	if v, ok := rs["original_max_position_embeddings"].(float64); ok {
		p.orig = int(v)
		p.factor = float64(c.MaxPositions) / v
	}
	p.betaFast, p.betaSlow = 32, 1 // `get("beta_fast") or 32`: absent, null or 0 → default
	if v, _ := c.ropeRaw("beta_fast"); v != 0 {
		p.betaFast = v
	}
	if v, _ := c.ropeRaw("beta_slow"); v != 0 {
		p.betaSlow = v
	}
	p.mscale, _ = c.ropeRaw("mscale")
	p.mscaleAllDims, _ = c.ropeRaw("mscale_all_dim")
	getM := func(scale, m float64) float64 {
		if scale <= 1 {
			return 1
		}
		return 0.1*m*math.Log(scale) + 1
	}
	if v, ok := c.ropeRaw("attention_factor"); ok {
		p.attention = v
	} else if p.mscale != 0 && p.mscaleAllDims != 0 {
		p.attention = getM(p.factor, p.mscale) / getM(p.factor, p.mscaleAllDims)
	} else {
		p.attention = getM(p.factor, 1)
	}
	return p
}

// yarnTables returns yarn's inverse frequencies [rot/2] and attention
// factor, following transformers 4.51.3 _compute_yarn_parameters
// (float32 tensor math where transformers uses tensors).
func yarnTables(c *Config) ([]float32, float64) {
	p := c.yarnParams()
	d := c.RotaryDim
	theta := c.RopeTheta
	corr := func(rot float64) float64 {
		return float64(d) * math.Log(float64(p.orig)/(rot*2*math.Pi)) / (2 * math.Log(theta))
	}
	low := math.Max(math.Floor(corr(p.betaFast)), 0)
	high := math.Min(math.Ceil(corr(p.betaSlow)), float64(d-1))
	if low == high {
		high += 0.001 // transformers: prevent singularity
	}
	out := make([]float32, d/2)
	for i := range out {
		pf := float32(math.Pow(theta, float64(float32(2*i)/float32(d))))
		extra := 1 / pf
		inter := 1 / (float32(p.factor) * pf)
		ramp := (float32(i) - float32(low)) / float32(high-low)
		ramp = min(max(ramp, 0), 1)
		ef := 1 - ramp // inv_freq_extrapolation_factor
		out[i] = inter*(1-ef) + extra*ef
	}
	return out, p.attention
}

// validateRopeScaling checks the fields the dynamic and yarn types read,
// naming the field; phimoe's own rotary class reads only longrope. Called
// from validate.
func (c *Config) validateRopeScaling() error {
	t := c.Rope.Type
	if t != "dynamic" && t != "yarn" {
		return nil
	}
	if c.ModelType == "phimoe" {
		return fmt.Errorf("rope_scaling type %q: phimoe's rotary embedding supports only longrope (transformers reads short_mscale/long_mscale and original_max_position_embeddings); remove rope_scaling or use longrope", t)
	}
	finitePos := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	if !finitePos(c.Rope.Factor) {
		return fmt.Errorf("rope_scaling (%s): factor must be positive and finite, got %v", t, c.Rope.Factor)
	}
	if c.MaxPositions <= 0 {
		return fmt.Errorf("rope_scaling (%s): needs max_position_embeddings > 0, got %d", t, c.MaxPositions)
	}
	if t == "dynamic" {
		if c.RotaryDim <= 2 {
			return fmt.Errorf("rope_scaling (dynamic): needs more than 2 rotary dims (the NTK exponent is d/(d-2)), got %d", c.RotaryDim)
		}
		return nil
	}
	rs, _ := c.raw["rope_scaling"].(map[string]any)
	for _, k := range []string{"original_max_position_embeddings", "attention_factor", "beta_fast", "beta_slow", "mscale", "mscale_all_dim"} {
		v, ok := rs[k]
		if !ok || v == nil {
			continue
		}
		f, isNum := v.(float64)
		switch {
		case !isNum:
			return fmt.Errorf("rope_scaling (yarn): field %q: want a number, got %v", k, v)
		case k == "mscale" || k == "mscale_all_dim":
			if f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
				return fmt.Errorf("rope_scaling (yarn): %s must be >= 0 and finite, got %v", k, f)
			}
		case k == "beta_fast" || k == "beta_slow":
			if f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
				return fmt.Errorf("rope_scaling (yarn): %s must be >= 0 and finite, got %v", k, f)
			}
		case !finitePos(f):
			return fmt.Errorf("rope_scaling (yarn): %s must be positive and finite, got %v", k, f)
		}
	}
	if c.RopeTheta <= 1 {
		return fmt.Errorf("rope_scaling (yarn): rope_theta must be > 1 (the correction range divides by ln(rope_theta)), got %v", c.RopeTheta)
	}
	p := c.yarnParams()
	if p.betaFast <= p.betaSlow {
		return fmt.Errorf("rope_scaling (yarn): beta_fast (%v) must be larger than beta_slow (%v)", p.betaFast, p.betaSlow)
	}
	if !finitePos(p.factor) || !finitePos(p.attention) {
		return fmt.Errorf("rope_scaling (yarn): factor (%v) and attention factor (%v) must be positive", p.factor, p.attention)
	}
	return nil
}
