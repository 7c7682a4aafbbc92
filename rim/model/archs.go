package model

// The ten architectures of the paper (notes §2), each described as a diff
// against llama. See /work/shared/fixtures/hf-tiny/README.md for semantics.

func init() {
	// llama: pre-norm RMSNorm decoder, GQA, RoPE (incl. rope_scaling llama3),
	// SwiGLU MLP; attention_bias puts biases on q/k/v and o.
	register(&Arch{ModelType: "llama", oBiasCfg: true})

	// mistral: llama + sliding_window attention (read from config).
	register(&Arch{ModelType: "mistral"})

	// qwen2: llama + q/k/v biases (always), no o_proj bias.
	register(&Arch{ModelType: "qwen2", qkvBias: true})

	// qwen3: llama + per-head RMSNorm on q and k (before RoPE), explicit head_dim.
	register(&Arch{ModelType: "qwen3", qkNorm: qkPerHead})

	// phi3: fused qkv_proj [q|k|v] and gate_up_proj [gate|up]; partial rotary;
	// longrope chosen by max(position_ids)+1 with the sqrt(1+ln s/ln orig) scale.
	register(&Arch{ModelType: "phi3", fusedQKV: true, fusedUp: true})

	// olmo2: no input norm; post_attention_layernorm / post_feedforward_layernorm
	// normalise the sublayer outputs before the residual add; q/k RMSNorm over the
	// whole projection.
	register(&Arch{ModelType: "olmo2", postNorm: true, qkNorm: qkWhole})

	// qwen3_moe: qwen3 attention + sparse MoE (softmax, top-k, norm_topk_prob)
	// on layers selected by decoder_sparse_step / mlp_only_layers.
	register(&Arch{ModelType: "qwen3_moe", qkNorm: qkPerHead, moe: moeSoftmax, moePrefix: "mlp"})

	// mixtral: mistral attention + MoE always renormalised; experts w1/w2/w3.
	register(&Arch{ModelType: "mixtral", moe: moeMixtral, moePrefix: "block_sparse_moe"})

	// olmoe: llama + whole-projection q/k norm + softmax top-k MoE (norm_topk_prob).
	register(&Arch{ModelType: "olmoe", qkNorm: qkWhole, moe: moeSoftmax, moePrefix: "mlp"})

	// phimoe: LayerNorm with bias everywhere, q/k/v/o biases, sparsemixer top-2
	// routing, lm_head bias, longrope with short/long mscale chosen by key length.
	register(&Arch{ModelType: "phimoe", norm: normLayerBias, oBiasCfg: true, moe: moePhi,
		moePrefix: "block_sparse_moe", longropeMScale: true, longropeByKeys: true})
}
