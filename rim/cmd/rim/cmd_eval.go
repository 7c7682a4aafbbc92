package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strings"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
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
	var js [2]eval.Judge
	for k, n := range names {
		if js[k], err = jf.judge(strings.TrimSpace(n)); err != nil {
			return err
		}
	}
	ag, err := eval.AgreeRecorded(context.Background(), js[0], js[1], recs)
	if err != nil {
		return err
	}
	ag.Write(stdout, names[0], names[1])
	return nil
}
