// Package lora implements low-rank adapters (Hu et al. 2021) the way Hugging
// Face PEFT does, so that adapters move between rim and the Python ecosystem:
//
//   - targets are named with rim's vocabulary ("attn.q", "mlp.down",
//     "moe.experts.*.up", "moe.router", optionally "blocks.3." in front) and
//     resolved to the model's HF module names (Resolve);
//   - y = W·x + s·B·(A·x) with A [r, in] Kaiming-uniform(a=√5) and B [out, r]
//     zero at init, s = alpha/r, or alpha/√r with rsLoRA (use_rslora);
//   - merge/unmerge on float32 weights: W' = W ± s·B·A;
//   - on disk: adapter_config.json + adapter_model.safetensors with PEFT's
//     tensor names base_model.model.<module>.lora_A.weight / lora_B.weight.
//
// The paper's recipe (docs/paper.md §5.3, Table A5): r 32, alpha 64,
// rsLoRA, dropout 0, attention and MLP projections.
package lora
