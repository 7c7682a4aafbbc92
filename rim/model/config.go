package model

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// Config holds the hyper-parameters of a decoder model, all read from
// config.json (nothing is assumed from a particular checkpoint).
type Config struct {
	ModelType       string
	Vocab           int // vocab_size
	Hidden          int // hidden_size (dModel)
	Intermediate    int // intermediate_size (dMLP of dense layers)
	NumLayers       int // num_hidden_layers
	NumHeads        int // num_attention_heads
	NumKVHeads      int // num_key_value_heads (default NumHeads)
	HeadDim         int // head_dim (default Hidden/NumHeads)
	NormEps         float64
	RopeTheta       float64
	RotaryDim       int // int(HeadDim * partial_rotary_factor)
	Rope            RopeScaling
	MaxPositions    int // max_position_embeddings
	OrigMaxPos      int // original_max_position_embeddings (longrope)
	TieEmbeddings   bool
	AttentionBias   bool // q/k/v (and o for phimoe/llama) biases
	MLPBias         bool
	LMHeadBias      bool
	SlidingWindow   int // 0 = none
	HiddenAct       string
	NumExperts      int
	TopK            int // num_experts_per_tok
	MoEIntermediate int
	NormTopKProb    bool
	SparseStep      int
	MLPOnlyLayers   map[int]bool
	JitterEps       float64 // router_jitter_noise (phimoe sparsemixer)
	ClipQKV         float64 // clip_qkv (olmoe): clamp q, k, v to [-ClipQKV, ClipQKV]; 0 = off
	BOS, EOS, Pad   []int
	TorchDType      string
	// MoE is how MoE experts are computed (moe_sparse.go); set by
	// Options.MoE at load, not read from config.json.
	MoE MoEMode

	raw map[string]any
}

// RopeScaling is config.json's rope_scaling (nil/zero when absent).
type RopeScaling struct {
	Type                    string // "", "default", "llama3", "longrope", "linear"
	Factor                  float64
	LowFreqFactor           float64
	HighFreqFactor          float64
	OriginalMaxPositions    int
	ShortFactor, LongFactor []float64
	ShortMScale, LongMScale float64
	HasMScales              bool
}

// Raw returns a config.json value by key (nil if absent).
func (c *Config) Raw(key string) any { return c.raw[key] }

// IsMoELayer reports whether decoder layer L has a sparse MoE block.
func (c *Config) IsMoELayer(L int) bool {
	if c.NumExperts == 0 {
		return false
	}
	if c.ModelType == "qwen3_moe" {
		return !c.MLPOnlyLayers[L] && (L+1)%c.SparseStep == 0
	}
	return true
}

