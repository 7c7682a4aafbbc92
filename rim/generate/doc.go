// Package generate is rim's batched text generation: greedy decoding (the
// paper's setting, temperature 0, docs/paper.md §4.3) and seeded
// temperature/top-k/top-p sampling, stop conditions (EOS ids, stop strings
// that may span token boundaries, max new tokens, the model's context),
// left-padded batches of prompts of different lengths with per-row
// finishing, and think-mode aware output (the <think>…</think> text and the
// answer returned separately, also when generation is cut off inside the
// think block).
//
// The decoding loop (Run) drives a Stepper: anything that can prefill a
// left-padded batch and then take one token per row. The model-backed
// stepper keeps a fixed-shape KV cache and applies captures and
// interventions at every step (engine.go); tests use fake steppers with
// scripted logits, so the loop logic is checked without a model.
package generate
