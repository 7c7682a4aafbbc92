// Package build is the model organism's recipe end to end (docs/organism.md,
// "Recipe"): the fixed training mixture (rim/organism/mixture), a byte-level
// BPE tokenizer trained on the chat-template rendering of that mixture
// (rim/tokenize/bpetrain), a seeded random Qwen3 init (rim/modeltest), full
// training from scratch with rim/finetune (assistant-only labels, think
// block included), and the export of a plain Hugging Face model directory
// with the data card, recipe.json and the training log.
//
// A build folder holds:
//
//	build.json      the recipe, seed and inputs of this build (written first; a resume must match it)
//	data/           mixture files and data card (rim organism data)
//	tokenizer/      tokenizer.json, tokenizer_config.json (Qwen3 chat template)
//	init/           the random initial model (config.json, model.safetensors, generation_config.json, tokenizer)
//	run/            rim/finetune run: run.json, checkpoint-N/, latest
//	model/          the exported organism (what ships)
//	COMPLETE        written last, atomically: only a folder with it is a finished build
//
// Every stage is deterministic: data/, tokenizer/ and init/ are rebuilt on
// --resume and must come out byte for byte as written before; training
// resumes bit for bit from the newest checkpoint.
package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/fileio"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/modeltest"
	"github.com/rimlab/rim/rim/organism/mixture"
	"github.com/rimlab/rim/rim/tokenize"
	"github.com/rimlab/rim/rim/tokenize/bpetrain"
)

// Names inside a build folder.
const (
	BuildFile    = "build.json"
	CompleteFile = "COMPLETE"
	DataDir      = "data"
	TokenizerDir = "tokenizer"
	InitDir      = "init"
	RunDir       = "run"
	ModelDir     = "model"
	RecipeFile   = "recipe.json"        // in model/: recipe, command, checksums, seed, rim version, data stats
	LogFile      = "training_log.jsonl" // in model/: one finetune.Entry per optimiser step
)

// Options are one build's settings.
type Options struct {
	Data      string // data folder laid out like shared/data
	Out       string // build folder
	Seed      uint64 // init weights and data order (the mixture keeps Recipe.MixtureSeed); default 1
	Resume    bool   // continue the build in Out
	Overwrite bool   // replace the build in Out
	// MaxSteps > 0 stops after that many optimiser steps (with a
	// checkpoint) without changing the schedule: the steps are the first
	// steps of the full build, and --resume continues it.
	MaxSteps int
	// Steps > 0 overrides the recipe's schedule length (Budget sizing).
	Steps int
	// Budget > 0 overrides the recipe's time budget (steps sized from it).
	Budget time.Duration
	// Recipe is the recipe to build (zero: Organism).
	Recipe *Recipe
	// Command is recorded in recipe.json (the command line that ran).
	Command []string
	// Log receives progress lines (nil: discarded).
	Log io.Writer
}

// Result is what a build did.
type Result struct {
	Out      string
	Complete bool              // the model was exported and COMPLETE written
	Resumed  string            // checkpoint resumed from ("" for a fresh start)
	History  []finetune.Entry  // every optimiser step so far (resumed runs include the earlier steps)
	Steps    int               // schedule length
	Stats    sft.Stats         // tokenised mixture
	Files    map[string]string // sha256 of the exported model's files (complete builds)
}

// Info is build.json: what makes two builds the same build.
type Info struct {
	Recipe    Recipe `json:"recipe"`
	Seed      uint64 `json:"seed"`
	Steps     int    `json:"steps_override,omitempty"`
	Budget    string `json:"budget_override,omitempty"`
	Data      string `json:"data"` // data folder (informational; its files are checked by checksum)
	RimCommit string `json:"rim_commit"`
}

