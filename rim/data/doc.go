// Package data loads the evaluation and fine-tuning sets used to reproduce
// "When Thinking Backfires" (docs/paper.md §3) from the file formats
// shipped in shared/data (GSM8K, MATH500, MATH401, AdvBench, HarmBench,
// StrongREJECT, JailbreakBench, XSTest, MaliciousInstruct, TDC2023, Alpaca,
// the refusal-direction splits) and from a user's own HEx-PHI folder, and
// builds the paper's derived sets: HEx-PHI-MI (§3.1), the S_clean/S_dark
// statements of Table A8 (§5.2), GSM8k-Literal and the GSM8k(L)
// control/target edits (§5.3).
//
// Loaders are strict by default: the first malformed CSV record or JSONL line
// is an error naming the file and line. With SkipMalformed they continue and
// report every skipped line to a callback instead.
package data
