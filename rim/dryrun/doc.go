// Package dryrun holds one test, TestPaperDryRun: a dry run of every paper experiment's real-model path
// (docs/paper.md §5–§8: generation in both think modes, the refusal and rubric judges, prefilled patterns,
// region probes, refusal heads and their ablation, safety neurons and their ablation, LoRA fine-tuning with
// probe captures at checkpoints, RAS, KL and correlations) on a small random model of each of the ten
// architectures rim loads (rim/modeltest), each paired with a real tokenizer and its family's chat
// template. It runs alone with `go test ./rim/dryrun` in a few minutes; -short keeps every architecture
// and trims the heaviest items (Fig 2's prefill sweep, Table 2).
//
// Two limits of the pipelines are pinned rather than worked around: Fig 3b, 4b and 5 read Qwen3's think-span
// tokens (docs/paper.md §6), so on a template without a think mode Fig 3b leaves its think panels out (with
// a note), Fig 2's think placement and Fig 4b and 5 stop with an error saying the template has no think
// mode (Fig 2 then runs with RIM_PREFILL=inst), and the test runs their pipelines (ResidByRegion, probe.Layers, HeadSamples, head
// ablation) on the regions the template has; Fig 6 and RAS select safety neurons from mlp.hook_post
// (docs/paper.md §7.1), which MoE layers do not have, so on the four MoE architectures they stop with an
// error naming the MoE layer and the test runs the fine-tuning half (Settings.Tuned, prompt-token KL).
// When either pipeline learns the missing case, the test's expectation flips to the item itself.
package dryrun
