package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/rimlab/rim/rim/backend"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/experiment"
	"github.com/rimlab/rim/rim/fileio"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/modeltest"
	"github.com/rimlab/rim/rim/serve"
)

func init() {
	register("generate", "generate answers for prompts (chat template, think on/off) as JSONL with thinking/answer split",
		func(args []string) error { return generateCmd(context.Background(), args, os.Stdout, os.Stderr) })
	register("serve", "OpenAI-compatible /v1/chat/completions and /v1/models server over a model dir (127.0.0.1 by default)",
		func(args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveCmd(ctx, args, os.Stderr, nil)
		})
	register("bench generate", "greedy generation throughput (tokens/s) of a model dir at the given batch sizes",
		func(args []string) error { return benchGenerateCmd(args, os.Stdout, os.Stderr) })
}

// strList is a repeatable string flag.
type strList []string

func (s *strList) String() string     { return strings.Join(*s, ",") }
func (s *strList) Set(v string) error { *s = append(*s, v); return nil }

// parseFlags parses and rejects positional arguments.
func parseFlags(fs *flag.FlagSet, args []string, errw io.Writer) error {
	fs.SetOutput(errw)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(errw, "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return errUsage
	}
	return nil
}

// sampling flags shared by generate.
func samplingFlags(fs *flag.FlagSet) *generate.Sampling {
	s := &generate.Sampling{}
	fs.Float64Var(&s.Temperature, "temperature", 0, "sampling temperature (0 = greedy, the paper's setting)")
	fs.IntVar(&s.TopK, "top-k", 0, "top-k filter (0 = off)")
	fs.Float64Var(&s.TopP, "top-p", 0, "top-p (nucleus) filter (0 or 1 = off)")
	fs.Uint64Var(&s.Seed, "seed", 0, "sampling seed")
	return s
}

// parseThink is experiment.ParseThink with the flag's name (on/true, off/false, default).
func parseThink(v string) (*bool, error) {
	t, err := experiment.ParseThink(v)
	if err != nil {
		return nil, fmt.Errorf("--%w", err)
	}
	return t, nil
}

func loadChat(dir string) (*generate.Chat, *generate.ModelStepper, error) {
	if dir == "" {
		return nil, nil, fmt.Errorf("--model DIR is required")
	}
	l, err := experiment.Load(dir, "", experiment.LoadOptions{Raw: true}) // --raw needs no chat template
	if err != nil {
		return nil, nil, err
	}
	return l.Chat, l.Stepper, nil
}

