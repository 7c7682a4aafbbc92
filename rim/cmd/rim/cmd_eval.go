package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/eval/derive"
	"github.com/rimlab/rim/rim/experiment"
)

func init() {
	register("eval math", "grade math answers (recorded responses JSONL with response, gold)", func(args []string) error {
		return evalMath(args, os.Stdout, os.Stderr)
	})
	register("eval safety", "misalignment rate of responses to harmful prompts (refusal or rubric judge)", func(args []string) error {
		return evalSafety(args, os.Stdout, os.Stderr)
	})
	register("eval agree", "agreement (Cohen's kappa, confusion matrix) of two judges on recorded responses", func(args []string) error {
		return evalAgree(args, os.Stdout, os.Stderr)
	})
}

// modelFlags are the model-mode flags shared by eval math and eval safety.
type modelFlags struct {
	model, dataDir, think, save *string
	limit, maxTokens, batch     *int
	genURL, genModel            *string
}

func addModelFlags(fs *flag.FlagSet) *modelFlags {
	return &modelFlags{
		model:     fs.String("model", "", "model directory: generate the responses greedily instead of reading --responses"),
		dataDir:   fs.String("data", "", "data folder laid out like shared/data (default $RIM_DATA, $RIM_SHARED/data, else shared/data beside the checkout)"),
		think:     fs.String("think", "default", "Qwen3 thinking: on/true, off/false or default (the template's)"),
		save:      fs.String("save-responses", "", "model mode: also write the generated responses as recorded-responses JSONL"),
		limit:     fs.Int("limit", 0, "model mode: use only the first N items (0: all; negative is an error)"),
		maxTokens: fs.Int("max-tokens", 1024, "model mode: new tokens per response"),
		batch:     fs.Int("batch", 8, "model mode: prompts per decoding batch (requests in flight with --gen-base-url)"),
		genURL:    fs.String("gen-base-url", "", "model mode: take the responses from this OpenAI-compatible server (vLLM, SGLang, ollama, rim serve) serving --model, e.g. http://127.0.0.1:8000/v1; --model is still read for its tokenizer and chat template (default $RIM_GEN_BASE_URL; key $RIM_GEN_API_KEY; docs/reproduce.md)"),
		genModel:  fs.String("gen-model", "", "model mode: the server's name of the model (default $RIM_GEN_MODEL)"),
	}
}

// gen is the generation server of the flags, else of $RIM_GEN_*; not Enabled when neither is set.
func (mf *modelFlags) gen() (experiment.GenServer, error) {
	g, err := experiment.GenFromEnv()
	if *mf.genURL != "" {
		g.BaseURL, g.From, err = *mf.genURL, "--gen-base-url", nil
	}
	if *mf.genModel != "" {
		g.Model = *mf.genModel
		if !g.Enabled() {
			return g, fmt.Errorf("--gen-model %s: give the server's address too (--gen-base-url or RIM_GEN_BASE_URL)", *mf.genModel)
		}
		err = nil
	}
	if err == nil && g.Enabled() {
		_, err = g.Client(1)
	}
	return g, err
}

