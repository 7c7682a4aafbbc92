// Package experiment holds the model-backed pipelines of the paper that the notebooks used to carry in long
// cells: region activation capture pooled over named token regions (docs/paper.md §6.1 probes, §7.1 neuron pooling),
// first-generated-token attention samples per think mode (§6.2 refusal heads) and the safety-neuron
// identification from pooled activations (§7.1). rim/analysis/... stays free of GoMLX; this package is the
// glue between it and rim/model + rim/generate.
package experiment
