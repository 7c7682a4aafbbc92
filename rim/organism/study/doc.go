// Package study runs the paper's experiments on the model organism
// (docs/organism.md, "Experiments"; the paper's items in docs/paper.md):
//
//   - Behaviour: refusal of held-out harmful and harmless requests, think-block
//     closure, arithmetic and GSM8K accuracy, greedy, in both chat modes; its
//     harmful rows in both modes are the Table 1 analogue (docs/paper.md §4,
//     harmful compliance think vs no-think, with 95% Wilson intervals and an
//     exact McNemar test on the paired prompts).
//   - FineTune: the Table 2 analogue (docs/paper.md §5.3): LoRA on new
//     arithmetic problems with the worked reasoning in the think block
//     (target) versus the same problems answer-only (control), equal steps,
//     several seeds; change in harmful compliance and arithmetic accuracy.
//   - Checkpoints: the Fig 8 / Table 3 analogue (docs/paper.md §8): eight
//     checkpoints of a target run; RAS on the base organism's safety-critical
//     neurons and on random neurons, KL(π₀‖π_τ), each correlated (Pearson)
//     with the change in compliance.
//
// Every result carries the organism's fingerprint and rim's version; the
// responses go through rim/cache, so a repeated command reuses them.
package study
