// Package analysis groups the paper's analyses as pure functions over
// captured tensors (docs/paper.md §6–§8):
//
//   - probe:   steering-vector probes by token region (paper §3.1, docs/paper.md §6.1)
//   - heads:   refusal attention heads (paper §3.2, docs/paper.md §6.2)
//   - neurons: safety-critical neurons (paper §4.1.1, docs/paper.md §7.1)
//   - ras:     Reciprocal Activation Shift, its baselines and the KL proxy (paper §4.1, docs/paper.md §8)
//   - stats:   Pearson / Spearman correlation with p-values (paper §4.1, Table 3, Fig 8)
//
// None of them needs GoMLX: activations enter as plain float64 slices.
// docs/analysis.md lists the file formats of `rim analyze` and every
// ambiguity of the paper with the default chosen here.
package analysis
