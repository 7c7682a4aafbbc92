package model

// phi3: fused qkv_proj [q|k|v] and gate_up_proj [gate|up]; partial rotary;
// longrope chosen by max(position_ids)+1 with the sqrt(1+ln s/ln orig) scale.
// Semantics: shared/fixtures/hf-tiny/README.md (transformers 4.51.3).
func init() {
	register(&Arch{ModelType: "phi3", fusedQKV: true, fusedUp: true})
}
