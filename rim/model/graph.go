package model

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive

	"github.com/rimlab/rim/rim/hook"
)

// Params gives the graph node of every parameter, by its HF tensor name
// (e.g. "model.layers.3.self_attn.q_proj.weight"). Graph-building code
// panics with the name if a parameter is missing.
type Params interface {
	Param(name string) *Node
}

// ParamMap is a Params backed by a map of the stored parameters
// (Model.ParamNames).
type ParamMap map[string]*Node

// Param implements Params. An HF per-expert weight name
// ("….experts.3.down_proj.weight") not in the map is expert 3's row of its
// stack ("….experts.down_proj.weight" [E, out, in], moe_stack.go), sliced
// in the graph ([out, in], stored dtype) and remembered in the map.
func (m ParamMap) Param(name string) *Node {
	n, ok := m[name]
	if ok {
		return n
	}
	if stack, e, isExpert := splitExpertWeight(name); isExpert {
		if s, ok := m[stack]; ok && s.Rank() == 3 && e < s.Shape().Dimensions[0] {
			n = expertSlice(s, e)
			m[name] = n
			return n
		}
	}
	panic(fmt.Sprintf("rim: parameter %q is not a graph input", name))
}

// Linear computes one projection of the model. name is the HF module name
// ("model.layers.3.self_attn.q_proj", "model.layers.0.mlp.experts.2.down_proj",
// "lm_head"); x is [..., in] and the result [..., out]. A LoRA wrapper
// intercepts by name and adds B·A·x to DefaultLinear's result.
type Linear func(name string, x *Node) *Node

// DefaultLinear returns x·Wᵀ (+ bias when the model has one) reading
// name+".weight" / name+".bias" from p. With tied embeddings "lm_head" uses
// model.embed_tokens.weight.
func DefaultLinear(cfg *Config, p Params, hasParam func(string) bool) Linear {
	return func(name string, x *Node) *Node {
		wName := name + ".weight"
		if name == "lm_head" && cfg.TieEmbeddings {
			wName = "model.embed_tokens.weight"
		}
		var b *Node
		if hasParam(name + ".bias") {
			b = p.Param(name + ".bias")
		}
		return linearXW(x, p.Param(wName), b)
	}
}

// GraphInputs are the data inputs of a forward graph.
type GraphInputs struct {
	InputIDs    *Node // [B,S] int32
	PositionIDs *Node // [B,S] int32, explicit (HF position_ids)
	// KeyMask [B,K] (int32, 1 = real token): K = S without a cache, or the cache length.
	KeyMask *Node
	// Decode step (optional): the S new tokens are written at cache index Offset
	// (scalar int32) of CacheK/CacheV, per layer [B,nKVHeads,maxLen,dHead].
	Offset         *Node
	CacheK, CacheV []*Node
}

// Plan says what a forward graph captures and changes.
type Plan struct {
	Capture map[hook.Site]bool
	// Intervene, if set, is called at every site with its value and returns the value to use.
	Intervene func(site hook.Site, x *Node) *Node
	// LastOnly computes the lm_head (and the logits site) for the last position only: [B,1,vocab].
	LastOnly bool
	// ExpertsPlain says that the custom Linear given to BuildForward
	// computes every MoE expert projection as DefaultLinear does (e.g. a
	// LoRA adapter without expert targets), so the experts may still be
	// computed from the stacks, sparse when selected (moe_sparse.go); false
	// runs each expert through the Linear by name (dense).
	ExpertsPlain bool
}

// GraphOutputs are the nodes a forward graph produced.
type GraphOutputs struct {
	Logits       *Node               // [B,S,vocab]
	Sites        map[hook.Site]*Node // captured sites
	RouterLogits []*Node             // per MoE layer [B,S,nExperts] (for the aux loss)
	CacheK       []*Node             // updated caches (decode step only)
	CacheV       []*Node
}