// generateCmd implements rim generate.
func generateCmd(ctx context.Context, args []string, stdout, errw io.Writer) error {
	fs := flag.NewFlagSet("rim generate", flag.ContinueOnError)
	dir := fs.String("model", "", "model directory (weights, tokenizer.json, chat template)")
	promptsFile := fs.String("prompts", "", "prompts file: .jsonl records {\"prompt\"|\"messages\", \"system\", \"id\", \"think\", \"prefill\"} or text, one prompt per line")
	var prompts, stops strList
	fs.Var(&prompts, "prompt", "a prompt (repeatable; with or instead of --prompts)")
	system := fs.String("system", "", "system message for --prompt prompts")
	think := fs.String("think", "default", "Qwen3 think mode: on/true, off/false or default (the template's)")
	prefill := fs.String("prefill", "", "assistant prefill appended after the generation prompt (use \"<think>\\n...\" to start the think block)")
	maxTokens := fs.Int("max-tokens", 256, "maximum new tokens per prompt")
	fs.Var(&stops, "stop", "stop string (repeatable)")
	batch := fs.Int("batch", 8, "prompts decoded together")
	ivFile := fs.String("interventions", "", "JSON file: a list of interventions ({\"site\", \"kind\", \"heads\", …, \"scope\": \"\"|prompt|generated|think|answer}) active during generation")
	out := fs.String("out", "", "output JSONL file (default stdout), written atomically")
	quiet := fs.Bool("quiet", false, "no progress bar")
	raw := fs.Bool("raw", false, "encode prompts as plain text, without the chat template (base models)")
	template := fs.String("template", "", "chat template family to use instead of the model dir's ("+families()+")")
	sampling := samplingFlags(fs)
	if err := parseFlags(fs, args, errw); err != nil {
		return err
	}
	thinkMode, err := parseThink(*think)
	if err != nil {
		return err
	}
	var recs []generate.PromptRecord
	if *promptsFile != "" {
		if recs, err = generate.ReadPrompts(*promptsFile); err != nil {
			return err
		}
	}
	for i, p := range prompts {
		if strings.TrimSpace(p) == "" {
			return fmt.Errorf("--prompt %d is empty", i+1)
		}
		recs = append(recs, generate.PromptRecord{Prompt: p, System: *system})
	}
	if len(recs) == 0 {
		return fmt.Errorf("no prompts: give --prompts FILE or --prompt TEXT")
	}
	if *maxTokens <= 0 {
		return fmt.Errorf("--max-tokens %d: must be > 0", *maxTokens)
	}
	if *batch < 1 {
		return badFlag(errw, "--batch must be >= 1")
	}
	if err := sampling.Validate(); err != nil { // before loading the model
		return err
	}
	var ivs []generate.ScopedIntervention
	if *ivFile != "" {
		data, err := os.ReadFile(*ivFile)
		if err != nil {
			return err
		}
		if ivs, err = generate.ParseInterventions(data); err != nil {
			return fmt.Errorf("%s: %w", *ivFile, err)
		}
	}
	c, st, err := loadChat(*dir)
	if err != nil {
		return err
	}
	defer st.M.Close()
	st.Interventions = ivs
	if err := st.Validate(); err != nil {
		return err
	}
	if *template != "" {
		if c.Template, err = chat.ForFamily(chat.Family(*template), c.Tokenizer.BOS, c.Tokenizer.EOS); err != nil {
			return err
		}
		if err := c.Template.CheckTokenizer(c.Tokenizer.TokenToID); err != nil {
			return fmt.Errorf("--template %s: %w", *template, err)
		}
	}
	if c.Template == nil && !*raw {
		return fmt.Errorf("%s has no chat template: give --template FAMILY (%s), or --raw for plain text", *dir, families())
	}
	for _, iv := range ivs {
		b, _ := json.Marshal(iv)
		fmt.Fprintf(errw, "intervention: %s\n", b)
	}
	job := &generate.FileJob{Prompts: recs, Think: thinkMode, Prefill: *prefill, Batch: *batch, Raw: *raw,
		Options: generate.ChatOptions{MaxTokens: *maxTokens, Sampling: *sampling, Stop: stops}}
	if !*quiet {
		job.Progress = errw
	}
	if *out == "" {
		err = job.Run(ctx, c, stdout)
	} else {
		err = fileio.WriteAtomic(*out, func(w io.Writer) error { return job.Run(ctx, c, w) })
	}
	if err == nil && job.Failed > 0 {
		// The other prompts' records are written; exit 1 so scripts notice.
		err = fmt.Errorf("%d of %d prompts not generated (records with \"error\"); first: %s", job.Failed, len(recs), job.FirstError)
	}
	return err
}

// serveCmd implements rim serve; ready (tests) receives the bound address.
func serveCmd(ctx context.Context, args []string, errw io.Writer, ready func(net.Addr)) error {
	fs := flag.NewFlagSet("rim serve", flag.ContinueOnError)
	dir := fs.String("model", "", "model directory (weights, tokenizer.json, chat template)")
	addr := fs.String("addr", "127.0.0.1:8000", "listen address (loopback by default; the server has no authentication)")
	name := fs.String("name", "", "model id reported to clients (default: the directory name)")
	maxTokens := fs.Int("max-tokens", 4096, "largest max_tokens a request may ask for (also the default)")
	maxBytes := fs.Int64("max-request-bytes", 1<<20, "largest request body")
	if err := parseFlags(fs, args, errw); err != nil {
		return err
	}
	if *maxTokens <= 0 || *maxBytes <= 0 {
		return fmt.Errorf("--max-tokens and --max-request-bytes must be > 0")
	}
	c, st, err := loadChat(*dir)
	if err != nil {
		return err
	}
	defer st.M.Close()
	if c.Template == nil {
		return fmt.Errorf("%s has no chat template: the server needs one", *dir)
	}
	if *name != "" {
		c.Name = *name
	}
	srv := serve.New(c, serve.Options{MaxTokens: *maxTokens, MaxRequestBytes: *maxBytes})
	return srv.ListenAndServe(ctx, *addr, func(a net.Addr) {
		url, exposed := serveURL(a)
		fmt.Fprintf(errw, "rim serve: model %q on %s (POST /v1/chat/completions, GET /v1/models)\n", c.Name, url)
		if exposed {
			fmt.Fprintf(errw, "rim serve: warning: listening on %s, reachable from other machines; the server has no authentication\n", a)
		}
		if ready != nil {
			ready(a)
		}
	})
}

