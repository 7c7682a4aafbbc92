package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rimlab/rim/kernel/display"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/fileio"
	"github.com/rimlab/rim/rim/organism/study"
)

func init() {
	register("organism eval", "evaluate the model organism on its held-out sets in both chat modes: refusal, think closure, arithmetic, GSM8K, and the Table 1 analogue (JSON)",
		func(args []string) error { return organismEval(args, os.Stdout, os.Stderr) })
	register("organism card", "write the model organism's model card (README.md), training curve and manifest from its recipe, log and results/",
		func(args []string) error { return organismCard(args, os.Stdout, os.Stderr) })
	register("organism finetune", "the Table 2 analogue on the model organism (LoRA on arithmetic with vs without reasoning, several seeds) and the Fig 8 analogue on the first reasoning run's checkpoints (JSON)",
		func(args []string) error { return organismFinetune(args, os.Stdout, os.Stderr) })
}

// studyFlags are the flags organism eval and organism finetune share.
func studyFlags(fs *flag.FlagSet) (*study.Options, *string) {
	o := &study.Options{}
	fs.StringVar(&o.Model, "model", "", "the organism's dir (required)")
	fs.StringVar(&o.Data, "data", "", "data folder laid out like shared/data (default $RIM_DATA, else shared/data beside the checkout)")
	fs.IntVar(&o.Batch, "batch", 16, "prompts per decoding batch (does not change greedy answers)")
	fs.IntVar(&o.MaxTokens, "max-tokens", 128, "new tokens of a no-think answer")
	fs.IntVar(&o.ThinkMaxTokens, "think-max-tokens", 384, "new tokens in think mode, think block included")
	out := fs.String("out", "", "result JSON, written atomically (required)")
	return o, out
}

// checkStudy resolves the data folder and checks the required flags.
func checkStudy(fs *flag.FlagSet, pos []string, o *study.Options, out string) error {
	if len(pos) != 0 || o.Model == "" || out == "" {
		fs.Usage()
		return errUsage
	}
	if _, err := os.Stat(filepath.Join(o.Model, "config.json")); err != nil {
		return fmt.Errorf("--model %s: not a model dir: %w", o.Model, err)
	}
	root, err := data.ResolveRoot(o.Data)
	o.Data = root
	return err
}

// writeResult writes v as indented JSON to path, atomically.
func writeResult(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return fileio.WriteFileAtomic(path, append(b, '\n'), 0o644)
}

// organismEval implements "rim organism eval --model DIR --out FILE [--data DIR] [--limit N] [--gsm8k N]".
func organismEval(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("organism eval", flag.ContinueOnError)
	fs.SetOutput(errw)
	o, path := studyFlags(fs)
	fs.IntVar(&o.Limit, "limit", 0, "seeded sample of at most N prompts per set (0: every prompt)")
	fs.IntVar(&o.GSM8K, "gsm8k", 200, "GSM8K test questions (seeded sample)")
	ci := fs.Int("ci", 0, "only the CI subset: N pooled harmful and N pooled harmless prompts (no-think), N held-out arithmetic problems (think)")
	fs.Usage = func() {
		fmt.Fprintln(errw, "usage: rim organism eval --model DIR --out FILE.json [--data DIR] [--limit N] [--gsm8k N] [--ci N]")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := checkStudy(fs, pos, o, *path); err != nil {
		return err
	}
	o.Log = errw
	if *ci < 0 {
		return fmt.Errorf("--ci must not be negative")
	}
	if *ci > 0 {
		sub, err := study.RunSubset(*o, *ci)
		if err != nil {
			return err
		}
		if err := writeResult(*path, sub); err != nil {
			return err
		}
		fmt.Fprintln(out, sub.Summary())
		return nil
	}
	b, err := study.RunBehaviour(*o)
	if err != nil {
		return err
	}
	if err := writeResult(*path, b); err != nil {
		return err
	}
	fmt.Fprint(out, study.BehaviourMarkdown(b))
	return nil
}

// organismFinetune implements "rim organism finetune --model DIR --work DIR --out FILE [--data DIR] [--seeds N]".
func organismFinetune(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("organism finetune", flag.ContinueOnError)
	fs.SetOutput(errw)
	o, path := studyFlags(fs)
	work := fs.String("work", "", "folder of the fine-tuning runs (checkpoints and merged models; a rerun resumes or reuses them) (required)")
	seeds := fs.Int("seeds", 3, "training seeds per condition (1..N)")
	fs.Usage = func() {
		fmt.Fprintln(errw, "usage: rim organism finetune --model DIR --work DIR --out FILE.json [--data DIR] [--seeds N]")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := checkStudy(fs, pos, o, *path); err != nil {
		return err
	}
	if *work == "" {
		fs.Usage()
		return errUsage
	}
	if *seeds < 1 {
		return fmt.Errorf("--seeds must be at least 1")
	}
	fo := study.FineTuneOptions{Options: *o, Work: *work}
	for s := 1; s <= *seeds; s++ {
		fo.Seeds = append(fo.Seeds, uint64(s))
	}
	fo.Log = errw
	t, err := study.RunFineTune(fo)
	if err != nil {
		return err
	}
	if err := writeResult(*path, t); err != nil {
		return err
	}
	fmt.Fprint(out, study.FineTuneMarkdown(t))
	return nil
}

// organismCard implements "rim organism card DIR": training_curve.svg, then
// manifest.json (sha256 of every file but itself and the card), then README.md.
func organismCard(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("organism card", flag.ContinueOnError)
	fs.SetOutput(errw)
	fs.Usage = func() { fmt.Fprintln(errw, "usage: rim organism card DIR") }
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	dir := pos[0]
	c, err := study.LoadCard(dir)
	if err != nil {
		return err
	}
	var x, y []float64
	for _, e := range c.Log {
		x, y = append(x, float64(e.Step)), append(y, e.Loss)
	}
	fig, err := display.Line(fmt.Sprintf("%s training loss (measured)", c.Recipe.Build.Recipe.Name), "optimiser step", "loss (assistant tokens)",
		display.Series{Name: "loss", X: x, Y: y})
	if err != nil {
		return err
	}
	svg, err := fig.SVG()
	if err != nil {
		return err
	}
	if err := fileio.WriteFileAtomic(filepath.Join(dir, study.CurveFile), svg, 0o644); err != nil {
		return err
	}
	man, err := study.Manifest(dir)
	if err != nil {
		return err
	}
	if err := writeResult(filepath.Join(dir, study.ManifestFile), man); err != nil {
		return err
	}
	md := c.Markdown(man["model.safetensors"])
	if err := fileio.WriteFileAtomic(filepath.Join(dir, study.CardFile), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s, %s, %s\n", filepath.Join(dir, study.CardFile), study.CurveFile, study.ManifestFile)
	return nil
}