// fwd holds graph-building state for one forward.
type fwd struct {
	cfg  *Config
	arch *Arch
	p    Params
	lin  Linear
	plan Plan
	out  *GraphOutputs
	has  func(string) bool
	// customLin: BuildForward got a Linear (e.g. LoRA) rather than DefaultLinear (moe_sparse.go).
	customLin bool
}

func (f *fwd) site(s hook.Site, x *Node) *Node {
	if dt := x.DType(); dt == dtypes.BFloat16 || dt == dtypes.Float16 {
		// Reduced-precision compute: interventions and captures see float32
		// (so hook code and Result.Float32 are dtype-agnostic); the value
		// flowing on is cast back only if an intervention replaced it.
		xf := ConvertDType(x, dtypes.Float32)
		y := xf
		if f.plan.Intervene != nil {
			y = f.plan.Intervene(s, xf)
		}
		if f.plan.Capture[s] {
			f.out.Sites[s] = y
		}
		if y != xf {
			return ConvertDType(y, dt)
		}
		return x
	}
	if f.plan.Intervene != nil {
		x = f.plan.Intervene(s, x)
	}
	if f.plan.Capture[s] {
		f.out.Sites[s] = x
	}
	return x
}

func (f *fwd) norm(name string, x *Node) *Node {
	if f.arch.norm == normLayerBias {
		return layerNorm(x, f.p.Param(name+".weight"), f.p.Param(name+".bias"), f.cfg.NormEps)
	}
	return rmsNorm(x, f.p.Param(name+".weight"), f.cfg.NormEps)
}

// BuildForward builds the decoder forward of cfg's architecture in the graph
// of in.InputIDs. lin may be nil (DefaultLinear); hasParam reports which
// parameters exist (biases are optional per model).
func BuildForward(cfg *Config, p Params, hasParam func(string) bool, lin Linear, in GraphInputs, plan Plan) *GraphOutputs {
	arch := archs[cfg.ModelType]
	customLin := lin != nil
	if lin == nil {
		lin = DefaultLinear(cfg, p, hasParam)
	}
	f := &fwd{cfg: cfg, arch: arch, p: p, lin: lin, plan: plan, has: hasParam, customLin: customLin,
		out: &GraphOutputs{Sites: map[hook.Site]*Node{}}}
	g := in.InputIDs.Graph()
	B, S := in.InputIDs.Shape().Dimensions[0], in.InputIDs.Shape().Dimensions[1]
	K := in.KeyMask.Shape().Dimensions[1]

	offset := in.Offset
	if offset == nil {
		offset = Const(g, int32(0))
	}
	// Attention mask [B,1,S,K]: key j is visible from query i (cache index offset+i)
	// iff keyMask[j] and j <= offset+i and (no window or offset+i-j < window).
	qIdx := Add(Iota(g, shapeI32(S, 1), 0), offset)
	kIdx := Iota(g, shapeI32(1, K), 1)
	allowed := LessOrEqual(kIdx, qIdx)
	if w := cfg.SlidingWindow; w > 0 && !arch.noWindow {
		allowed = LogicalAnd(allowed, LessThan(Sub(qIdx, kIdx), Const(g, int32(w))))
	}
	km := NotEqual(ConvertDType(in.KeyMask, dtypes.Int32), Const(g, int32(0))) // [B,K]
	H := cfg.NumHeads
	// [B,H,S,K], built once and shared by every layer.
	mask := LogicalAnd(BroadcastToDims(Reshape(allowed, 1, 1, S, K), B, H, S, K),
		BroadcastToDims(Reshape(km, B, 1, 1, K), B, H, S, K))

	// RoPE tables (rope_scaling.go: default, linear, llama3, longrope's long/short choice, dynamic, yarn).
	cos, sin := ropeForward(g, cfg, arch, in.PositionIDs, offset, S)

	ids := InsertAxes(ConvertDType(in.InputIDs, dtypes.Int32), -1)
	x := Gather(p.Param("model.embed_tokens.weight"), ids) // [B,S,D]
	x = f.site(hook.Embed, x)
	for L := 0; L < cfg.NumLayers; L++ {
		var ck, cv *Node
		if in.CacheK != nil {
			ck, cv = in.CacheK[L], in.CacheV[L]
		}
		x = f.layer(L, x, cos, sin, mask, offset, ck, cv)
	}
	x = f.norm("model.norm", x)
	x = f.site(hook.LnFinal, x)
	if plan.LastOnly {
		x = Slice(x, AxisRange(), AxisRange(S-1, S), AxisRange())
	}
	lg := f.lin("lm_head", x)
	if lg.DType() != dtypes.Float32 {
		lg = ConvertDType(lg, dtypes.Float32) // logits always come back as float32
	}
	logits := f.site(hook.Logits, lg)
	f.out.Logits = logits
	return f.out
}

