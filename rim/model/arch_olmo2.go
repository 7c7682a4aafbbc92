package model

// olmo2: no input norm; post_attention_layernorm / post_feedforward_layernorm
// normalise the sublayer outputs before the residual add; q/k RMSNorm over the
// whole projection.
// Semantics: shared/fixtures/hf-tiny/README.md (transformers 4.51.3).
func init() {
	register(&Arch{ModelType: "olmo2", postNorm: true, attnBias: true, qkNorm: qkWhole, noWindow: true})
}
