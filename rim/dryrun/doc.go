// Package dryrun holds one test, TestPaperDryRun: a dry run of every paper experiment's real-model path
// (docs/paper.md §5–§8: generation in both think modes, the refusal and rubric judges, prefilled patterns,
// region probes, refusal heads and their ablation, safety neurons and their ablation, LoRA fine-tuning with
// probe captures at checkpoints, RAS, KL and correlations) on a small random model of each of the ten
// architectures rim loads (rim/modeltest), each paired with a real tokenizer and its family's chat
// template. It runs alone with `go test ./rim/dryrun` in a few minutes; -short keeps every architecture
// and trims the heaviest items (Fig 2's prefill sweep, Table 2).
package dryrun