// LoadConfig reads dir/config.json.
func LoadConfig(dir string) (*Config, error) {
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rim: reading model config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("rim: %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses the contents of a config.json.
func ParseConfig(data []byte) (*Config, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("invalid json: %w", err)
	}
	r := reader{raw: raw}
	c := &Config{raw: raw}
	c.ModelType = r.str("model_type", "")
	if r.err != nil { // e.g. "model_type": 7 is a wrong type, not a missing field
		return nil, r.err
	}
	if c.ModelType == "" {
		return nil, fmt.Errorf("missing required field \"model_type\"")
	}
	if _, ok := archs[c.ModelType]; !ok {
		return nil, fmt.Errorf("unknown model_type %q (supported: %s)", c.ModelType, supportedTypes())
	}
	c.Vocab = r.reqInt("vocab_size")
	c.Hidden = r.reqInt("hidden_size")
	c.NumLayers = r.reqInt("num_hidden_layers")
	c.NumHeads = r.reqInt("num_attention_heads")
	c.NumKVHeads = r.int("num_key_value_heads", c.NumHeads)
	c.Intermediate = r.int("intermediate_size", 0)
	if c.NumHeads > 0 {
		c.HeadDim = r.int("head_dim", c.Hidden/c.NumHeads)
	}
	c.NormEps = r.float("rms_norm_eps", r.float("layer_norm_eps", 1e-6))
	c.RopeTheta = r.float("rope_theta", 10000)
	prf := r.float("partial_rotary_factor", 1)
	if !(prf > 0 && prf <= 1) { // also NaN: int(NaN) is undefined
		r.fail("partial_rotary_factor must be in (0, 1], got %v", prf)
		prf = 1
	}
	c.RotaryDim = int(float64(c.HeadDim) * prf)
	c.MaxPositions = r.int("max_position_embeddings", 0)
	c.OrigMaxPos = r.int("original_max_position_embeddings", 0)
	c.TieEmbeddings = r.bool("tie_word_embeddings", false)
	c.AttentionBias = r.bool("attention_bias", false)
	c.MLPBias = r.bool("mlp_bias", false)
	c.LMHeadBias = r.bool("lm_head_bias", false)
	c.SlidingWindow = r.int("sliding_window", 0)
	c.HiddenAct = r.str("hidden_act", "silu")
	c.NumExperts = r.int("num_experts", r.int("num_local_experts", 0))
	c.TopK = r.int("num_experts_per_tok", 0)
	c.MoEIntermediate = r.int("moe_intermediate_size", c.Intermediate)
	c.NormTopKProb = r.bool("norm_topk_prob", false)
	c.SparseStep = r.int("decoder_sparse_step", 1)
	c.MLPOnlyLayers = map[int]bool{}
	if v, ok := raw["mlp_only_layers"].([]any); ok {
		for _, x := range v {
			if f, ok := x.(float64); ok {
				c.MLPOnlyLayers[int(f)] = true
			}
		}
	}
	c.JitterEps = r.float("router_jitter_noise", 0)
	c.ClipQKV = r.float("clip_qkv", 0)
	c.BOS = r.ints("bos_token_id")
	c.EOS = r.ints("eos_token_id")
	c.Pad = r.ints("pad_token_id")
	c.TorchDType = r.str("torch_dtype", "float32")
	if rs, ok := raw["rope_scaling"].(map[string]any); ok {
		rr := reader{raw: rs}
		c.Rope.Type = rr.str("rope_type", rr.str("type", ""))
		c.Rope.Factor = rr.float("factor", 1)
		c.Rope.LowFreqFactor = rr.float("low_freq_factor", 1)
		c.Rope.HighFreqFactor = rr.float("high_freq_factor", 4)
		c.Rope.OriginalMaxPositions = rr.int("original_max_position_embeddings", c.OrigMaxPos)
		c.Rope.ShortFactor = rr.floats("short_factor")
		c.Rope.LongFactor = rr.floats("long_factor")
		_, hs := rs["short_mscale"]
		_, hl := rs["long_mscale"]
		c.Rope.HasMScales = hs || hl
		c.Rope.ShortMScale = rr.float("short_mscale", 1)
		c.Rope.LongMScale = rr.float("long_mscale", 1)
		if c.OrigMaxPos == 0 {
			c.OrigMaxPos = c.Rope.OriginalMaxPositions
		}
		if rr.err != nil {
			return nil, fmt.Errorf("rope_scaling: %w", rr.err)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	pos := map[string]int{"vocab_size": c.Vocab, "hidden_size": c.Hidden, "num_hidden_layers": c.NumLayers,
		"num_attention_heads": c.NumHeads, "num_key_value_heads": c.NumKVHeads, "head_dim": c.HeadDim}
	for _, k := range []string{"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim"} {
		if pos[k] <= 0 {
			return fmt.Errorf("%s must be positive, got %d", k, pos[k])
		}
	}
	// Sanity bounds so that a lying config cannot make rim allocate absurd tables.
	for k, lim := range map[string][2]int{"num_hidden_layers": {c.NumLayers, 4096}, "num_attention_heads": {c.NumHeads, 4096},
		"hidden_size": {c.Hidden, 1 << 20}, "vocab_size": {c.Vocab, 1 << 26}, "num_experts": {c.NumExperts, 1 << 14},
		"head_dim": {c.HeadDim, 1 << 16}} {
		if lim[0] > lim[1] {
			return fmt.Errorf("%s %d is larger than rim supports (%d)", k, lim[0], lim[1])
		}
	}
	if c.NumLayers*(3*c.NumExperts+24) > 1<<22 {
		return fmt.Errorf("num_hidden_layers %d x num_experts %d is larger than rim supports", c.NumLayers, c.NumExperts)
	}
	if c.NumExperts < 0 || c.Intermediate < 0 || c.MoEIntermediate < 0 || c.SlidingWindow < 0 {
		return fmt.Errorf("negative num_experts, intermediate_size, moe_intermediate_size or sliding_window")
	}
	if c.NumHeads%c.NumKVHeads != 0 {
		return fmt.Errorf("num_attention_heads %d is not a multiple of num_key_value_heads %d", c.NumHeads, c.NumKVHeads)
	}
	if c.RotaryDim <= 0 || c.RotaryDim > c.HeadDim || c.RotaryDim%2 != 0 {
		return fmt.Errorf("rotary dims %d (head_dim %d * partial_rotary_factor) must be even and in (0, head_dim]", c.RotaryDim, c.HeadDim)
	}
	switch c.HiddenAct {
	case "silu", "swish":
	default:
		return fmt.Errorf("hidden_act %q is not supported (only silu)", c.HiddenAct)
	}
	switch c.Rope.Type {
	case "", "default", "llama3", "longrope", "linear", "dynamic", "yarn":
	default:
		return fmt.Errorf("rope_scaling type %q is not supported (supported: default, linear, llama3, dynamic, yarn, longrope)", c.Rope.Type)
	}
	if err := c.validateRopeScaling(); err != nil { // rope_scaling.go
		return err
	}
	if err := c.validateRouter(); err != nil { // moe_sparse.go
		return err
	}
	if c.Rope.Type == "longrope" {
		if len(c.Rope.ShortFactor) != c.RotaryDim/2 || len(c.Rope.LongFactor) != c.RotaryDim/2 {
			return fmt.Errorf("rope_scaling: longrope short_factor/long_factor need %d values, got %d/%d",
				c.RotaryDim/2, len(c.Rope.ShortFactor), len(c.Rope.LongFactor))
		}
		if c.OrigMaxPos <= 0 {
			return fmt.Errorf("longrope needs original_max_position_embeddings")
		}
	}
	if archs[c.ModelType].moe != moeNone {
		if c.NumExperts <= 0 || c.TopK <= 0 || c.TopK > c.NumExperts {
			return fmt.Errorf("moe model needs 0 < num_experts_per_tok (%d) <= num_experts (%d)", c.TopK, c.NumExperts)
		}
		if c.MoEIntermediate <= 0 {
			return fmt.Errorf("moe_intermediate_size/intermediate_size must be positive")
		}
		if c.SparseStep <= 0 {
			return fmt.Errorf("decoder_sparse_step must be positive")
		}
		if archs[c.ModelType].moe == moePhi && c.TopK != 2 {
			return fmt.Errorf("phimoe sparsemixer routing supports only num_experts_per_tok 2, got %d", c.TopK)
		}
	}
	if c.Intermediate <= 0 {
		needDense := false
		for L := 0; L < c.NumLayers; L++ {
			if !c.IsMoELayer(L) {
				needDense = true
			}
		}
		if needDense {
			return fmt.Errorf("missing required field \"intermediate_size\"")
		}
	}
	if c.NormEps <= 0 || math.IsNaN(c.NormEps) {
		return fmt.Errorf("rms_norm_eps must be positive")
	}
	return c.validateRope()
}

// validateRope rejects RoPE settings that give inf/NaN frequencies (every
// logit NaN later, with no hint why): rope_theta and the scaling factors
// must be positive and finite; llama3 also needs high_freq_factor >
// low_freq_factor (HF divides by their difference) and the original context.
func (c *Config) validateRope() error {
	finitePos := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	if !finitePos(c.RopeTheta) {
		return fmt.Errorf("rope_theta must be positive and finite, got %v", c.RopeTheta)
	}
	if c.Rope.Type == "" || c.Rope.Type == "default" {
		return nil
	}
	if !finitePos(c.Rope.Factor) {
		return fmt.Errorf("rope_scaling (%s): factor must be positive and finite, got %v", c.Rope.Type, c.Rope.Factor)
	}
	if c.Rope.Type == "llama3" {
		if !finitePos(c.Rope.LowFreqFactor) || !finitePos(c.Rope.HighFreqFactor) || c.Rope.HighFreqFactor <= c.Rope.LowFreqFactor {
			return fmt.Errorf("rope_scaling (llama3): need 0 < low_freq_factor (%v) < high_freq_factor (%v)", c.Rope.LowFreqFactor, c.Rope.HighFreqFactor)
		}
		if c.Rope.OriginalMaxPositions <= 0 {
			return fmt.Errorf("rope_scaling (llama3): original_max_position_embeddings must be positive, got %d", c.Rope.OriginalMaxPositions)
		}
	}
	for _, f := range [][]float64{c.Rope.ShortFactor, c.Rope.LongFactor} {
		for i, x := range f {
			if !finitePos(x) {
				return fmt.Errorf("rope_scaling (%s): short_factor/long_factor[%d] must be positive and finite, got %v", c.Rope.Type, i, x)
			}
		}
	}
	return nil
}

// reader extracts typed values, remembering the first type error.
type reader struct {
	raw map[string]any
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *reader) reqInt(key string) int {
	if v, ok := r.raw[key]; !ok || v == nil {
		r.fail("missing required field %q", key)
		return 0
	}
	return r.int(key, 0)
}

func (r *reader) int(key string, def int) int {
	v, ok := r.raw[key]
	if !ok || v == nil {
		return def
	}
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) {
		r.fail("field %q: want an integer, got %v", key, v)
		return def
	}
	if math.Abs(f) > 1<<53 { // int(f) would wrap (2^63 read as negative)
		r.fail("field %q: %.0f is out of range", key, f)
		return def
	}
	return int(f)
}

func (r *reader) float(key string, def float64) float64 {
	v, ok := r.raw[key]
	if !ok || v == nil {
		return def
	}
	f, ok := v.(float64)
	if !ok {
		r.fail("field %q: want a number, got %v", key, v)
		return def
	}
	return f
}

func (r *reader) bool(key string, def bool) bool {
	v, ok := r.raw[key]
	if !ok || v == nil {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		r.fail("field %q: want true/false, got %v", key, v)
		return def
	}
	return b
}

func (r *reader) str(key, def string) string {
	v, ok := r.raw[key]
	if !ok || v == nil {
		return def
	}
	s, ok := v.(string)
	if !ok {
		r.fail("field %q: want a string, got %v", key, v)
		return def
	}
	return s
}

func (r *reader) floats(key string) []float64 {
	v, ok := r.raw[key].([]any)
	if !ok {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		f, ok := x.(float64)
		if !ok {
			r.fail("field %q: want numbers", key)
			return nil
		}
		out[i] = f
	}
	return out
}

// ints reads an int or a list of ints (eos_token_id may be either).
func (r *reader) ints(key string) []int {
	switch v := r.raw[key].(type) {
	case float64:
		return []int{int(v)}
	case []any:
		var out []int
		for _, x := range v {
			if f, ok := x.(float64); ok {
				out = append(out, int(f))
			}
		}
		return out
	}
	return nil
}

// PadID is the id to pad training batches with: pad_token_id, else the first
// eos_token_id, else 0 (padded positions are masked, so only validity matters).
func (c *Config) PadID() int {
	switch {
	case len(c.Pad) > 0:
		return c.Pad[0]
	case len(c.EOS) > 0:
		return c.EOS[0]
	}
	return 0
}
