package model

// qwen3: llama + per-head RMSNorm on q and k (before RoPE), explicit head_dim.
// Semantics: shared/fixtures/hf-tiny/README.md (transformers 4.51.3).
func init() {
	register(&Arch{ModelType: "qwen3", qkNorm: qkPerHead, attnBias: true})
}