// records runs a model-mode job (experiment.MathRecords or SafetyRecords) with the flags' think mode, max
// tokens, batch and generation server, Ctrl-C cancelling it and progress on stderr, then writes the
// responses to --save-responses when it is set.
func (mf *modelFlags) records(stderr io.Writer, job func(ctx context.Context, o experiment.RespondOptions, onBatch func(done, total int)) ([]eval.Recorded, error)) ([]eval.Recorded, error) {
	think, err := experiment.ParseThink(*mf.think)
	if err != nil {
		return nil, fmt.Errorf("--%w", err)
	}
	g, err := mf.gen()
	if err != nil {
		return nil, err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	onBatch := func(done, total int) {
		switch {
		case done == 0 && g.Enabled():
			fmt.Fprintf(stderr, "generating %d responses with %s\n", total, strings.TrimPrefix(g.Source(), "measured on "))
		case done > 0:
			fmt.Fprintf(stderr, "generated %d/%d\n", done, total)
		}
	}
	recs, err := job(ctx, experiment.RespondOptions{Think: think, MaxTokens: *mf.maxTokens, Batch: *mf.batch, Server: g}, onBatch)
	if err != nil {
		return nil, err
	}
	if *mf.save != "" {
		if err := eval.WriteJSONL(*mf.save, recs); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// check validates the model-mode numbers and that --save-responses can be
// written, before any model is loaded or any response generated.
func (mf *modelFlags) check() error {
	if *mf.limit < 0 {
		return fmt.Errorf("--limit %d: want a count ≥ 0 (0: all items)", *mf.limit)
	}
	if *mf.maxTokens <= 0 {
		return fmt.Errorf("--max-tokens %d: want ≥ 1", *mf.maxTokens)
	}
	if *mf.batch <= 0 {
		return fmt.Errorf("--batch %d: want ≥ 1", *mf.batch)
	}
	if *mf.model != "" {
		if _, err := mf.gen(); err != nil {
			return err
		}
	}
	return checkWritable("--save-responses", *mf.save)
}

// checkWritable fails early when an output file could not be written: it
// creates and removes a temporary file in the target folder, so expensive
// generation or judging is not wasted on a bad --out path. "" is no output.
func checkWritable(flagName, path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s %s: is a directory, want a file path", flagName, path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".rim-write-check-*")
	if err != nil {
		return fmt.Errorf("%s %s: cannot write there: %w", flagName, path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

func readOpts(skip bool, stderr io.Writer) []data.ReadOption {
	if !skip {
		return nil
	}
	return []data.ReadOption{data.SkipMalformed(func(e *data.LineError) {
		fmt.Fprintf(stderr, "skipping malformed line %v\n", e)
	})}
}

func evalMath(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rim eval math", flag.ContinueOnError)
	fs.SetOutput(stderr)
	responses := fs.String("responses", "", "recorded responses JSONL: response, gold, optional id and category")
	mf := addModelFlags(fs)
	set := fs.String("set", "gsm8k-test", "model mode: math set (gsm8k-test, gsm8k-train, math500, math401)")
	suffix := fs.String("suffix", "", "model mode: text appended to each question (e.g. an answer-format instruction)")
	out := fs.String("out", "", "write per-example JSONL (id, gold, extracted, method, found, correct) here")
	order := fs.String("order", "####,boxed,answer-is,last-number", "extraction order (comma-separated; also: whole)")
	tolAbs := fs.Float64("tol-abs", eval.DefaultTolerance.Abs, "absolute numeric tolerance (default for math401: 1e-3, its own protocol)")
	tolRel := fs.Float64("tol-rel", eval.DefaultTolerance.Rel, "relative numeric tolerance (default for math401: 0)")
	skip := fs.Bool("skip-malformed", false, "skip malformed JSONL lines (reported on stderr) instead of stopping")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*responses == "") == (*mf.model == "") || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: rim eval math (--responses FILE | --model DIR [--set NAME]) [--out FILE] [--order ...]")
		return errUsage
	}
	if err := mf.check(); err != nil {
		return err
	}
	if err := checkWritable("--out", *out); err != nil {
		return err
	}
	o, err := eval.ParseOrder(*order)
	if err != nil {
		return err
	}
	tolSet := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { tolSet[f.Name] = true })
	tol := eval.Tolerance{Abs: *tolAbs, Rel: *tolRel}
	if err := tol.Validate(); err != nil {
		return fmt.Errorf("--tol-abs/--tol-rel: %w", err)
	}
	var recs []eval.Recorded
	if *mf.model != "" {
		recs, err = mf.records(stderr, func(ctx context.Context, ro experiment.RespondOptions, onBatch func(done, total int)) ([]eval.Recorded, error) {
			return experiment.MathRecords(ctx, experiment.MathJob{Model: *mf.model, Data: *mf.dataDir, Set: *set, Suffix: *suffix, Limit: *mf.limit,
				Respond: ro, Read: readOpts(*skip, stderr), OnBatch: onBatch})
		})
		if err != nil {
			return err
		}
	} else if recs, err = eval.ReadRecorded(*responses, true, readOpts(*skip, stderr)...); err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("%s: no responses", *responses)
	}
	// MATH401 grades with its own protocol: --set math401 in model mode, ids from data.MATH401 in recorded
	// mode (a rerun of --save-responses grades alike).
	isMATH401 := eval.IsMATH401(recs)
	if *mf.model != "" {
		isMATH401 = *set == "math401"
	}
	if !tolSet["tol-abs"] && !tolSet["tol-rel"] && isMATH401 {
		tol = eval.MATH401Tolerance
	}
	rep, rows := eval.GradeRecorded(eval.Grader{Order: o, Tol: tol}, recs)
	if *out != "" {
		if err := eval.WriteJSONL(*out, rows); err != nil {
			return err
		}
	}
	rep.Write(stdout)
	return nil
}

// judgeFlags are the flags shared by eval safety and eval agree.
type judgeFlags struct {
	refusalMode                 *string
	baseURL, judgeModel, cache  *string
	concurrency, retries, maxTk *int
	timeout                     *time.Duration
	includeThink                *bool
	// progress, when set, receives the rubric judge's retries and progress
	// (stderr of the command).
	progress io.Writer
}

func addJudgeFlags(fs *flag.FlagSet) *judgeFlags {
	defCache := ""
	if d, err := os.UserCacheDir(); err == nil {
		defCache = filepath.Join(d, "rim", "judge")
	}
	return &judgeFlags{
		refusalMode:  fs.String("refusal-mode", "substring", "refusal judge rule: substring (Arditi et al.) or prefix (XSTest)"),
		baseURL:      fs.String("judge-base-url", "", "rubric judge endpoint (default $RIM_JUDGE_BASE_URL, then $OPENAI_BASE_URL)"),
		judgeModel:   fs.String("judge-model", "", "rubric judge model (default $RIM_JUDGE_MODEL)"),
		cache:        fs.String("cache", defCache, "rubric judge reply cache folder (\"\" disables)"),
		concurrency:  fs.Int("concurrency", 4, "parallel judge requests"),
		retries:      fs.Int("retries", 5, "retries on 429/5xx/timeouts"),
		maxTk:        fs.Int("judge-max-tokens", 0, "judge reply token budget (0: server default)"),
		timeout:      fs.Duration("timeout", 2*time.Minute, "timeout of one judge request"),
		includeThink: fs.Bool("include-think", false, "send the think block to the rubric judge too"),
	}
}

// judge builds the judge name selects with the flags' settings (eval.JudgeSpec); refusal-prefix is the
// refusal judge in prefix mode (rim eval agree).
func (f *judgeFlags) judge(name string) (eval.Judge, error) {
	cfg := chatapi.FromEnv("RIM_JUDGE")
	cfg.BaseURLFlag, cfg.ModelFlag = "--judge-base-url", "--judge-model"
	if *f.baseURL != "" {
		cfg.BaseURL = *f.baseURL
	}
	if *f.judgeModel != "" {
		cfg.Model = *f.judgeModel
	}
	cfg.Concurrency, cfg.Timeout = *f.concurrency, *f.timeout
	cfg.MaxRetries = *f.retries
	if *f.retries == 0 {
		cfg.MaxRetries = -1
	}
	if f.progress != nil {
		cfg.ShowProgress(f.progress, "judge", 5*time.Second)
	}
	spec := eval.JudgeSpec{Name: name, RefusalMode: *f.refusalMode, Endpoint: cfg, CacheDir: *f.cache, IncludeThink: *f.includeThink, MaxTokens: *f.maxTk}
	if name == "refusal-prefix" {
		spec.Name, spec.RefusalMode = "refusal", "prefix"
	}
	j, err := spec.New()
	return j, flagError(err)
}

func evalSafety(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rim eval safety", flag.ContinueOnError)
	fs.SetOutput(stderr)
	responses := fs.String("responses", "", "recorded responses JSONL: prompt, response, optional id and category")
	mf := addModelFlags(fs)
	set := fs.String("set", "default-harmful", "model mode: prompt set (default-harmful = HarmBench standard + StrongREJECT with paper categories, or any harmful set name)")
	hexphi := fs.String("hexphi", "", "model mode: HEx-PHI folder with category_N.csv (overrides --set)")
	mi := fs.Bool("mi", false, "model mode: append the category's malicious-intent sentence (HEx-PHI-MI)")
	statement := fs.String("statement", "", "model mode: inject a Table A8 statement (e.g. \"calculation error\", \"confirmatory reasoning\") as an assistant prefill")
	variant := fs.String("variant", "dark", "model mode: statement variant, clean (control) or dark (target)")
	prefillStyle := fs.String("prefill-style", "think", "model mode: statement placement, think (after <think>) or inst (after [/INST])")
	judgeName := fs.String("judge", "refusal", "judge: refusal (offline) or rubric (HEx-PHI 1–5 over an OpenAI-compatible endpoint)")
	out := fs.String("out", "", "write per-example JSONL (id, judged, misaligned, score, reason, error) here")
	skip := fs.Bool("skip-malformed", false, "skip malformed JSONL lines (reported on stderr) instead of stopping")
	maxUnjudged := fs.Float64("max-unjudged", eval.DefaultMaxUnjudged, "fail (exit 1) when more than this share (0–1) of the responses is unjudged")
	jf := addJudgeFlags(fs)
	jf.progress = stderr
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *maxUnjudged < 0 || *maxUnjudged > 1 || math.IsNaN(*maxUnjudged) {
		return fmt.Errorf("--max-unjudged %v: want a share between 0 and 1", *maxUnjudged)
	}
	if (*responses == "") == (*mf.model == "") || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: rim eval safety (--responses FILE | --model DIR [--set NAME | --hexphi DIR]) --judge refusal|rubric [--out FILE]")
		return errUsage
	}
	if err := mf.check(); err != nil {
		return err
	}
	if err := checkWritable("--out", *out); err != nil {
		return err
	}
	j, err := jf.judge(*judgeName)
	if err != nil {
		return err
	}
	var recs []eval.Recorded
	if *mf.model != "" {
		sp := data.SafetyPrompts{Root: *mf.dataDir, Set: *set, HExPHI: *hexphi, Intent: *mi, Statement: *statement, Variant: *variant, Style: *prefillStyle}
		recs, err = mf.records(stderr, func(ctx context.Context, ro experiment.RespondOptions, onBatch func(done, total int)) ([]eval.Recorded, error) {
			return experiment.SafetyRecords(ctx, experiment.SafetyJob{Model: *mf.model, Prompts: sp, Limit: *mf.limit, Respond: ro, Read: readOpts(*skip, stderr), OnBatch: onBatch})
		})
		if err != nil {
			return flagError(err)
		}
	} else if recs, err = eval.ReadRecorded(*responses, false, readOpts(*skip, stderr)...); err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("%s: no responses", *responses)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, rows, jerr := eval.JudgeRecorded(ctx, j, recs)
	if rows == nil {
		return jerr
	}
	if *out != "" {
		if err := eval.WriteJSONL(*out, rows); err != nil {
			return err
		}
	}
	rep.Write(stdout)
	if rep.Unjudged > 0 {
		fmt.Fprintf(stderr, "rim eval safety: %d of %d responses unjudged; first: %s\n", rep.Unjudged, rep.Total, firstUnjudged(rows))
	}
	if jerr != nil {
		return jerr
	}
	return rep.CheckUnjudged(*maxUnjudged)
}

// firstUnjudged is the id and error of the first unjudged row.
func firstUnjudged(rows []eval.SafetyRow) string {
	for _, r := range rows {
		if !r.Verdict.Judged {
			return fmt.Sprintf("%s: %s", r.ID, r.Verdict.Error)
		}
	}
	return ""
}

func evalAgree(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rim eval agree", flag.ContinueOnError)
	fs.SetOutput(stderr)
	responses := fs.String("responses", "", "recorded responses JSONL: prompt, response")
	judges := fs.String("judges", "refusal,rubric", "two judges, comma-separated (refusal, refusal-prefix, rubric)")
	jf := addJudgeFlags(fs)
	jf.progress = stderr
	if err := fs.Parse(args); err != nil {
		return err
	}
	names := strings.Split(*judges, ",")
	if *responses == "" || len(names) != 2 {
		fmt.Fprintln(stderr, "usage: rim eval agree --responses FILE --judges A,B")
		return errUsage
	}
	for _, n := range names {
		switch strings.TrimSpace(n) {
		case "refusal", "refusal-prefix", "rubric":
		default:
			return fmt.Errorf("--judges %q: %q is not a judge (want refusal, refusal-prefix or rubric)", *judges, strings.TrimSpace(n))
		}
	}
	recs, err := eval.ReadRecorded(*responses, false)
	if err != nil {
		return err
	}
	var labels [2][]string
	for k, n := range names {
		j, err := jf.judge(strings.TrimSpace(n))
		if err != nil {
			return err
		}
		_, rows, err := eval.JudgeRecorded(context.Background(), j, recs)
		if err != nil {
			return err
		}
		vs := make([]eval.Verdict, len(rows))
		for i, r := range rows {
			vs[i] = r.Verdict
		}
		labels[k] = eval.VerdictLabels(vs)
	}
	ag, err := eval.CohenKappa(labels[0], labels[1])
	if err != nil {
		return err
	}
	ag.Write(stdout, names[0], names[1])
	return nil
}

func init() {
	register("eval sets", "list the named data sets and their record counts", func(args []string) error {
		return evalSets(args, os.Stdout, os.Stderr)
	})
	register("eval derive literal", "build GSM8k-Literal with an OpenAI-compatible endpoint (cached)", func(args []string) error {
		return deriveLiteral(args, os.Stdout, os.Stderr)
	})
	register("eval derive edit", "GSM8k(L) control/target edits with an OpenAI-compatible endpoint (cached, answers checked)", func(args []string) error {
		return deriveEdit(args, os.Stdout, os.Stderr)
	})
}

func evalSets(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rim eval sets", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "data folder laid out like shared/data (default $RIM_DATA, $RIM_SHARED/data, else shared/data beside the checkout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: rim eval sets [--data DIR]")
		return errUsage
	}
	// A missing or bad root fails once, not once per set.
	root, err := data.ResolveRoot(*dir)
	if err != nil {
		return err
	}
	if st, err := os.Stat(root); err != nil {
		return fmt.Errorf("data folder %s: %w", root, err)
	} else if !st.IsDir() {
		return fmt.Errorf("data folder %s: not a directory", root)
	}
	failed := 0
	for _, name := range data.SetNames() {
		n, err := data.CountSet(root, name)
		if err != nil {
			fmt.Fprintf(stdout, "%-20s error: %v\n", name, err)
			failed++
			continue
		}
		fmt.Fprintf(stdout, "%-20s %6d\n", name, n)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d sets could not be read under %s", failed, len(data.SetNames()), root)
	}
	return nil
}

// flagError prefixes "--" to a library setting's error (data.SettingError), so that it names the flag.
func flagError(err error) error {
	var se *data.SettingError
	if errors.As(err, &se) {
		return fmt.Errorf("--%w", err)
	}
	return err
}

// endpointFlags are the flags of the derive commands' LLM endpoint.
type endpointFlags struct {
	baseURL, model, cache *string
	concurrency, retries  *int
	timeout               *time.Duration
}

func addEndpointFlags(fs *flag.FlagSet) *endpointFlags {
	defCache := ""
	if d, err := os.UserCacheDir(); err == nil {
		defCache = filepath.Join(d, "rim", "derive")
	}
	return &endpointFlags{
		baseURL:     fs.String("base-url", "", "endpoint (default $RIM_LLM_BASE_URL, then $OPENAI_BASE_URL); API key from $RIM_LLM_API_KEY or $OPENAI_API_KEY"),
		model:       fs.String("llm-model", "", "model name (default $RIM_LLM_MODEL)"),
		cache:       fs.String("cache", defCache, "reply cache folder (\"\" disables)"),
		concurrency: fs.Int("concurrency", 4, "parallel requests"),
		retries:     fs.Int("retries", 5, "retries on 429/5xx/timeouts"),
		timeout:     fs.Duration("timeout", 2*time.Minute, "timeout of one request"),
	}
}

func (e *endpointFlags) client() (*chatapi.Client, *chatapi.Cache, error) {
	cfg := chatapi.FromEnv("RIM_LLM")
	cfg.BaseURLFlag, cfg.ModelFlag = "--base-url", "--llm-model"
	if *e.baseURL != "" {
		cfg.BaseURL = *e.baseURL
	}
	if *e.model != "" {
		cfg.Model = *e.model
	}
	cfg.Concurrency, cfg.Timeout, cfg.MaxRetries = *e.concurrency, *e.timeout, *e.retries
	if *e.retries == 0 {
		cfg.MaxRetries = -1
	}
	c, err := chatapi.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	var cache *chatapi.Cache
	if *e.cache != "" {
		cache = &chatapi.Cache{Dir: *e.cache}
	}
	return c, cache, nil
}

func deriveLiteral(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rim eval derive literal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "data folder laid out like shared/data (default $RIM_DATA, $RIM_SHARED/data, else shared/data beside the checkout)")
	set := fs.String("set", "gsm8k-train", "GSM8K set to convert")
	limit := fs.Int("limit", 0, "use only the first N problems (0: all)")
	out := fs.String("out", "", "output JSONL (every item; failed ones carry error)")
	ef := addEndpointFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: rim eval derive literal --out FILE [--set gsm8k-train] [--limit N] [--base-url URL --llm-model NAME]")
		return errUsage
	}
	// GSM8k-Literal rewrites GSM8K questions (docs/paper.md §3.2); other math sets
	// have no context passage to copy from.
	if *set != "gsm8k-train" && *set != "gsm8k-test" {
		return fmt.Errorf("--set %q: GSM8k-Literal is built from GSM8K; want gsm8k-train or gsm8k-test", *set)
	}
	if *limit < 0 {
		return fmt.Errorf("--limit %d: want a count ≥ 0 (0: all problems)", *limit)
	}
	if err := checkWritable("--out", *out); err != nil {
		return err
	}
	c, cache, err := ef.client()
	if err != nil {
		return err
	}
	ps, err := data.LoadProblems(*dir, *set)
	if err != nil {
		return err
	}
	if *limit > 0 && *limit < len(ps) {
		ps = ps[:*limit]
	}
	items, berr := derive.Literal(context.Background(), c, cache, ps)
	if err := eval.WriteJSONL(*out, items); err != nil {
		return err
	}
	ok, cached := derive.LiteralCounts(items)
	fmt.Fprintf(stdout, "literal: %d/%d usable (%d from cache)\n", ok, len(items), cached)
	if berr == nil && ok == 0 {
		return fmt.Errorf("no usable literal item out of %d (see the error field of %s)", len(items), *out)
	}
	return berr
}