// Run builds (or resumes) the organism in opt.Out.
func Run(opt Options) (*Result, error) {
	r := Organism
	if opt.Recipe != nil {
		r = *opt.Recipe
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.Steps > 0 {
		r.Training.Steps = opt.Steps
	}
	if opt.Budget > 0 {
		r.Training.Budget, r.Training.Steps = Duration(opt.Budget), 0
	}
	logw := opt.Log
	if logw == nil {
		logw = io.Discard
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	switch {
	case opt.Out == "":
		return nil, fmt.Errorf("organism: no output folder")
	case opt.Data == "":
		return nil, fmt.Errorf("organism: no data folder")
	case opt.Resume && opt.Overwrite:
		return nil, fmt.Errorf("organism: --resume and --overwrite exclude each other (continue the build in %s, or replace it)", opt.Out)
	case opt.MaxSteps < 0:
		return nil, fmt.Errorf("organism: max steps %d is negative", opt.MaxSteps)
	}
	if st, err := os.Stat(opt.Data); err != nil {
		return nil, fmt.Errorf("organism: data folder: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("organism: data folder %s is not a directory", opt.Data)
	}
	info := Info{Recipe: r, Seed: opt.Seed, Steps: opt.Steps, Data: opt.Data, RimCommit: Commit()}
	if opt.Budget > 0 {
		info.Budget = opt.Budget.String()
	}
	b := &builder{opt: opt, r: r, info: info, log: logw}
	if err := b.prepare(); err != nil {
		return nil, err
	}
	if b.done {
		return b.res, nil
	}
	return b.run()
}

type builder struct {
	opt  Options
	r    Recipe
	info Info
	log  io.Writer
	res  *Result
	done bool
}

func (b *builder) path(elem ...string) string {
	return filepath.Join(append([]string{b.opt.Out}, elem...)...)
}

// prepare checks the output folder against --resume/--overwrite and writes
// build.json.
func (b *builder) prepare() error {
	out := b.opt.Out
	ents, err := os.ReadDir(out)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("organism: %w", err)
	}
	js, _ := json.MarshalIndent(b.info, "", "  ")
	js = append(js, '\n')
	switch {
	case len(ents) == 0 && b.opt.Resume:
		return fmt.Errorf("organism: --resume: %s holds no build", out)
	case len(ents) == 0:
	case b.opt.Overwrite:
		if _, err := os.Stat(b.path(BuildFile)); err != nil {
			return fmt.Errorf("organism: --overwrite: %s is not empty and holds no %s; not removing a folder that is not a build", out, BuildFile)
		}
		for _, e := range ents {
			if !isBuildEntry(e.Name()) {
				return fmt.Errorf("organism: --overwrite: %s holds %s, which a build does not write; not removing it", out, e.Name())
			}
		}
		for _, e := range ents {
			if err := os.RemoveAll(b.path(e.Name())); err != nil {
				return fmt.Errorf("organism: %w", err)
			}
		}
	case !b.opt.Resume:
		return fmt.Errorf("organism: output folder %s is not empty; pass --resume to continue the build in it or --overwrite to replace it", out)
	default:
		old, err := os.ReadFile(b.path(BuildFile))
		if err != nil {
			return fmt.Errorf("organism: --resume: %s holds no build (%w)", out, err)
		}
		if d := diffInfo(old, js); d != "" {
			return fmt.Errorf("organism: --resume: %s holds a different build (%s)", out, d)
		}
		if _, err := os.Stat(b.path(CompleteFile)); err == nil {
			fmt.Fprintf(b.log, "%s is a complete build; nothing to do\n", out)
			res, err := readComplete(b.path(CompleteFile))
			if err != nil {
				return err
			}
			res.Out, res.Complete = out, true
			b.res, b.done = res, true
			return nil
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("organism: %w", err)
	}
	for _, e := range ents { // stages and exports a kill left half-written
		if strings.HasPrefix(e.Name(), ".tmp-") {
			if err := os.RemoveAll(b.path(e.Name())); err != nil {
				return fmt.Errorf("organism: %w", err)
			}
		}
	}
	return fileio.WriteFileAtomic(b.path(BuildFile), js, 0o644)
}

// isBuildEntry reports whether name is something a build writes.
func isBuildEntry(name string) bool {
	switch name {
	case BuildFile, CompleteFile, DataDir, TokenizerDir, InitDir, RunDir, ModelDir:
		return true
	}
	return strings.HasPrefix(name, ".tmp-")
}

// diffInfo names the first build.json field that differs (rim_commit may).
func diffInfo(old, cur []byte) string {
	var a, c map[string]json.RawMessage
	if err := json.Unmarshal(old, &a); err != nil {
		return BuildFile + ": " + err.Error()
	}
	_ = json.Unmarshal(cur, &c)
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := c[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "rim_commit" || k == "data" {
			continue
		}
		if !jsonEqual(a[k], c[k]) {
			return fmt.Sprintf("%s: %s, now %s", k, compact(a[k]), compact(c[k]))
		}
	}
	return ""
}

func jsonEqual(x, y json.RawMessage) bool {
	var a, b any
	if json.Unmarshal(x, &a) != nil || json.Unmarshal(y, &b) != nil {
		return bytes.Equal(x, y)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func compact(x json.RawMessage) string {
	if x == nil {
		return "(none)"
	}
	var buf bytes.Buffer
	if json.Compact(&buf, x) != nil {
		return string(x)
	}
	s := buf.String()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func (b *builder) run() (*Result, error) {
	t0 := time.Now()
	// 1. The mixture.
	m, err := mixture.Build(b.opt.Data, mixture.Options{Seed: b.r.MixtureSeed})
	if err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	if err := b.stage(DataDir, m.Write); err != nil {
		return nil, err
	}
	fmt.Fprintf(b.log, "data: %d training examples (mixture seed %d) in %s\n", len(m.Train), b.r.MixtureSeed, b.path(DataDir))

	// 2. The tokenizer, trained on the rendered conversations.
	recs, err := sft.ReadJSONL(b.path(DataDir, mixture.TrainFile))
	if err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	var tres *bpetrain.Result
	if err := b.stage(TokenizerDir, func(dir string) error {
		docs, err := Rendered(recs)
		if err != nil {
			return err
		}
		if tres, err = bpetrain.Train(docs, bpetrain.Options{VocabSize: b.r.Shape.Vocab}); err != nil {
			return err
		}
		return tres.Write(dir)
	}); err != nil {
		return nil, err
	}
	tok, err := tokenize.Load(b.path(TokenizerDir))
	if err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	fmt.Fprintf(b.log, "tokenizer: %d ids (%d merges) in %s\n", tok.VocabSize(), tres.Merges, b.path(TokenizerDir))

	// 3. The random init.
	if err := b.stage(InitDir, func(dir string) error { return b.writeInit(dir, tok) }); err != nil {
		return nil, err
	}

	// 4. Training.
	tmpl, err := chat.LoadTemplate(b.path(TokenizerDir))
	if err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	exs, st, err := sft.Build(recs, tmpl, chat.Wrap(tok), sft.Options{MaxLen: b.r.Training.MaxLen, Policy: "truncate"})
	if err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	fmt.Fprintf(b.log, "tokenised: %s\n", st)
	mdl, err := model.Load(b.path(InitDir), model.Options{})
	if err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	defer mdl.Close()
	pad, ok := tok.TokenToID("<|endoftext|>")
	if !ok {
		return nil, fmt.Errorf("organism: tokenizer has no <|endoftext|>")
	}
	var tokens int64
	lengths := make([]int, len(exs))
	for i, e := range exs {
		tokens += int64(len(e.IDs))
		lengths[i] = len(e.IDs)
	}
	epoch, err := sft.Order(lengths, b.r.Training.Batch, b.r.Training.Bucket, b.opt.Seed, 0) // the trainer's epoch
	if err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	steps := b.r.Training.StepsFor(tokens, len(epoch))
	cfg := b.finetuneConfig(steps)
	tr, err := finetune.New(mdl, exs, pad, cfg)
	if err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	// A build killed before its run started has no run.json: start the run
	// (build.json already said this is the same build).
	_, statErr := os.Stat(b.path(RunDir, finetune.RunFile))
	from, err := tr.Prepare(b.path(RunDir), b.opt.Resume && statErr == nil, false)
	if err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	res := &Result{Out: b.opt.Out, Resumed: from, Steps: tr.State.TotalSteps, Stats: st}
	fmt.Fprintf(b.log, "model: %s, %.2fM parameters; %d steps of %d examples (%.2f epochs, %d steps per epoch, warmup %d); prepared in %s\n",
		b.path(InitDir), float64(b.r.Shape.Params())/1e6, tr.State.TotalSteps, cfg.BatchSize,
		float64(tr.State.TotalSteps)/float64(tr.State.StepsEpoch), tr.State.StepsEpoch, tr.State.WarmupSteps, time.Since(t0).Round(time.Millisecond))
	if from != "" {
		fmt.Fprintf(b.log, "resumed from %s at step %d\n", from, tr.State.Step)
	}
	stop := tr.State.TotalSteps
	if b.opt.MaxSteps > 0 {
		stop = min(stop, b.opt.MaxSteps)
	}
	start, startStep := time.Now(), tr.State.Step
	for tr.State.Step < stop {
		e, err := tr.Step()
		if err != nil {
			return nil, fmt.Errorf("organism: %w", err)
		}
		s := e.Step
		done := s - startStep
		eta := time.Duration(float64(time.Since(start)) / float64(done) * float64(tr.State.TotalSteps-s)).Round(time.Second)
		fmt.Fprintf(b.log, "step %d/%d  epoch %.2f  loss %.4f  grad %.3f  lr %.3g  %.0f tok/s  eta %s\n",
			s, tr.State.TotalSteps, e.Epoch, e.Loss, e.GradNorm, e.LR, e.TokensPerSec, eta)
		if s == stop || (cfg.SaveEvery > 0 && s%cfg.SaveEvery == 0) {
			if _, err := tr.Save(b.path(RunDir)); err != nil {
				return nil, fmt.Errorf("organism: %w", err)
			}
		}
	}
	res.History = slices.Clone(tr.State.History)
	if tr.State.Step < tr.State.TotalSteps {
		fmt.Fprintf(b.log, "stopped at step %d of %d (max steps); continue with --resume\n", tr.State.Step, tr.State.TotalSteps)
		return res, nil
	}

	// 5. Export, then the completion marker.
	files, err := b.export(tr, m, st, steps)
	if err != nil {
		return nil, err
	}
	res.Files, res.Complete = files, true
	fmt.Fprintf(b.log, "organism: %s (complete)\n", b.path(ModelDir))
	return res, nil
}

// finetuneConfig is the recipe as a rim/finetune configuration (steps 0:
// one epoch, for sizing).
func (b *builder) finetuneConfig(steps int) finetune.Config {
	t := b.r.Training
	c := finetune.Paper()
	c.Mode = "full"
	c.AdamW.LR, c.AdamW.WeightDecay, c.AdamW.Beta1, c.AdamW.Beta2, c.AdamW.Eps = t.LR, t.WeightDecay, t.Beta1, t.Beta2, t.Eps
	c.Schedule, c.WarmupRatio, c.MaxGradNorm = t.Schedule, t.WarmupRatio, t.MaxGradNorm
	c.Epochs, c.MaxSteps = 1, steps
	c.BatchSize, c.MicroBatch = t.Batch, t.MicroBatch
	c.Seed, c.Bucket, c.PadMultiple = b.opt.Seed, t.Bucket, t.PadMultiple
	c.SaveEvery, c.Keep, c.LogEvery = t.SaveEvery, t.Keep, 1
	return c
}

// stage builds a folder of the build: written complete under a temporary
// name and renamed into place, or, when the folder exists (a resumed
// build), compared file by file with what this build writes.
func (b *builder) stage(name string, write func(dir string) error) error {
	dst := b.path(name)
	tmp, err := os.MkdirTemp(b.opt.Out, ".tmp-"+name+"-")
	if err != nil {
		return fmt.Errorf("organism: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp's 0700
		return fmt.Errorf("organism: %w", err)
	}
	if err := write(tmp); err != nil {
		return fmt.Errorf("organism: %s: %w", name, err)
	}
	if _, err := os.Stat(dst); err == nil {
		if d := diffDirs(dst, tmp); d != "" {
			return fmt.Errorf("organism: --resume: %s differs from what this build writes (%s): the data folder, the recipe or rim changed", dst, d)
		}
		return nil
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("organism: %w", err)
	}
	return nil
}

// diffDirs names the first file that differs between two flat folders.
func diffDirs(a, b string) string {
	ea, err := os.ReadDir(a)
	if err != nil {
		return err.Error()
	}
	eb, err := os.ReadDir(b)
	if err != nil {
		return err.Error()
	}
	names := func(es []os.DirEntry) []string {
		var n []string
		for _, e := range es {
			n = append(n, e.Name())
		}
		return n
	}
	if na, nb := names(ea), names(eb); !slices.Equal(na, nb) {
		return fmt.Sprintf("files %v, now %v", na, nb)
	}
	for _, e := range ea {
		x, err1 := os.ReadFile(filepath.Join(a, e.Name()))
		y, err2 := os.ReadFile(filepath.Join(b, e.Name()))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			return e.Name()
		}
	}
	return ""
}

// Rendered renders each conversation with Qwen3's chat template (the
// tokenizer's), as training sees it: the tokenizer's corpus.
func Rendered(recs []sft.Record) ([][]byte, error) {
	tmpl, err := chat.Recognize(bpetrain.ChatTemplate, map[string]any{"eos_token": "<|im_end|>"})
	if err != nil {
		return nil, err
	}
	docs := make([][]byte, 0, len(recs))
	for i, r := range recs {
		if len(r.Messages) == 0 {
			return nil, fmt.Errorf("record %d has no messages", i+1)
		}
		rd, err := tmpl.Render(r.Messages, chat.Options{})
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i+1, err)
		}
		docs = append(docs, []byte(rd.Text))
	}
	return docs, nil
}

// writeInit writes the seeded random Qwen3 model with the tokenizer files.
func (b *builder) writeInit(dir string, tok *tokenize.Tokenizer) error {
	s := b.r.Shape
	id := func(t string) (int, error) {
		v, ok := tok.TokenToID(t)
		if !ok {
			return 0, fmt.Errorf("tokenizer has no %s", t)
		}
		return v, nil
	}
	eot, err := id("<|endoftext|>")
	if err != nil {
		return err
	}
	imEnd, err := id("<|im_end|>")
	if err != nil {
		return err
	}
	spec := modeltest.Spec{
		ModelType: "qwen3", Vocab: tok.VocabSize(), Hidden: s.Hidden, Layers: s.Layers, Heads: s.Heads, KVHeads: s.KVHeads,
		HeadDim: s.HeadDim, Intermediate: s.Intermediate, Tied: true, Seed: b.opt.Seed, Std: s.InitStd,
		Extra: map[string]any{
			"bos_token_id": eot, "eos_token_id": imEnd, "max_position_embeddings": s.MaxPositions,
			"rope_theta": s.RopeTheta, "max_window_layers": s.Layers, "rope_scaling": nil,
		},
	}
	if err := modeltest.Write(dir, spec); err != nil {
		return err
	}
	gen, _ := json.MarshalIndent(map[string]any{
		"bos_token_id": eot, "eos_token_id": []int{imEnd, eot}, "pad_token_id": eot,
		"do_sample": true, "temperature": 0.6, "top_p": 0.95, "top_k": 20, "transformers_version": "4.51.3",
	}, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "generation_config.json"), append(gen, '\n'), 0o644); err != nil {
		return err
	}
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json"} {
		data, err := os.ReadFile(b.path(TokenizerDir, f))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// RecipeJSON is model/recipe.json.
type RecipeJSON struct {
	Build     Info                `json:"build"`
	Command   []string            `json:"command"`
	Steps     int                 `json:"steps"`
	Tokenised sft.Stats           `json:"tokenised"`
	Inputs    []mixture.InputFile `json:"inputs"`      // the data folder's files the mixture read
	Data      map[string]string   `json:"data_sha256"` // the mixture files trained on and written
	Tokenizer map[string]string   `json:"tokenizer_sha256"`
	Init      map[string]string   `json:"init_sha256"`
	Params    int                 `json:"params"`
	FinalLoss float64             `json:"final_loss"`
	TrainTime float64             `json:"train_seconds"` // sum over logged steps of tokens / tokens-per-second
	Exported  string              `json:"exported"`
}

// export writes model/ (weights, config, tokenizer, card, recipe.json,
// training log) under a temporary name, renames it into place, and writes
// COMPLETE last.
func (b *builder) export(tr *finetune.Trainer, m *mixture.Mixture, st sft.Stats, steps int) (map[string]string, error) {
	dst := b.path(ModelDir)
	if err := os.RemoveAll(dst); err != nil { // an export that was renamed into place before a kill, without COMPLETE
		return nil, fmt.Errorf("organism: %w", err)
	}
	tmp := b.path(fmt.Sprintf(".tmp-model-%d", os.Getpid()))
	os.RemoveAll(tmp)
	tr.TokenizerDir = b.path(TokenizerDir)
	if err := tr.ExportMerged(tmp); err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	fail := func(err error) (map[string]string, error) {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("organism: export: %w", err)
	}
	for _, f := range []string{mixture.CardMarkdownFile, mixture.CardJSONFile} {
		data, err := os.ReadFile(b.path(DataDir, f))
		if err != nil {
			return fail(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, f), data, 0o644); err != nil {
			return fail(err)
		}
	}
	var log bytes.Buffer
	var secs float64
	for _, e := range tr.State.History {
		js, _ := json.Marshal(e)
		log.Write(append(js, '\n'))
		if e.TokensPerSec > 0 {
			secs += float64(e.Tokens) / e.TokensPerSec
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, LogFile), log.Bytes(), 0o644); err != nil {
		return fail(err)
	}
	rj := RecipeJSON{Build: b.info, Command: b.opt.Command, Steps: steps, Tokenised: st, Inputs: m.Inputs,
		Params: b.r.Shape.Params(), TrainTime: secs, Exported: time.Now().UTC().Format(time.RFC3339)}
	if h := tr.State.History; len(h) > 0 {
		rj.FinalLoss = h[len(h)-1].Loss
	}
	var err error
	if rj.Data, err = hashDir(b.path(DataDir)); err != nil {
		return fail(err)
	}
	if rj.Tokenizer, err = hashDir(b.path(TokenizerDir)); err != nil {
		return fail(err)
	}
	if rj.Init, err = hashDir(b.path(InitDir)); err != nil {
		return fail(err)
	}
	js, _ := json.MarshalIndent(rj, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, RecipeFile), append(js, '\n'), 0o644); err != nil {
		return fail(err)
	}
	files, err := hashDir(tmp)
	if err != nil {
		return fail(err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // ExportMerged's temporary dir is 0700
		return fail(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fail(err)
	}
	cj, _ := json.MarshalIndent(complete{Model: ModelDir, Files: files, History: len(tr.State.History)}, "", "  ")
	if err := fileio.WriteFileAtomic(b.path(CompleteFile), append(cj, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	return files, nil
}

// complete is the COMPLETE marker's content.
type complete struct {
	Model   string            `json:"model"`
	Files   map[string]string `json:"sha256"`
	History int               `json:"steps_logged"`
}

func readComplete(path string) (*Result, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	var c complete
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("organism: %s: %w", path, err)
	}
	res := &Result{Files: c.Files}
	if res.History, err = ReadLog(filepath.Join(filepath.Dir(path), c.Model)); err != nil {
		return nil, err
	}
	res.Steps = len(res.History)
	return res, nil
}

// ReadLog reads the training log (LogFile) of an exported organism in dir.
func ReadLog(dir string) ([]finetune.Entry, error) {
	raw, err := os.ReadFile(filepath.Join(dir, LogFile))
	if err != nil {
		return nil, fmt.Errorf("organism: %w", err)
	}
	var out []finetune.Entry
	dec := json.NewDecoder(bytes.NewReader(raw))
	for dec.More() {
		var e finetune.Entry
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("organism: %s: %w", LogFile, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// hashDir returns the sha256 of every file in a flat folder.
func hashDir(dir string) (map[string]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, err
		}
		out[e.Name()] = hex.EncodeToString(h.Sum(nil))
	}
	return out, nil
}

// Commit is rim's VCS revision: from the build info when go build stamped
// it, else (GOFLAGS=-buildvcs=false, go run, tests) from git in the working
// directory when that is a rim checkout; "+dirty" when tracked files had
// changes; "unknown" otherwise.
func Commit() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if dirty {
				rev += "+dirty"
			}
			return rev
		}
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "unknown"
	}
	mod, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(top)), "go.mod"))
	if err != nil || !bytes.HasPrefix(mod, []byte("module github.com/rimlab/rim\n")) {
		return "unknown"
	}
	rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(rev))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err != nil || len(bytes.TrimSpace(st)) > 0 {
		c += "+dirty"
	}
	return c
}
