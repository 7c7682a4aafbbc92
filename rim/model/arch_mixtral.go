package model

// mixtral: mistral attention + MoE always renormalised; experts w1/w2/w3.
// Semantics: shared/fixtures/hf-tiny/README.md (transformers 4.51.3).
func init() {
	register(&Arch{ModelType: "mixtral", moe: moeMixtral, moePrefix: "block_sparse_moe"})
}
