// Package analysis groups the paper's analyses as pure functions over
// captured tensors (shared/paper/notes.md §6–§8):
//
//   - probe:   steering-vector probes by token region (§3.1, notes §6.1)
//   - heads:   refusal attention heads (§3.2, notes §6.2)
//   - neurons: safety-critical neurons (§4.1.1, notes §7.1)
//   - ras:     Reciprocal Activation Shift, its baselines and the KL proxy (§4.1, notes §8)
//   - stats:   Pearson / Spearman correlation with p-values (§4.1, Table 3, Fig 8)
//
// None of them needs GoMLX: activations enter as plain float64 slices.
// docs/analysis.md lists the file formats of `rim analyze` and every
// ambiguity of the paper with the default chosen here.
package analysis
