package model

// qwen2: llama + q/k/v biases (always), no o_proj bias.
// Semantics: shared/fixtures/hf-tiny/README.md (transformers 4.51.3).
func init() {
	register(&Arch{ModelType: "qwen2", qkvBias: true})
}
