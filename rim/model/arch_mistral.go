package model

// mistral: llama + sliding_window attention (read from config).
// Semantics: shared/fixtures/hf-tiny/README.md (transformers 4.51.3).
func init() {
	register(&Arch{ModelType: "mistral"})
}
