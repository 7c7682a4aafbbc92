// Package model loads Hugging Face decoder LLMs from a local model directory
// and runs them on GoMLX exactly as transformers computes them (eager
// attention), with hook-site captures and interventions in every forward,
// a fixed-shape KV cache for decoding, and the causal-LM loss and gradients
// for fine-tuning.
//
// # Where things are
//
//	config.go      config.json → Config (dimensions, RoPE and rope_scaling,
//	               sliding window, MoE settings, PadID); errors name the key
//	arch.go        Arch: the switches by which a model_type differs from the
//	               common pre-norm decoder; the registry (register, by
//	               model_type); ParamTable / checkTable: the declared table of
//	               every HF tensor name and shape, checked at load
//	arch_*.go      one file per architecture, each one register call plus a
//	               comment saying how it differs (below)
//	graph.go       BuildForward: the whole forward on one screen (embedding,
//	               mask, RoPE tables, layer, attention, MLP, final norm,
//	               lm_head), each hook site marked where it happens
//	blocks.go      building blocks that exist once: RMSNorm, LayerNorm, RoPE
//	               (default, llama3, linear, longrope), linear
//	rope_scaling.go dynamic (NTK) and yarn RoPE, the per-call longrope
//	               choice (ropeForward, called by BuildForward)
//	longrope_step.go phi3/phimoe: Step re-runs the sequence once when
//	               decoding crosses original_max_position_embeddings
//	moe.go         the sparse MoE block (router, top-k or sparsemixer, experts)
//	moe_sparse.go  top-k-only experts (Options.MoE = MoESparse, the default;
//	               dense is the reference), router config checks
//	moe_stack.go   experts stored stacked [E, out, in] per layer and
//	               projection; HF per-expert names mapped onto them
//	intervene.go   hook.Intervention values turned into graph code, with masks
//	               and vectors as inputs (one executable serves a sweep)
//	run.go         Model.Forward over a batch (Input), Options (Capture,
//	               CaptureNames, WithInterventions, LastLogitsOnly), Result
//	cache.go       Cache, NewCache, Step (prefill and decode against the cache),
//	               Greedy (a minimal reference decoder)
//	loss.go        SumTokenLoss (rim's one causal-LM loss: gather + log-sum-exp),
//	               CausalLMLoss (transformers' ForCausalLMLoss on it, labels −100
//	               ignored) and LoadBalancingLoss (the MoE aux loss)
//	train.go       RunGraph (custom graphs over the parameters), Build,
//	               LossAndGrads, RouterAuxLoss
//	load.go        Load, ResolveDir (model dir, sharded index or HF cache
//	               snapshot), Options (backend, weight/compute dtype: a BF16
//	               checkpoint stays bf16 by default, docs/engine.md "Memory at
//	               real size"), MustLoad
//	bench.go       ForwardFLOPs, BenchForward, BenchDecode, BenchMatMul
//
// # Architectures
//
// Every architecture is the llama decoder (pre-norm RMSNorm, GQA attention
// with RoPE, SwiGLU MLP down(silu(gate·x) ⊙ up·x)) plus the differences its
// Arch value switches on:
//
//	llama      arch_llama.go     the base; attention_bias biases q/k/v/o,
//	                             mlp_bias the MLP; ignores sliding_window
//	qwen2      arch_qwen2.go     q/k/v biases always, none on o_proj
//	qwen3      arch_qwen3.go     per-head RMSNorm on q and k before RoPE;
//	                             explicit head_dim
//	qwen3_moe  arch_qwen3_moe.go qwen3 attention; softmax top-k MoE
//	                             (norm_topk_prob) on the layers chosen by
//	                             decoder_sparse_step / mlp_only_layers
//	mistral    arch_mistral.go   llama + sliding-window attention
//	mixtral    arch_mixtral.go   mistral attention; MoE always renormalised,
//	                             experts w1/w2/w3 under block_sparse_moe
//	phi3       arch_phi3.go      fused qkv_proj [q|k|v] and gate_up_proj
//	                             [gate|up]; partial rotary; longrope chosen
//	                             by max(position_ids)+1
//	phimoe     arch_phimoe.go    LayerNorm with bias; q/k/v/o and lm_head
//	                             biases; sparsemixer top-2 routing; longrope
//	                             with short/long mscale chosen by key length
//	olmo2      arch_olmo2.go     no input norm: the norms normalise the
//	                             attention and MLP outputs before the residual
//	                             add; RMSNorm of q and k over the whole
//	                             projection
//	olmoe      arch_olmoe.go     llama + whole-projection q/k norm, clip_qkv,
//	                             softmax top-k MoE
//
// Adding an architecture means one arch_<type>.go with a register call and,
// only when no existing switch covers it, a new Arch field read by graph.go /
// blocks.go / moe.go and by paramTable. Weight tensors keep their HF names
// and layouts (linear weights [out, in], applied as x·Wᵀ); a missing,
// unexpected or mis-shaped tensor fails the load, naming it.
//
// # The forward and its hooks
//
// BuildForward (graph.go) builds one forward for any registered
// architecture; Model.Forward (run.go) and Model.Step (cache.go) compile it
// once per input shape and options, and Model.Build (train.go) lets other
// packages embed it in their own graphs (fine-tuning, custom losses). Each
// hook site of rim/hook is passed through one point (fwd.site), which applies
// the Plan's intervention and records a capture: hook_embed; per layer
// hook_resid_pre, attn.hook_q|k|v (after the q/k norms, before RoPE),
// attn.hook_attn_scores and attn.hook_pattern ([batch, nHeads, seq, keys],
// float32), attn.hook_z ([batch, seq, nHeads, dHead], before o_proj: where
// head ablation acts), hook_attn_out, hook_resid_mid, mlp.hook_pre (gate) and
// mlp.hook_post (act(gate)·up, "the neuron", the input of down_proj),
// hook_mlp_out, hook_resid_post; the MoE sites (moe.hook_router_logits,
// hook_router_probs, hook_topk_experts, hook_topk_weights, hook_out and the
// expert neurons moe.experts.E.hook_post); ln_final.hook_normalized and
// logits. rim/hook/sites.go lists every site with its shape. In a bfloat16 forward, captures and interventions see
// float32. Logits always come back as float32.
//
// # KV cache
//
// A Cache holds per layer K and V of shape [batch, nKVHeads, maxLen, dHead]
// and the number of tokens written (the same for every row, padding
// included). Step writes n new tokens at cache index Len (n = prompt length
// for a prefill, 1 for a decode step), donates the buffers and replaces them,
// so one executable serves every decode step; attention sites then have
// maxLen keys, and interventions with positions refer to the n new tokens.
// rim/generate builds batched decoding on it.
//
// # Loss and gradients
//
// CausalLMLoss is transformers' ForCausalLMLoss: logits at t predict
// labels[t+1], labels equal to IgnoreIndex (−100) are left out, and the loss
// is the mean over counted tokens in float32 — so assistant-only training is
// a matter of labels (rim/finetune/sft). LossAndGrads returns the loss and
// the gradients of named parameters; RouterAuxLoss the MoE load-balancing
// loss. rim/finetune builds its training step on Build and these losses.
//
// Errors name the culprit ("rim: blocks.40.attn.hook_z: model has 36
// layers"); graph-building code panics with context. Parity with
// transformers is tested per architecture against the hf-tiny fixtures
// (rim/verify, `rim verify model`).
package model
