package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/experiment"
)

// The flags rim eval's commands share, and their checks.

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

// judgeFlags are the flags shared by eval safety and eval agree.
type judgeFlags struct {
	endpointFlags // the rubric judge's endpoint
	refusalMode   *string
	maxTk         *int
	includeThink  *bool
	// progress, when set, receives the rubric judge's retries and progress
	// (stderr of the command).
	progress io.Writer
}

func addJudgeFlags(fs *flag.FlagSet) *judgeFlags {
	return &judgeFlags{
		endpointFlags: endpointFlags{env: "RIM_JUDGE", baseURLFlag: "--judge-base-url", modelFlag: "--judge-model",
			baseURL:     fs.String("judge-base-url", "", "rubric judge endpoint (default $RIM_JUDGE_BASE_URL, then $OPENAI_BASE_URL)"),
			model:       fs.String("judge-model", "", "rubric judge model (default $RIM_JUDGE_MODEL)"),
			cache:       fs.String("cache", userCache("judge"), "rubric judge reply cache folder (\"\" disables)"),
			concurrency: fs.Int("concurrency", 4, "parallel judge requests"),
			retries:     fs.Int("retries", 5, "retries on 429/5xx/timeouts"),
			timeout:     fs.Duration("timeout", 2*time.Minute, "timeout of one judge request"),
		},
		refusalMode:  fs.String("refusal-mode", "substring", "refusal judge rule: substring (Arditi et al.) or prefix (XSTest)"),
		maxTk:        fs.Int("judge-max-tokens", 0, "judge reply token budget (0: server default)"),
		includeThink: fs.Bool("include-think", false, "send the think block to the rubric judge too"),
	}
}

// judge builds the judge name selects with the flags' settings (eval.JudgeSpec); refusal-prefix is the
// refusal judge in prefix mode (rim eval agree).
func (f *judgeFlags) judge(name string) (eval.Judge, error) {
	cfg := f.config()
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

// endpointFlags are the flags of an OpenAI-compatible endpoint: the derive commands' LLM, the rubric judge.
type endpointFlags struct {
	env, baseURLFlag, modelFlag string // the environment prefix (RIM_LLM) and the flags' names, for errors
	baseURL, model, cache       *string
	concurrency, retries        *int
	timeout                     *time.Duration
}

func addEndpointFlags(fs *flag.FlagSet) *endpointFlags {
	return &endpointFlags{env: "RIM_LLM", baseURLFlag: "--base-url", modelFlag: "--llm-model",
		baseURL:     fs.String("base-url", "", "endpoint (default $RIM_LLM_BASE_URL, then $OPENAI_BASE_URL); API key from $RIM_LLM_API_KEY or $OPENAI_API_KEY"),
		model:       fs.String("llm-model", "", "model name (default $RIM_LLM_MODEL)"),
		cache:       fs.String("cache", userCache("derive"), "reply cache folder (\"\" disables)"),
		concurrency: fs.Int("concurrency", 4, "parallel requests"),
		retries:     fs.Int("retries", 5, "retries on 429/5xx/timeouts"),
		timeout:     fs.Duration("timeout", 2*time.Minute, "timeout of one request"),
	}
}

// userCache is the folder rim/<name> in the user's cache dir, "" when there is none.
func userCache(name string) string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "rim", name)
}

// config is the endpoint of $<env>_* with the flags' overrides; --retries 0 means none.
func (e *endpointFlags) config() chatapi.Config {
	cfg := chatapi.FromEnv(e.env)
	cfg.BaseURLFlag, cfg.ModelFlag = e.baseURLFlag, e.modelFlag
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
	return cfg
}

// client is the endpoint's client and its reply cache (nil when --cache is "").
func (e *endpointFlags) client() (*chatapi.Client, *chatapi.Cache, error) {
	c, err := chatapi.New(e.config())
	if err != nil {
		return nil, nil, err
	}
	var cache *chatapi.Cache
	if *e.cache != "" {
		cache = &chatapi.Cache{Dir: *e.cache}
	}
	return c, cache, nil
}

// flagError prefixes "--" to a library setting's error (data.SettingError), so that it names the flag.
func flagError(err error) error {
	var se *data.SettingError
	if errors.As(err, &se) {
		return fmt.Errorf("--%w", err)
	}
	return err
}
