// Package optim holds the optimisation arithmetic of rim's fine-tuning, with
// PyTorch / Hugging Face semantics so that runs are comparable with the
// paper's (docs/paper.md §5.3: AdamW, lr 1e-5, weight decay 0.01,
// cosine schedule with 10% warmup):
//
//   - AdamW exactly as torch.optim.AdamW (decoupled weight decay
//     p *= 1-lr*wd, bias-corrected moments), on Go float32 slices (Step) and
//     inside a GoMLX graph (GraphStep, with per-step scalars computed on the
//     host by Scalars so that one compiled executable serves every step);
//   - the learning-rate schedules of transformers.optimization (cosine with
//     linear warmup, linear, constant);
//   - global-norm gradient clipping with torch.nn.utils.clip_grad_norm_
//     semantics, on slices (ClipGradNorm) and in a graph (GraphClipGradNorm).
package optim
