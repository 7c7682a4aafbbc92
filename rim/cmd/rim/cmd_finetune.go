package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rimlab/rim/rim/backend"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/experiment"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/finetune/lora"
	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/tokenize"
)

func init() {
	register("finetune", "supervised fine-tuning (LoRA or full) on JSONL conversations, paper preset, checkpoints, --resume, merged export",
		func(args []string) error { return runFinetune(args, os.Stdout, os.Stderr) })
	register("bench train", "time training steps (forward+backward+AdamW) of a model dir, full and LoRA: tokens/s, peak memory",
		func(args []string) error { return benchTrain(args, os.Stdout, os.Stderr) })
}

// finetuneFlags binds every hyper-parameter flag to a Config; explicit flags
// override the preset.
type finetuneFlags struct {
	fs                                                   *flag.FlagSet
	preset, mode, schedule, targets, policy, tokDir      string
	lr, wd, beta1, beta2, eps, warmup, clip, alpha, drop float64
	aux                                                  float64
	epochs, maxSteps, batch, micro, r, maxLen, saveEvery int
	keep, bucket, padMult, logEvery, concurrent          int
	seed                                                 uint64
	rslora, excludeThink, finalOnly, resume, overwrite   bool
	gradCkpt                                             bool
	modelDir, data, out, export                          string
	probes                                               probeFlags
	set                                                  map[string]bool // flags given on the command line
	probeSites                                           string
}

// probeFlags collects repeated --probe NAME=FILE.jsonl flags.
type probeFlags []string

func (p *probeFlags) String() string     { return strings.Join(*p, ",") }
func (p *probeFlags) Set(v string) error { *p = append(*p, v); return nil }

func newFinetuneFlags(errw io.Writer) *finetuneFlags {
	f := &finetuneFlags{fs: flag.NewFlagSet("finetune", flag.ContinueOnError)}
	fs := f.fs
	fs.SetOutput(errw)
	p := finetune.Paper()
	fs.StringVar(&f.modelDir, "model", "", "model directory (required)")
	fs.StringVar(&f.data, "data", "", `JSONL: {"messages":[{"role","content","reasoning_content"}...]} or {"input_ids":[...],"labels":[...]} per line (required)`)
	fs.StringVar(&f.out, "out", "", "output (run) directory: run.json, checkpoint-N/, latest (required)")
	fs.StringVar(&f.preset, "preset", "paper", "hyper-parameter preset: paper (LoRA r32 alpha64 rsLoRA, lr 1e-5, wd 0.01, cosine 10% warmup, batch 32)")
	fs.StringVar(&f.mode, "mode", p.Mode, "lora or full")
	fs.Float64Var(&f.lr, "lr", p.AdamW.LR, "peak learning rate (> 0)")
	fs.Float64Var(&f.wd, "weight-decay", p.AdamW.WeightDecay, "AdamW decoupled weight decay")
	fs.Float64Var(&f.beta1, "beta1", p.AdamW.Beta1, "AdamW beta1")
	fs.Float64Var(&f.beta2, "beta2", p.AdamW.Beta2, "AdamW beta2")
	fs.Float64Var(&f.eps, "eps", p.AdamW.Eps, "AdamW eps")
	fs.StringVar(&f.schedule, "schedule", p.Schedule, "cosine, linear or constant (after linear warmup)")
	fs.Float64Var(&f.warmup, "warmup-ratio", p.WarmupRatio, "warmup steps = ceil(total * ratio)")
	fs.IntVar(&f.epochs, "epochs", p.Epochs, "epochs (paper: 7 on MATH401/MATH500, 3 on GSM8K)")
	fs.IntVar(&f.maxSteps, "max-steps", 0, "stop after N optimiser steps (> 0 overrides --epochs)")
	fs.IntVar(&f.batch, "batch", p.BatchSize, "examples per optimiser step (effective batch)")
	fs.IntVar(&f.micro, "micro-batch", p.MicroBatch, "examples per forward/backward (gradient accumulation = batch/micro-batch)")
	fs.Float64Var(&f.clip, "max-grad-norm", p.MaxGradNorm, "global gradient-norm clipping (0 = off)")
	fs.Float64Var(&f.aux, "aux-loss-coef", -1, "MoE load-balancing loss coefficient (-1 = config.json router_aux_loss_coef; 0 = off)")
	fs.IntVar(&f.r, "lora-r", p.LoRA.R, "LoRA rank")
	fs.Float64Var(&f.alpha, "lora-alpha", p.LoRA.Alpha, "LoRA alpha")
	fs.BoolVar(&f.rslora, "rslora", p.LoRA.RSLoRA, "rank-stabilised scaling alpha/sqrt(r) (else alpha/r)")
	fs.Float64Var(&f.drop, "lora-dropout", p.LoRA.Dropout, "LoRA dropout on the adapter input (PEFT lora_dropout; masks reproducible from --seed)")
	fs.StringVar(&f.targets, "targets", "attn.*,mlp.*,moe.experts.*.*", "LoRA targets in rim's vocabulary: attn.q|k|v|o, mlp.gate|up|down, moe.router, moe.experts.E.gate|up|down, optional blocks.L. prefix, * wildcards")
	fs.IntVar(&f.maxLen, "max-len", 2048, "longest sequence (0 = no limit)")
	fs.StringVar(&f.policy, "length-policy", "truncate", "longer sequences: truncate or drop (counted either way)")
	fs.BoolVar(&f.excludeThink, "exclude-think", false, "no loss on the <think> block (default: trained)")
	fs.BoolVar(&f.finalOnly, "final-only", false, "loss on the final assistant turn only (default: every assistant turn)")
	fs.Uint64Var(&f.seed, "seed", p.Seed, "seed of the LoRA init and the data order")
	fs.IntVar(&f.saveEvery, "save-every", 0, "checkpoint every N steps (0 = only at the end)")
	fs.IntVar(&f.keep, "keep", 0, "checkpoints kept (0 = all)")
	fs.IntVar(&f.logEvery, "log-every", 1, "print a progress line every N steps (and the last)")
	fs.IntVar(&f.concurrent, "concurrent", 0, "micro-batches run at once (0 = number of CPUs on the Go backend, 1 elsewhere; results are identical)")
	fs.IntVar(&f.bucket, "bucket", p.Bucket, "length bucketing over groups of N batches (1 = plain shuffle)")
	fs.IntVar(&f.padMult, "pad-multiple", p.PadMultiple, "pad micro-batches to a multiple of N tokens (fewer compilations)")
	fs.BoolVar(&f.gradCkpt, "grad-checkpoint", false, "recompute each layer's activations in the backward pass (less memory for long CoT sequences, ~1 extra forward)")
	fs.StringVar(&f.tokDir, "tokenizer", "", "directory with tokenizer.json and the chat template (default: --model)")
	fs.BoolVar(&f.resume, "resume", false, "continue the run in --out from its latest checkpoint")
	fs.BoolVar(&f.overwrite, "overwrite", false, "replace a run already in --out")
	fs.StringVar(&f.export, "export", "", "after training, write the merged model as a plain HF directory here")
	fs.Var(&f.probes, "probe", "NAME=FILE.jsonl: capture --probe-sites on these prompts (conversations or input_ids) at every checkpoint into checkpoint-N/probes/NAME.safetensors (repeatable)")
	fs.StringVar(&f.probeSites, "probe-sites", "blocks.*.mlp.hook_post", "comma-separated hook sites for --probe; blocks.*. expands to every layer")
	return f
}

