// Package modeltest writes random Hugging Face model directories
// (config.json + model.safetensors) for any architecture rim supports. Tests,
// benchmarks and the demo notebooks use it; the weights follow the declared
// weight table of rim/model, so a written directory always loads.
package modeltest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/rimlab/rim/rim/fileio"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/safetensors"
)

// Spec describes a random model. Zero fields take small defaults.
type Spec struct {
	ModelType    string // e.g. "qwen3" (required)
	Vocab        int
	Hidden       int
	Layers       int
	Heads        int
	KVHeads      int
	HeadDim      int
	Intermediate int
	// MoE architectures.
	Experts, TopK, MoEIntermediate int
	Tied                           bool
	Seed                           uint64
	// Std of the matrices' normal init (default 0.02).
	Std float64
	// Extra config.json keys (override the generated ones).
	Extra map[string]any
	// DType of the stored weights: "F32" (default) or "BF16" (values rounded
	// to bfloat16; config.json then says torch_dtype bfloat16).
	DType string
	// ShardBytes, when > 0, splits the weights into shards of about that many
	// bytes with a model.safetensors.index.json, as save_pretrained does; only
	// one shard is held in memory while writing (real-size random models).
	ShardBytes int64
}

var classNames = map[string]string{
	"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "qwen2": "Qwen2ForCausalLM",
	"qwen3": "Qwen3ForCausalLM", "phi3": "Phi3ForCausalLM", "olmo2": "Olmo2ForCausalLM",
	"qwen3_moe": "Qwen3MoeForCausalLM", "mixtral": "MixtralForCausalLM", "olmoe": "OlmoeForCausalLM",
	"phimoe": "PhimoeForCausalLM",
}

func (s *Spec) defaults() {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&s.Vocab, 512)
	def(&s.Hidden, 64)
	def(&s.Layers, 2)
	def(&s.Heads, 4)
	def(&s.KVHeads, 2)
	def(&s.HeadDim, s.Hidden/s.Heads)
	def(&s.Intermediate, 4*s.Hidden)
	def(&s.Experts, 4)
	def(&s.TopK, 2)
	def(&s.MoEIntermediate, s.Intermediate/2)
	if s.Std == 0 {
		s.Std = 0.02
	}
}

// ConfigJSON returns the config.json object for spec.
func ConfigJSON(spec Spec) (map[string]any, error) {
	spec.defaults()
	cls, ok := classNames[spec.ModelType]
	if !ok {
		return nil, fmt.Errorf("rim: modeltest: unknown model_type %q", spec.ModelType)
	}
	c := map[string]any{
		"architectures": []string{cls}, "model_type": spec.ModelType,
		"vocab_size": spec.Vocab, "hidden_size": spec.Hidden, "intermediate_size": spec.Intermediate,
		"num_hidden_layers": spec.Layers, "num_attention_heads": spec.Heads, "num_key_value_heads": spec.KVHeads,
		"head_dim": spec.HeadDim, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "max_position_embeddings": 4096,
		"tie_word_embeddings": spec.Tied, "hidden_act": "silu", "torch_dtype": "float32",
		"bos_token_id": 1, "eos_token_id": 2, "attention_bias": false, "attention_dropout": 0.0,
		"transformers_version": "4.51.3", "use_cache": true,
	}
	switch spec.ModelType {
	case "qwen3_moe", "olmoe":
		c["num_experts"] = spec.Experts
		c["num_experts_per_tok"] = spec.TopK
		c["moe_intermediate_size"] = spec.MoEIntermediate
		c["norm_topk_prob"] = true
		c["decoder_sparse_step"] = 1
		c["mlp_only_layers"] = []int{}
		if spec.ModelType == "olmoe" {
			c["intermediate_size"] = spec.MoEIntermediate
			c["norm_topk_prob"] = false
		}
	case "mixtral", "phimoe":
		c["num_local_experts"] = spec.Experts
		c["num_experts_per_tok"] = spec.TopK
		c["intermediate_size"] = spec.MoEIntermediate
		if spec.ModelType == "phimoe" {
			c["router_jitter_noise"] = 0.01
			c["attention_bias"] = true
			c["lm_head_bias"] = true
			c["rms_norm_eps"] = 1e-5
		}
	case "qwen3", "qwen2":
		c["use_sliding_window"] = false
		c["sliding_window"] = nil
	}
	if spec.DType == "BF16" {
		c["torch_dtype"] = "bfloat16"
	}
	for k, v := range spec.Extra {
		c[k] = v
	}
	return c, nil
}

// Write creates dir (if needed) and writes config.json and the weights
// (model.safetensors, or shards and their index when spec.ShardBytes > 0)
// with seeded random weights: matrices ~ N(0, Std), norm weights ~ 1 + N(0, 0.02),
// biases ~ N(0, 0.02).
func Write(dir string, spec Spec) error {
	spec.defaults()
	enc := safetensors.F32
	switch spec.DType {
	case "", "F32":
	case "BF16":
		enc = safetensors.BF16
	default:
		return fmt.Errorf("rim: modeltest: dtype %q is not supported (F32 or BF16)", spec.DType)
	}
	cj, err := ConfigJSON(spec)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(cj, "", "  ")
	if err != nil {
		return err
	}
	cfg, err := model.ParseConfig(data)
	if err != nil {
		return fmt.Errorf("rim: modeltest: generated config: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("rim: modeltest: %w", err)
	}
	rng := rand.New(rand.NewPCG(spec.Seed, 0x9e3779b97f4a7c15))
	table := model.ParamTable(cfg)
	// Shards: consecutive runs of the table of about ShardBytes each.
	var shards [][]model.ParamSpec
	var size int64
	for i, p := range table {
		n := int64(4)
		if spec.DType == "BF16" {
			n = 2
		}
		for _, d := range p.Shape {
			n *= int64(d)
		}
		if i == 0 || (spec.ShardBytes > 0 && size > 0 && size+n > spec.ShardBytes) {
			shards, size = append(shards, nil), 0
		}
		shards[len(shards)-1] = append(shards[len(shards)-1], p)
		size += n
	}
	weightMap := map[string]string{}
	for si, group := range shards {
		var ts []safetensors.Tensor
		for _, p := range group {
			n := 1
			for _, d := range p.Shape {
				n *= d
			}
			vals := make([]float32, n)
			isNorm := strings.Contains(p.Name, "norm") && strings.HasSuffix(p.Name, ".weight")
			for i := range vals {
				switch {
				case isNorm:
					vals[i] = float32(1 + 0.02*rng.NormFloat64())
				case len(p.Shape) == 1:
					vals[i] = float32(0.02 * rng.NormFloat64())
				default:
					vals[i] = float32(spec.Std * rng.NormFloat64())
				}
			}
			ts = append(ts, enc(p.Name, p.Shape, vals))
		}
		name := "model.safetensors"
		if spec.ShardBytes > 0 {
			name = fmt.Sprintf("model-%05d-of-%05d.safetensors", si+1, len(shards))
			for _, p := range group {
				weightMap[p.Name] = name
			}
		}
		if err := safetensors.Write(filepath.Join(dir, name), ts, map[string]string{"format": "pt"}); err != nil {
			return err
		}
	}
	if spec.ShardBytes > 0 {
		idx, err := json.MarshalIndent(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap}, "", "  ")
		if err != nil {
			return err
		}
		if err := fileio.WriteFileAtomic(filepath.Join(dir, safetensors.IndexFile), append(idx, '\n'), 0o644); err != nil {
			return err
		}
	}
	return fileio.WriteFileAtomic(filepath.Join(dir, "config.json"), append(data, '\n'), 0o644)
}
