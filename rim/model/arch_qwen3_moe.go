package model

// qwen3_moe: qwen3 attention + sparse MoE (softmax, top-k, norm_topk_prob)
// on layers selected by decoder_sparse_step / mlp_only_layers.
// Semantics: shared/fixtures/hf-tiny/README.md (transformers 4.51.3).
func init() {
	register(&Arch{ModelType: "qwen3_moe", qkNorm: qkPerHead, attnBias: true, moe: moeSoftmax, moePrefix: "mlp"})
}
