package model

// llama: pre-norm RMSNorm decoder, GQA, RoPE (incl. rope_scaling llama3),
// SwiGLU MLP; attention_bias puts biases on q/k/v and o.
// Semantics: shared/fixtures/hf-tiny/README.md (transformers 4.51.3).
func init() {
	register(&Arch{ModelType: "llama", attnBias: true, mlpBias: true, noWindow: true})
}