// check rejects flag combinations that make no sense, before any work.
func (f *finetuneFlags) check() error {
	f.set = map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	switch {
	case f.resume && f.overwrite:
		return fmt.Errorf("--resume and --overwrite exclude each other (continue the run in %s, or replace it)", f.out)
	case f.set["probe-sites"] && len(f.probes) == 0:
		return fmt.Errorf("--probe-sites needs at least one --probe NAME=FILE.jsonl")
	}
	names := map[string]bool{}
	for _, pr := range f.probes {
		name, file, ok := strings.Cut(pr, "=")
		if !ok || name == "" || file == "" {
			return fmt.Errorf("--probe %q: want NAME=FILE.jsonl", pr)
		}
		if names[name] {
			return fmt.Errorf("--probe %s: name given twice (each probe writes probes/%s.safetensors)", name, name)
		}
		names[name] = true
	}
	return nil
}

func (f *finetuneFlags) config() (finetune.Config, error) {
	if f.preset != "paper" {
		return finetune.Config{}, fmt.Errorf("unknown preset %q (known: paper)", f.preset)
	}
	c := finetune.Paper()
	c.Mode, c.Schedule, c.WarmupRatio = f.mode, f.schedule, f.warmup
	c.AdamW.LR, c.AdamW.WeightDecay, c.AdamW.Beta1, c.AdamW.Beta2, c.AdamW.Eps = f.lr, f.wd, f.beta1, f.beta2, f.eps
	c.Epochs, c.MaxSteps, c.BatchSize, c.MicroBatch, c.MaxGradNorm = f.epochs, f.maxSteps, f.batch, f.micro, f.clip
	if c.MicroBatch > c.BatchSize {
		if f.set["micro-batch"] {
			return finetune.Config{}, fmt.Errorf("--micro-batch %d is larger than --batch %d", c.MicroBatch, c.BatchSize)
		}
		c.MicroBatch = c.BatchSize // the preset's default micro batch, with a smaller --batch
	}
	c.LoRA.R, c.LoRA.Alpha, c.LoRA.RSLoRA, c.LoRA.Dropout = f.r, f.alpha, f.rslora, f.drop
	c.LoRA.Targets = lora.ParseTargets(f.targets)
	c.LoRA.BaseName = f.modelDir
	c.Seed, c.SaveEvery, c.Keep, c.Bucket, c.PadMultiple, c.LogEvery = f.seed, f.saveEvery, f.keep, f.bucket, f.padMult, f.logEvery
	c.Concurrent, c.GradCheckpoint = f.concurrent, f.gradCkpt
	if f.aux >= 0 {
		a := f.aux
		c.AuxLossCoef = &a
	}
	return c, c.Validate()
}

