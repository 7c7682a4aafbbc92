// Package derive builds the paper's LLM-made derived sets against any
// OpenAI-compatible endpoint (docs/paper.md §5.3): GSM8k-Literal (context kept, the
// math question replaced by a literal, span-answerable question; 3-shot
// prompt) and the GSM8k(L) control/target edits (Fig A8/A9 prompts,
// paraphrased), with every reply cached on disk (chatapi.Cache) and every
// output checked (span present in the context; final answer preserved by an
// edit). It also reports the control-vs-target length statistics the paper
// asserts without numbers.
//
// It lives under rim/eval because the answer-preservation check uses the math
// grader.
package derive
