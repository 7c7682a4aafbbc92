package model

import (
	"fmt"
	"sort"
	"strings"
)

// Arch describes how one model_type differs from the common pre-norm
// decoder (llama). Each architecture file registers one value; the shared
// blocks in blocks.go read these switches.
type Arch struct {
	ModelType string
	norm      normKind
	qkNorm    qkNormKind
	fusedQKV  bool // phi3: qkv_proj = [q | k | v]
	fusedUp   bool // phi3: gate_up_proj = [gate | up]
	postNorm  bool // olmo2: norms applied to sublayer outputs
	qkvBias   bool // qwen2: q/k/v biases regardless of config
	// attnBias: config.json attention_bias puts biases on q, k, v and o (as the
	// HF class does for llama, qwen3, qwen3_moe, olmo2, olmoe, phimoe; mistral,
	// mixtral and phi3 hard-code no biases).
	attnBias bool
	moe      moeKind
	// moePrefix is the HF module of the sparse block: "mlp" or "block_sparse_moe".
	moePrefix string
	// longropeMScale: phimoe multiplies cos/sin by short/long_mscale (phi3 uses sqrt(1+ln s/ln orig)).
	longropeMScale bool
	// longropeByKeys: the long/short choice uses the key length (phimoe), not max(position_ids)+1 (phi3).
	longropeByKeys bool
	// mlpBias: config.json mlp_bias puts biases on the MLP projections (llama only).
	mlpBias bool
	// clipQKV: clip_qkv clamps q, k, v after the q/k norms (olmoe).
	clipQKV bool
	// noWindow: the HF class ignores config.sliding_window (llama, olmo2, olmoe).
	noWindow bool
}

type normKind uint8

const (
	normRMS       normKind = iota
	normLayerBias          // torch.nn.LayerNorm with weight and bias (phimoe)
)

type qkNormKind uint8

const (
	qkNone    qkNormKind = iota
	qkPerHead            // RMSNorm over head_dim per head (qwen3, qwen3_moe)
	qkWhole              // RMSNorm over the whole projection before the head split (olmo2, olmoe)
)

type moeKind uint8

const (
	moeNone    moeKind = iota
	moeSoftmax         // softmax, top-k, optional renormalisation (norm_topk_prob)
	moeMixtral         // softmax, top-k, always renormalised; experts w1/w2/w3
	moePhi             // phimoe sparsemixer; experts w1/w2/w3
)

var archs = map[string]*Arch{}

func register(a *Arch) {
	if _, dup := archs[a.ModelType]; dup {
		panic("rim: duplicate architecture " + a.ModelType)
	}
	archs[a.ModelType] = a
}

func supportedTypes() string {
	var ts []string
	for t := range archs {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return strings.Join(ts, ", ")
}

// SupportedTypes lists the registered model_type values.
func SupportedTypes() []string { return strings.Split(supportedTypes(), ", ") }

// ParamSpec is one row of an architecture's weight table: HF tensor name and shape.
type ParamSpec struct {
	Name  string
	Shape []int
}

// ParamTable is the declared mapping from HF tensor names to model
// parameters (every parameter keeps its HF name and layout; linear weights
// are [out, in] and are used as x·Wᵀ).
func ParamTable(c *Config) []ParamSpec { return paramTable(c, archs[c.ModelType]) }

func paramTable(c *Config, a *Arch) []ParamSpec {
	var ps []ParamSpec
	add := func(name string, shape ...int) { ps = append(ps, ParamSpec{name, shape}) }
	D, H, KV, hd := c.Hidden, c.NumHeads, c.NumKVHeads, c.HeadDim
	norm := func(name string, n int) {
		add(name+".weight", n)
		if a.norm == normLayerBias {
			add(name+".bias", n)
		}
	}
	linear := func(name string, out, in int, bias bool) {
		add(name+".weight", out, in)
		if bias {
			add(name+".bias", out)
		}
	}
	add("model.embed_tokens.weight", c.Vocab, D)
	for L := 0; L < c.NumLayers; L++ {
		p := fmt.Sprintf("model.layers.%d.", L)
		if !a.postNorm {
			norm(p+"input_layernorm", D)
		}
		norm(p+"post_attention_layernorm", D)
		if a.postNorm {
			norm(p+"post_feedforward_layernorm", D)
		}
		qkvBias := a.qkvBias || (a.attnBias && c.AttentionBias)
		if a.fusedQKV {
			linear(p+"self_attn.qkv_proj", (H+2*KV)*hd, D, qkvBias)
		} else {
			linear(p+"self_attn.q_proj", H*hd, D, qkvBias)
			linear(p+"self_attn.k_proj", KV*hd, D, qkvBias)
			linear(p+"self_attn.v_proj", KV*hd, D, qkvBias)
		}
		linear(p+"self_attn.o_proj", D, H*hd, a.attnBias && c.AttentionBias)
		switch a.qkNorm {
		case qkPerHead:
			add(p+"self_attn.q_norm.weight", hd)
			add(p+"self_attn.k_norm.weight", hd)
		case qkWhole:
			add(p+"self_attn.q_norm.weight", H*hd)
			add(p+"self_attn.k_norm.weight", KV*hd)
		}
		if c.IsMoELayer(L) {
			m := p + a.moePrefix + "."
			E, I := c.NumExperts, c.MoEIntermediate
			add(m+"gate.weight", E, D)
			for e := 0; e < E; e++ {
				gate, up, down := expertNames(a, m, e)
				linear(gate, I, D, false)
				linear(up, I, D, false)
				linear(down, D, I, false)
			}
		} else {
			I := c.Intermediate
			if a.fusedUp {
				linear(p+"mlp.gate_up_proj", 2*I, D, a.mlpBias && c.MLPBias)
			} else {
				linear(p+"mlp.gate_proj", I, D, a.mlpBias && c.MLPBias)
				linear(p+"mlp.up_proj", I, D, a.mlpBias && c.MLPBias)
			}
			linear(p+"mlp.down_proj", D, I, a.mlpBias && c.MLPBias)
		}
	}
	norm("model.norm", D)
	if !c.TieEmbeddings {
		add("lm_head.weight", c.Vocab, D)
	}
	if c.LMHeadBias {
		add("lm_head.bias", c.Vocab)
	}
	return ps
}

// expertNames returns the HF module names of expert e's gate, up and down projections.
func expertNames(a *Arch, moePrefix string, e int) (gate, up, down string) {
	x := fmt.Sprintf("%sexperts.%d.", moePrefix, e)
	if a.moe == moeMixtral || a.moe == moePhi {
		return x + "w1", x + "w3", x + "w2"
	}
	return x + "gate_proj", x + "up_proj", x + "down_proj"
}
