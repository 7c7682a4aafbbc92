package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gomlx/compute/dtypes"

	"github.com/rimlab/rim/rim/backend"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/verify"
)

func init() {
	register("verify model", "compare a model dir with its reference.safetensors (transformers outputs), one line per tensor",
		func(args []string) error { return verifyModel(args, os.Stdout, os.Stderr) })
	register("bench forward", "time forward passes (batch and single-token decode) of a model dir: tokens/s, GFLOP/s, peak memory",
		func(args []string) error { return benchForward(args, os.Stdout, os.Stderr) })
	register("info model", "print a model dir's architecture, sizes and hook sites",
		func(args []string) error { return infoModel(args, os.Stdout, os.Stderr) })
}

// verifyModel implements "rim verify model [-only p1,p2] DIR".
func verifyModel(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("verify model", flag.ContinueOnError)
	fs.SetOutput(errw)
	only := fs.String("only", "", "comma-separated reference tensor name prefixes to check (default: all)")
	fs.Usage = func() {
		fmt.Fprintln(errw, "usage: rim verify model [-only PREFIXES] DIR")
		fmt.Fprintln(errw, "  DIR holds config.json, the weights and reference.safetensors (shared/fixtures/hf-tiny format)")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "backend: %s\n", backend.Describe(b))
	var prefixes []string
	if *only != "" {
		prefixes = strings.Split(*only, ",")
	}
	rep, err := verify.Run(pos[0], out, verify.Options{Load: model.Options{Backend: b}, Only: prefixes})
	if err != nil {
		return err
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d of %d tensors FAIL", rep.Failed, len(rep.Lines))
	}
	fmt.Fprintf(out, "all %d tensors ok\n", len(rep.Lines))
	return nil
}

// benchInputs is the --inputs file of rim bench forward|train|generate:
// explicit token ids so that another framework times the same work (the
// bench_inputs.json that shared/bench/torch_bench.py --save DIR writes).
type benchInputs struct {
	BatchInputIDs  [][]int `json:"batch_input_ids"`
	PromptInputIDs [][]int `json:"prompt_input_ids"`
}

// readBenchInputs reads a bench_inputs.json; needBatch/needPrompt say which
// of its two lists the command uses. Every id must be in [0, vocab) and the
// batch rows must have one length.
func readBenchInputs(path string, vocab int, needBatch, needPrompt bool) (*benchInputs, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var bi benchInputs
	if err := json.Unmarshal(data, &bi); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	check := func(name string, rows [][]int, need, sameLen bool) error {
		if !need {
			return nil
		}
		if len(rows) == 0 || len(rows[0]) == 0 {
			return fmt.Errorf("%s: needs a non-empty %s", path, name)
		}
		for r, row := range rows {
			if sameLen && len(row) != len(rows[0]) {
				return fmt.Errorf("%s: %s row %d has %d ids, row 0 has %d", path, name, r, len(row), len(rows[0]))
			}
			for _, id := range row {
				if id < 0 || id >= vocab {
					return fmt.Errorf("%s: %s row %d: id %d outside the model's vocabulary [0, %d)", path, name, r, id, vocab)
				}
			}
		}
		return nil
	}
	if err := check("batch_input_ids", bi.BatchInputIDs, needBatch, true); err != nil {
		return nil, err
	}
	if err := check("prompt_input_ids", bi.PromptInputIDs, needPrompt, false); err != nil {
		return nil, err
	}
	return &bi, nil
}

// parseWeightDType maps --weights (auto, f32, bf16) to model.Options.WeightDType
// (InvalidDType for auto: the checkpoint's dtypes decide, docs/engine.md).
func parseWeightDType(s string) (dtypes.DType, error) {
	if strings.TrimSpace(strings.ToLower(s)) == "auto" {
		return dtypes.InvalidDType, nil
	}
	if strings.TrimSpace(s) == "" {
		return dtypes.InvalidDType, fmt.Errorf("--weights must be auto, f32 or bf16")
	}
	d, err := model.ParseDType(s)
	if err != nil {
		return dtypes.InvalidDType, fmt.Errorf("--weights must be auto, f32 or bf16, not %q", s)
	}
	return d, nil
}

