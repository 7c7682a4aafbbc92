package model

// olmoe: llama + whole-projection q/k norm + softmax top-k MoE (norm_topk_prob).
// Semantics: shared/fixtures/hf-tiny/README.md (transformers 4.51.3).
func init() {
	register(&Arch{ModelType: "olmoe", qkNorm: qkWhole, attnBias: true, moe: moeSoftmax, moePrefix: "mlp", noWindow: true, clipQKV: true})
}