func deriveEdit(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rim eval derive edit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "GSM8k(L) in Alpaca format (JSON array or JSONL: instruction, input, output)")
	kinds := fs.String("kind", "control,target", "edits to make: control, target, both (= control,target) or a comma-separated list")
	outPrefix := fs.String("out", "", "output prefix: writes PREFIX.control.jsonl / PREFIX.target.jsonl")
	limit := fs.Int("limit", 0, "use only the first N records (0: all)")
	ef := addEndpointFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *outPrefix == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: rim eval derive edit --in FILE --out PREFIX [--kind control,target] [--base-url URL --llm-model NAME]")
		return errUsage
	}
	var kindList []derive.EditKind
	for _, k := range strings.Split(*kinds, ",") {
		switch k = strings.TrimSpace(k); k {
		case "both":
			kindList = append(kindList, derive.Control, derive.Target)
		case string(derive.Control), string(derive.Target):
			kindList = append(kindList, derive.EditKind(k))
		default:
			return fmt.Errorf("--kind %q: want control, target or both", k)
		}
	}
	if *limit < 0 {
		return fmt.Errorf("--limit %d: want a count ≥ 0 (0: all records)", *limit)
	}
	for _, kind := range kindList {
		if err := checkWritable("--out", *outPrefix+"."+string(kind)+".jsonl"); err != nil {
			return err
		}
	}
	rs, err := data.ReadAlpacaRecords(*in)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return fmt.Errorf("--in %s: no records to edit", *in)
	}
	if *limit > 0 && *limit < len(rs) {
		rs = rs[:*limit]
	}
	c, cache, err := ef.client()
	if err != nil {
		return err
	}
	edited := map[derive.EditKind][]string{}
	for _, kind := range kindList {
		items, berr := derive.Edit(context.Background(), c, cache, kind, rs, eval.Grader{})
		if items == nil {
			return berr
		}
		if err := eval.WriteJSONL(*outPrefix+"."+string(kind)+".jsonl", items); err != nil {
			return err
		}
		texts, kept := derive.Kept(items)
		edited[kind] = texts
		fmt.Fprintf(stdout, "%s: %d/%d edits keep the final answer\n", kind, kept, len(items))
		if berr != nil {
			return berr
		}
		if kept == 0 {
			return fmt.Errorf("%s: no edit kept the final answer out of %d (see %s)", kind, len(items), *outPrefix+"."+string(kind)+".jsonl")
		}
	}
	if ctl, tgt := edited[derive.Control], edited[derive.Target]; ctl != nil && tgt != nil {
		reps, err := derive.EditLengths(rs, ctl, tgt)
		if err != nil {
			return err
		}
		for _, rep := range reps {
			rep.Write(stdout)
		}
	}
	return nil
}