func shapeI32(dims ...int) shapesShape { return makeShape(dtypes.Int32, dims...) }

func (f *fwd) layer(L int, x, cos, sin, mask, offset, cacheK, cacheV *Node) *Node {
	p := fmt.Sprintf("model.layers.%d.", L)
	x = f.site(hook.ResidPre(L), x)
	in := x
	if !f.arch.postNorm {
		in = f.norm(p+"input_layernorm", x)
	}
	a := f.attention(L, p+"self_attn.", in, cos, sin, mask, offset, cacheK, cacheV)
	a = f.site(hook.AttnOut(L), a)
	if f.arch.postNorm {
		a = f.norm(p+"post_attention_layernorm", a)
	}
	h := f.site(hook.ResidMid(L), Add(x, a))
	in = h
	if !f.arch.postNorm {
		in = f.norm(p+"post_attention_layernorm", h)
	}
	var m *Node
	if f.cfg.IsMoELayer(L) {
		m = f.moe(L, p+f.arch.moePrefix+".", in)
	} else {
		m = f.mlp(L, p+"mlp.", in)
	}
	m = f.site(hook.MLPOut(L), m)
	if f.arch.postNorm {
		m = f.norm(p+"post_feedforward_layernorm", m)
	}
	return f.site(hook.ResidPost(L), Add(h, m))
}