// serveURL is the base URL to print for the bound address (an unspecified
// address such as 0.0.0.0 or [::] is shown as 127.0.0.1 or localhost, which
// work from this machine) and whether the address is reachable from other machines.
func serveURL(a net.Addr) (url string, exposed bool) {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String() + "/v1", true
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		exposed = true
	case ip.IsUnspecified():
		exposed = true
		// Go reports 0.0.0.0 as [::] (a dual-stack listener); localhost
		// reaches either.
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "localhost"
		}
	case !ip.IsLoopback():
		exposed = true
	}
	return "http://" + net.JoinHostPort(host, port) + "/v1", exposed
}

// benchGenerateCmd implements rim bench generate.
func benchGenerateCmd(args []string, stdout, errw io.Writer) error {
	fs := flag.NewFlagSet("rim bench generate", flag.ContinueOnError)
	dir := fs.String("model", "", "model directory")
	random := fs.Bool("random", false, "instead of --model: write rim's ~42M-parameter Qwen3-shaped random model to a temp dir and bench it")
	inputs := fs.String("inputs", "", "prompts: a bench_inputs.json (its prompt_input_ids, as torch_bench.py --save writes) or a prompts file (as for rim generate, rendered with the chat template); default: random token prompts")
	batches := fs.String("batch", "1,16", "comma-separated batch sizes")
	newTokens := fs.Int("new-tokens", 64, "new tokens per prompt (exactly; EOS is ignored)")
	promptLen := fs.Int("prompt-len", 32, "length of the random prompts")
	dtype := fs.String("dtype", "f32", "compute dtype: f32 or bf16 (bf16 weights and matmuls; norms/softmax in f32)")
	weights := fs.String("weights", "auto", "weight storage dtype: auto (bf16 for a checkpoint stored BF16 or with --dtype bf16, else f32), f32 or bf16")
	noSplit := fs.Bool("no-split-head", false, "take the logits from the engine's graph (turns off the Go-backend lm_head split, for comparison)")
	if err := parseFlags(fs, args, errw); err != nil {
		return err
	}
	switch {
	case *random && *dir != "":
		return fmt.Errorf("give --model DIR or --random, not both")
	case *random:
		tmp, err := os.MkdirTemp("", "rim-bench-model-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := modeltest.Write(tmp, generate.BenchModelSpec); err != nil {
			return err
		}
		*dir = tmp
	case *dir == "":
		return fmt.Errorf("--model DIR (or --random) is required")
	}
	if *newTokens <= 0 || *promptLen <= 0 {
		return fmt.Errorf("--new-tokens and --prompt-len must be > 0")
	}
	var sizes []int
	for _, f := range strings.Split(*batches, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("--batch %q: want positive integers separated by commas", *batches)
		}
		sizes = append(sizes, n)
	}
	cd, err := model.ParseDType(*dtype)
	if err != nil {
		return badFlag(errw, "--dtype must be f32 or bf16")
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
	var pool [][]int
	if strings.HasSuffix(*inputs, ".json") {
		bi, err := readBenchInputs(*inputs, m.Config.Vocab, false, true)
		if err != nil {
			return err
		}
		pool = bi.PromptInputIDs
	} else if *inputs != "" {
		recs, err := generate.ReadPrompts(*inputs)
		if err != nil {
			return err
		}
		snap, err := model.ResolveDir(*dir)
		if err != nil {
			return err
		}
		c, err := generate.NewChat(snap, nil, m.Config.MaxPositions)
		if err != nil {
			return err
		}
		for i, r := range recs {
			conv, err := r.Conversation(nil, "")
			if err != nil {
				return fmt.Errorf("%s: prompt %d: %w", *inputs, i, err)
			}
			e, err := c.Encode(conv)
			if err != nil {
				return fmt.Errorf("%s: prompt %d: %w", *inputs, i, err)
			}
			pool = append(pool, e.IDs)
		}
	}
	c := m.Config
	fmt.Fprintf(stdout, "model %s: %s, %d layers, hidden %d, %d heads (%d kv), vocab %d, compute dtype %s; backend %s\n",
		*dir, c.ModelType, c.NumLayers, c.Hidden, c.NumHeads, c.NumKVHeads, c.Vocab, m.ComputeDType(), backend.Describe(m.Backend()))
	for _, n := range sizes {
		prompts := generate.BenchPrompts(n, *promptLen, 0, c.Vocab, 1)
		if pool != nil {
			for i := range prompts {
				prompts[i] = pool[i%len(pool)]
			}
		}
		st := generate.NewModelStepper(m)
		st.NoSplitHead = *noSplit
		r, err := generate.Benchmark(st, nil, prompts, *newTokens)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, r)
		if pool != nil {
			fmt.Fprintf(stdout, "  greedy tokens of the first prompt: %v\n", r.FirstRow)
		}
	}
	return nil
}

func families() string {
	names := make([]string, len(chat.Families))
	for i, f := range chat.Families {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}
