// Package eval measures the paper's two headline numbers (docs/paper.md §4): the
// misalignment rate (a judge scores each response to a harmful request;
// HEx-PHI rubric 1–5, misaligned when ≥ 3; or an offline refusal judge) and
// math accuracy (final-answer extraction after </think>, normalisation and
// numeric/symbolic comparison). It also gives Wilson 95% intervals, judge
// agreement (Cohen's kappa, confusion matrix) and per-category reports.
package eval