// attention is GQA self-attention with RoPE, q/k norms, padding/causal/sliding mask.
// x [B,S,D] → [B,S,D]. Scores = q·k/sqrt(dHead) (HF eager), masked with float32 min.
func (f *fwd) attention(L int, p string, x, cos, sin, mask, offset, cacheK, cacheV *Node) *Node {
	c := f.cfg
	B, S := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	H, KV, hd := c.NumHeads, c.NumKVHeads, c.HeadDim
	G := H / KV
	var q, k, v *Node
	if f.arch.fusedQKV {
		qkv := f.lin(p+"qkv_proj", x)
		q = Slice(qkv, AxisRange(), AxisRange(), AxisRange(0, H*hd))
		k = Slice(qkv, AxisRange(), AxisRange(), AxisRange(H*hd, (H+KV)*hd))
		v = Slice(qkv, AxisRange(), AxisRange(), AxisRange((H+KV)*hd, (H+2*KV)*hd))
	} else {
		q, k, v = f.lin(p+"q_proj", x), f.lin(p+"k_proj", x), f.lin(p+"v_proj", x)
	}
	if f.arch.qkNorm == qkWhole {
		q = rmsNorm(q, f.p.Param(p+"q_norm.weight"), c.NormEps)
		k = rmsNorm(k, f.p.Param(p+"k_norm.weight"), c.NormEps)
	}
	if f.arch.clipQKV && c.ClipQKV > 0 {
		lim := c.ClipQKV
		clip := func(x *Node) *Node {
			return Min(Max(x, Scalar(x.Graph(), x.DType(), -lim)), Scalar(x.Graph(), x.DType(), lim))
		}
		q, k, v = clip(q), clip(k), clip(v)
	}
	q = Reshape(q, B, S, H, hd)
	k = Reshape(k, B, S, KV, hd)
	v = Reshape(v, B, S, KV, hd)
	if f.arch.qkNorm == qkPerHead {
		q = rmsNorm(q, f.p.Param(p+"q_norm.weight"), c.NormEps)
		k = rmsNorm(k, f.p.Param(p+"k_norm.weight"), c.NormEps)
	}
	q = f.site(hook.Q(L), q)
	k = f.site(hook.K(L), k)
	v = f.site(hook.V(L), v)
	q = applyRope(q, cos, sin, c.RotaryDim)
	k = applyRope(k, cos, sin, c.RotaryDim)

	kT := TransposeAllAxes(k, 0, 2, 1, 3) // [B,KV,S,hd]
	vT := TransposeAllAxes(v, 0, 2, 1, 3)
	if cacheK != nil {
		// The cache stays float32 (bf16 values are exact in it); a bf16
		// forward writes converted values and reads the cache back as bf16.
		dt := kT.DType()
		kT = cacheWrite(cacheK, ConvertDType(kT, cacheK.DType()), offset)
		vT = cacheWrite(cacheV, ConvertDType(vT, cacheV.DType()), offset)
		f.out.CacheK = append(f.out.CacheK, kT)
		f.out.CacheV = append(f.out.CacheV, vT)
		kT, vT = ConvertDType(kT, dt), ConvertDType(vT, dt)
	}
	K := kT.Shape().Dimensions[2]
	qT := TransposeAllAxes(Reshape(q, B, S, KV, G, hd), 0, 2, 3, 1, 4)                       // [B,KV,G,S,hd]
	scores := Reshape(batchedRowsMatMul(Reshape(qT, B, KV, G*S, hd), kT, 3), B, KV, G, S, K) // [B,KV,G,S,K]
	scores = MulScalar(Reshape(scores, B, H, S, K), 1/math.Sqrt(float64(hd)))
	cdt := scores.DType()
	if cdt != dtypes.Float32 { // HF eager: softmax(..., dtype=torch.float32).to(query.dtype)
		scores = ConvertDType(scores, dtypes.Float32)
	}
	scores = Where(mask, scores, Const(x.Graph(), float32(-math.MaxFloat32)))
	scores = f.site(hook.AttnScores(L), scores)
	probs := f.site(hook.Pattern(L), Softmax(scores, -1))
	if cdt != dtypes.Float32 {
		probs = ConvertDType(probs, cdt)
	}
	z := Reshape(batchedRowsMatMul(Reshape(probs, B, KV, G*S, K), vT, 2), B, KV, G, S, hd) // [B,KV,G,S,hd]
	z = Reshape(TransposeAllAxes(z, 0, 3, 1, 2, 4), B, S, H, hd)
	z = f.site(hook.Z(L), z)
	return f.lin(p+"o_proj", Reshape(z, B, S, H*hd))
}

// mlp is the SwiGLU MLP: down(silu(gate x) * up x). x [B,S,D].
func (f *fwd) mlp(L int, p string, x *Node) *Node {
	var gate, up *Node
	if f.arch.fusedUp {
		gu := f.lin(p+"gate_up_proj", x)
		I := gu.Shape().Dimensions[2] / 2
		gate = Slice(gu, AxisRange(), AxisRange(), AxisRange(0, I))
		up = Slice(gu, AxisRange(), AxisRange(), AxisRange(I, 2*I))
	} else {
		gate, up = f.lin(p+"gate_proj", x), f.lin(p+"up_proj", x)
	}
	gate = f.site(hook.MLPPre(L), gate)
	h := f.site(hook.MLPPost(L), Mul(silu(gate), up))
	return f.lin(p+"down_proj", h)
}

// cacheWrite returns cache [B,KV,maxLen,dh] with slots offset…offset+n-1
// replaced by upd [B,KV,n,dh] (Step guarantees offset+n ≤ maxLen). It is a
// DynamicUpdateSlice: with the cache buffers donated by Step, the Go backend
// (compute ≥ v0.1.14) writes the n slots in place instead of rebuilding the
// whole cache, and XLA does the same natively.
func cacheWrite(cache, upd, offset *Node) *Node {
	zero := ScalarZero(cache.Graph(), offset.DType())
	return DynamicUpdateSlice(cache, upd, []*Node{zero, zero, offset, zero})
}
