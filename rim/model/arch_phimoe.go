package model

// phimoe: LayerNorm with bias everywhere, q/k/v/o biases, sparsemixer top-2
// routing, lm_head bias, longrope with short/long mscale chosen by key length.
// Semantics: shared/fixtures/hf-tiny/README.md (transformers 4.51.3).
func init() {
	register(&Arch{ModelType: "phimoe", norm: normLayerBias, attnBias: true, moe: moePhi,
		moePrefix: "block_sparse_moe", longropeMScale: true, longropeByKeys: true})
}
