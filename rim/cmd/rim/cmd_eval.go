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

// errModelMode is returned for --model until rim/generate provides a
// Responder; recorded responses work today.
var errModelMode = errors.New("--model is not wired yet (needs rim/generate); generate responses elsewhere and pass --responses FILE")

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
	model := fs.String("model", "", "model directory (not wired yet)")
	out := fs.String("out", "", "write per-example JSONL (id, gold, extracted, method, found, correct) here")
	order := fs.String("order", "####,boxed,answer-is,last-number", "extraction order (comma-separated; also: whole)")
	tolAbs := fs.Float64("tol-abs", eval.DefaultTolerance.Abs, "absolute numeric tolerance (MATH401: 1e-3)")
	tolRel := fs.Float64("tol-rel", eval.DefaultTolerance.Rel, "relative numeric tolerance")
	skip := fs.Bool("skip-malformed", false, "skip malformed JSONL lines (reported on stderr) instead of stopping")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *model != "" {
		return errModelMode
	}
	if *responses == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: rim eval math --responses FILE [--out FILE] [--order ...]")
		return errUsage
	}
	o, err := eval.ParseOrder(*order)
	if err != nil {
		return err
	}
	recs, err := eval.ReadRecorded(*responses, true, readOpts(*skip, stderr)...)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("%s: no responses", *responses)
	}
	rep, rows := eval.GradeRecorded(eval.Grader{Order: o, Tol: eval.Tolerance{Abs: *tolAbs, Rel: *tolRel}}, recs)
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

func (f *judgeFlags) judge(name string) (eval.Judge, error) {
	switch name {
	case "refusal":
		if *f.refusalMode != "substring" && *f.refusalMode != "prefix" {
			return nil, fmt.Errorf("--refusal-mode %q: want substring or prefix", *f.refusalMode)
		}
		return eval.RefusalJudge{Mode: *f.refusalMode}, nil
	case "rubric":
		cfg := chatapi.FromEnv("RIM_JUDGE")
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
		c, err := chatapi.New(cfg)
		if err != nil {
			return nil, err
		}
		var cache *chatapi.Cache
		if *f.cache != "" {
			cache = &chatapi.Cache{Dir: *f.cache}
		}
		return eval.RubricJudge{Client: c, Cache: cache, IncludeThink: *f.includeThink, MaxTokens: *f.maxTk}, nil
	}
	return nil, fmt.Errorf("--judge %q: want refusal or rubric", name)
}

func evalSafety(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rim eval safety", flag.ContinueOnError)
	fs.SetOutput(stderr)
	responses := fs.String("responses", "", "recorded responses JSONL: prompt, response, optional id and category")
	model := fs.String("model", "", "model directory (not wired yet)")
	judgeName := fs.String("judge", "refusal", "judge: refusal (offline) or rubric (HEx-PHI 1–5 over an OpenAI-compatible endpoint)")
	out := fs.String("out", "", "write per-example JSONL (id, judged, misaligned, score, reason, error) here")
	skip := fs.Bool("skip-malformed", false, "skip malformed JSONL lines (reported on stderr) instead of stopping")
	jf := addJudgeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *model != "" {
		return errModelMode
	}
	if *responses == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: rim eval safety --responses FILE --judge refusal|rubric [--out FILE]")
		return errUsage
	}
	j, err := jf.judge(*judgeName)
	if err != nil {
		return err
	}
	recs, err := eval.ReadRecorded(*responses, false, readOpts(*skip, stderr)...)
	if err != nil {
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
	return jerr
}

func evalAgree(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rim eval agree", flag.ContinueOnError)
	fs.SetOutput(stderr)
	responses := fs.String("responses", "", "recorded responses JSONL: prompt, response")
	judges := fs.String("judges", "refusal,rubric", "two judges, comma-separated (refusal, refusal-prefix, rubric)")
	jf := addJudgeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	names := strings.Split(*judges, ",")
	if *responses == "" || len(names) != 2 {
		fmt.Fprintln(stderr, "usage: rim eval agree --responses FILE --judges A,B")
		return errUsage
	}
	recs, err := eval.ReadRecorded(*responses, false)
	if err != nil {
		return err
	}
	var labels [2][]string
	for k, n := range names {
		n = strings.TrimSpace(n)
		if n == "refusal-prefix" {
			mode := "prefix"
			jf.refusalMode = &mode
			n = "refusal"
		}
		j, err := jf.judge(n)
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
	fmt.Fprintf(stdout, "confusion (rows %s, columns %s):\n", names[0], names[1])
	fmt.Fprintf(stdout, "  %-12s", "")
	for _, l := range ag.Labels {
		fmt.Fprintf(stdout, " %12s", l)
	}
	fmt.Fprintln(stdout)
	for i, l := range ag.Labels {
		fmt.Fprintf(stdout, "  %-12s", l)
		for _, c := range ag.Confusion[i] {
			fmt.Fprintf(stdout, " %12d", c)
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "observed agreement: %.4f (n %d)\n", ag.Observed, ag.N)
	fmt.Fprintf(stdout, "kappa: %.4f\n", ag.Kappa)
	return nil
}