// benchForward implements "rim bench forward --model DIR [--batch 8 --seq 128] [--inputs FILE]".
func benchForward(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("bench forward", flag.ContinueOnError)
	fs.SetOutput(errw)
	dir := fs.String("model", "", "model directory (required)")
	batch := fs.Int("batch", 8, "batch size of the batched forward")
	seq := fs.Int("seq", 128, "sequence length of the batched forward")
	iters := fs.Int("iters", 5, "timed iterations per workload")
	inputs := fs.String("inputs", "", `JSON file {"batch_input_ids": [[...]], "prompt_input_ids": [[...]]} (overrides --batch/--seq)`)
	matmul := fs.Int("matmul", 1024, "also time a plain NxNxN float32 matmul for reference (0 = skip; 2048 took ~7 s on 2 cores without GOEXPERIMENT=simd)")
	capture := fs.String("capture", "", "comma-separated hook sites to also capture, e.g. blocks.0.hook_resid_post (default: logits only)")
	dtype := fs.String("dtype", "f32", "compute dtype: f32 or bf16 (bf16 weights and matmuls; norms/softmax in f32)")
	weights := fs.String("weights", "auto", "weight storage dtype: auto (bf16 for a checkpoint stored BF16 or with --dtype bf16, else f32), f32 or bf16")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cd, err := model.ParseDType(*dtype)
	if err != nil {
		return badFlag(errw, "--dtype must be f32 or bf16")
	}
	if *dir == "" || fs.NArg() != 0 || *iters < 2 {
		fmt.Fprintln(errw, "usage: rim bench forward --model DIR [--batch N --seq N | --inputs FILE] [--iters N>=2] [--capture SITES]")
		return errUsage
	}
	switch {
	case *batch < 1:
		return badFlag(errw, "--batch must be >= 1")
	case *seq < 1:
		return badFlag(errw, "--seq must be >= 1")
	case *matmul < 0:
		return badFlag(errw, "--matmul must be >= 0 (0 = skip)")
	}
	wd, err := parseWeightDType(*weights)
	if err != nil {
		return badFlag(errw, "%s", err)
	}
	m, err := model.Load(*dir, model.Options{ComputeDType: cd, WeightDType: wd})
	if err != nil {
		return err
	}
	defer m.Close()
	ids := model.RandomIDs(*batch, *seq, m.Config.Vocab, 1)
	prompt := model.RandomIDs(1, 32, m.Config.Vocab, 2)[0]
	if *inputs != "" {
		bi, err := readBenchInputs(*inputs, m.Config.Vocab, true, true)
		if err != nil {
			return err
		}
		ids, prompt = bi.BatchInputIDs, bi.PromptInputIDs[0]
	}
	var opts []model.Option
	if *capture != "" {
		sites := []hook.Site{hook.Logits}
		for _, n := range strings.Split(*capture, ",") {
			s, err := hook.Parse(strings.TrimSpace(n))
			if err != nil {
				return err
			}
			sites = append(sites, s)
		}
		opts = append(opts, model.Capture(sites...))
	}
	var wbytes int64
	for _, n := range m.ParamNames() {
		wbytes += int64(m.Param(n).Memory())
	}
	fmt.Fprintf(out, "backend: %s\nmodel: %s (%s, %d layers, hidden %d), compute dtype %s, weights %.2f MB (stored %s)\n", backend.Describe(m.Backend()), *dir, m.Config.ModelType, m.Config.NumLayers, m.Config.Hidden, m.ComputeDType(), float64(wbytes)/1e6, m.WeightDType())
	if *matmul > 0 {
		mm, err := model.BenchMatMul(m.Backend(), *matmul, 3)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, mm)
	}
	r, err := m.BenchForward(fmt.Sprintf("forward %dx%d", len(ids), len(ids[0])), ids, *iters, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, r)
	r, err = m.BenchDecode(fmt.Sprintf("decode 1 token (prompt %d)", len(prompt)), prompt, *iters+1, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, r)
	return nil
}

// infoModel implements "rim info model DIR".
func infoModel(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("info model", flag.ContinueOnError)
	fs.SetOutput(errw)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(errw, "usage: rim info model DIR")
		return errUsage
	}
	m, err := model.Load(pos[0], model.Options{})
	if err != nil {
		return err
	}
	defer m.Close()
	c := m.Config
	n := 0
	for _, name := range m.ParamNames() {
		n += m.Param(name).Shape().Size()
	}
	fmt.Fprintf(out, "backend: %s\n", backend.Describe(m.Backend()))
	fmt.Fprintf(out, "model_type %s: %d layers, dModel %d, heads %d (kv %d) x %d, dMLP %d, vocab %d, %d parameters\n",
		c.ModelType, c.NumLayers, c.Hidden, c.NumHeads, c.NumKVHeads, c.HeadDim, c.Intermediate, c.Vocab, n)
	if c.NumExperts > 0 {
		fmt.Fprintf(out, "MoE: %d experts, top-%d, expert dMLP %d\n", c.NumExperts, c.TopK, c.MoEIntermediate)
	}
	d := m.Dims()
	fmt.Fprintln(out, "hook sites of layer 0 (shape for batch 1, seq 8):")
	for _, p := range hook.AllPoints() {
		s := hook.Site{Point: p, Layer: 0, Expert: 0}
		if s.Validate(d) != nil {
			continue
		}
		fmt.Fprintf(out, "  %-40s %v\n", s, s.Shape(d, 1, 8, 8))
	}
	return nil
}