// runFinetune implements "rim finetune --model DIR --data FILE --out DIR [flags]".
func runFinetune(args []string, out, errw io.Writer) error {
	f := newFinetuneFlags(errw)
	f.fs.Usage = func() {
		fmt.Fprintln(errw, "usage: rim finetune --model DIR --data FILE.jsonl --out DIR [--preset paper] [--mode lora|full] [--resume|--overwrite] [--export DIR] [flags]")
		f.fs.PrintDefaults()
	}
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.modelDir == "" || f.data == "" || f.out == "" || f.fs.NArg() != 0 {
		f.fs.Usage()
		return errUsage
	}
	if err := f.check(); err != nil {
		return err
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	recs, err := sft.ReadJSONL(f.data)
	if err != nil {
		return err
	}
	var tmpl *chat.Template
	var tok chat.Tokenizer
	for _, r := range recs {
		if len(r.Messages) > 0 {
			td := f.tokDir
			if td == "" {
				td = f.modelDir
			}
			tk, err := tokenize.Load(td)
			if err != nil {
				return fmt.Errorf("conversations need a tokenizer: %w", err)
			}
			if tmpl, err = chat.LoadTemplate(td); err != nil {
				return err
			}
			tok = chat.Wrap(tk)
			break
		}
	}
	exs, st, err := sft.Build(recs, tmpl, tok, sft.Options{ExcludeThink: f.excludeThink, FinalOnly: f.finalOnly, MaxLen: f.maxLen, Policy: f.policy})
	if err != nil {
		return err
	}
	fmt.Fprintf(errw, "data: %s: %s\n", f.data, st)
	run := experiment.FinetuneRun{ModelDir: f.modelDir, Examples: exs, Config: cfg, Dir: f.out, Resume: f.resume, Overwrite: f.overwrite,
		Export: f.export, TokenizerDir: f.tokDir}
	run.Hooks = func(m *model.Model) ([]finetune.Hook, error) {
		var hs []finetune.Hook
		for _, pr := range f.probes {
			name, file, ok := strings.Cut(pr, "=")
			if !ok || name == "" || file == "" {
				return nil, fmt.Errorf("--probe %q: want NAME=FILE.jsonl", pr)
			}
			h, err := probeHook(name, file, f.probeSites, tmpl, tok, f, m, m.Config.PadID())
			if err != nil {
				return nil, err
			}
			hs = append(hs, h)
		}
		return hs, nil
	}
	var start time.Time
	var startStep, total int
	run.OnStart = func(tr *finetune.Trainer, from string) {
		fmt.Fprintf(errw, "backend: %s\nmodel: %s (%s), mode %s, %d steps (%d per epoch, warmup %d)\n",
			backend.Describe(tr.Model.Backend()), f.modelDir, tr.Model.Config.ModelType, cfg.Mode, tr.State.TotalSteps, tr.State.StepsEpoch, tr.State.WarmupSteps)
		if from != "" {
			fmt.Fprintf(errw, "resumed from %s at step %d\n", from, tr.State.Step)
		}
		start, startStep, total = time.Now(), tr.State.Step, tr.State.TotalSteps
	}
	run.OnStep = func(e finetune.Entry) {
		if cfg.LogEvery > 1 && e.Step%cfg.LogEvery != 0 && e.Step != total {
			return
		}
		done := e.Step - startStep
		eta := time.Duration(float64(time.Since(start)) / float64(done) * float64(total-e.Step)).Round(time.Second)
		fmt.Fprintf(errw, "step %d/%d  epoch %.2f  loss %.4f  grad %.3f  lr %.3g  %.0f tok/s  eta %s\n",
			e.Step, total, e.Epoch, e.Loss, e.GradNorm, e.LR, e.TokensPerSec, eta)
	}
	state, err := experiment.Finetune(run)
	if err != nil {
		return err
	}
	if h := state.History; len(h) > 0 {
		fmt.Fprintf(out, "done: %d steps, loss %.4f -> %.4f, checkpoint %s\n", state.Step, h[0].Loss, h[len(h)-1].Loss,
			filepath.Join(f.out, fmt.Sprintf("checkpoint-%d", state.Step)))
	}
	if f.export != "" {
		fmt.Fprintf(out, "exported merged model to %s\n", f.export)
	}
	return nil
}

// probeHook builds a checkpoint hook capturing sites on the prompts of a
// JSONL file (every record's tokens, labels ignored).
func probeHook(name, file, sites string, tmpl *chat.Template, tok chat.Tokenizer, f *finetuneFlags, m *model.Model, pad int) (finetune.Hook, error) {
	recs, err := sft.ReadJSONL(file)
	if err != nil {
		return finetune.Hook{}, err
	}
	if tmpl == nil {
		for _, r := range recs {
			if len(r.Messages) > 0 {
				td := f.tokDir
				if td == "" {
					td = f.modelDir
				}
				tk, err := tokenize.Load(td)
				if err != nil {
					return finetune.Hook{}, fmt.Errorf("probe %s: %w", name, err)
				}
				if tmpl, err = chat.LoadTemplate(td); err != nil {
					return finetune.Hook{}, err
				}
				tok = chat.Wrap(tk)
				break
			}
		}
	}
	exs, _, err := sft.Build(recs, tmpl, tok, sft.Options{MaxLen: f.maxLen, Policy: "truncate"})
	if err != nil {
		return finetune.Hook{}, fmt.Errorf("probe %s: %w", name, err)
	}
	ss, err := finetune.ExpandSites(sites, m.Config.NumLayers)
	if err != nil {
		return finetune.Hook{}, err
	}
	for _, site := range ss {
		if err := m.ValidateSite(site); err != nil { // fail now, not at the first checkpoint
			return finetune.Hook{}, fmt.Errorf("probe %s: %w", name, err)
		}
	}
	return finetune.ProbeHook(name, 0, finetune.ProbeInput(exs, pad), ss...), nil
}

// benchTrain implements "rim bench train --model DIR [--inputs FILE] [--batch 8 --seq 128] [--mode both]".
func benchTrain(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("bench train", flag.ContinueOnError)
	fs.SetOutput(errw)
	dir := fs.String("model", "", "model directory (required)")
	batch := fs.Int("batch", 8, "batch size")
	seq := fs.Int("seq", 128, "sequence length")
	steps := fs.Int("steps", 3, "timed steps (after one compiling step)")
	mode := fs.String("mode", "both", "full, lora or both")
	r := fs.Int("lora-r", 32, "LoRA rank (alpha = 2r, rsLoRA, targets attn.*,mlp.*,moe.experts.*.*)")
	inputs := fs.String("inputs", "", `JSON file {"batch_input_ids": [[...]]} (overrides --batch/--seq)`)
	ckpt := fs.Bool("grad-checkpoint", false, "gradient checkpointing (per decoder layer)")
	conc := fs.Int("concurrent", 0, "micro-batches run at once; the batch is split into that many (0 = number of CPUs on the Go backend)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || fs.NArg() != 0 || *steps < 1 || (*mode != "full" && *mode != "lora" && *mode != "both") {
		fmt.Fprintln(errw, "usage: rim bench train --model DIR [--batch N --seq N | --inputs FILE] [--steps N] [--mode full|lora|both] [--lora-r R]")
		return errUsage
	}
	// A causal-LM step needs at least two tokens (one prediction) per row.
	if *inputs == "" && (*batch < 1 || *seq < 2) {
		fmt.Fprintf(errw, "--batch must be >= 1 and --seq >= 2 (got %d, %d)\n", *batch, *seq)
		return errUsage
	}
	if *r < 1 || *conc < 0 {
		fmt.Fprintf(errw, "--lora-r must be >= 1 and --concurrent >= 0 (got %d, %d)\n", *r, *conc)
		return errUsage
	}
	m, err := model.Load(*dir, model.Options{}) // nil Backend: backend.Default() (plain "go" runs ops sequentially, rim/backend)
	if err != nil {
		return err
	}
	defer m.Close()
	ids := model.RandomIDs(*batch, *seq, m.Config.Vocab, 1)
	if *inputs != "" {
		bi, err := readBenchInputs(*inputs, m.Config.Vocab, true, false)
		if err != nil {
			return err
		}
		ids = bi.BatchInputIDs
	}
	fmt.Fprintf(out, "backend: %s\nmodel: %s (%s, %d layers, hidden %d)\n", backend.Describe(m.Backend()), *dir, m.Config.ModelType, m.Config.NumLayers, m.Config.Hidden)
	modes := []string{*mode}
	if *mode == "both" {
		modes = []string{"full", "lora"}
	}
	for _, md := range modes {
		cfg := finetune.Paper()
		cfg.Mode = md
		cfg.LoRA.R, cfg.LoRA.Alpha = *r, float64(2**r)
		cfg.Concurrent, cfg.GradCheckpoint = *conc, *ckpt
		res, err := finetune.Bench(m, ids, cfg, *steps)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, res)
	}
	return nil
}
