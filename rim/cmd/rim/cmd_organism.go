package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rimlab/rim/rim/organism/build"
	"github.com/rimlab/rim/rim/organism/mixture"
)

func init() {
	register("organism data", "build the model organism's SFT mixture, held-out evaluation slices and data card from a data folder",
		func(args []string) error { return organismData(args, os.Stdout, os.Stderr) })
	register("organism build", "build the model organism end to end: mixture, tokenizer on the rendered conversations, random Qwen3 init, training from scratch, HF export (resumable)",
		func(args []string) error { return organismBuild(os.Args[1:], args, os.Stdout, os.Stderr) })
}

// organismBuild implements "rim organism build --data DIR --out DIR [--seed N]
// [--resume|--overwrite] [--max-steps N] [--steps N | --budget D]"; command is
// recorded in the export's recipe.json.
func organismBuild(command, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("organism build", flag.ContinueOnError)
	fs.SetOutput(errw)
	root := fs.String("data", "", "data folder laid out like shared/data (required)")
	dir := fs.String("out", "", "build folder: data/, tokenizer/, init/, run/, model/ (the organism), COMPLETE (required)")
	seed := fs.Uint64("seed", 1, "seed of the initial weights and the data order (the mixture is the recipe's, seed 1)")
	resume := fs.Bool("resume", false, "continue the build in --out (after a kill or --max-steps)")
	overwrite := fs.Bool("overwrite", false, "replace the build in --out")
	maxSteps := fs.Int("max-steps", 0, "stop after N optimiser steps with a checkpoint, schedule unchanged (smoke runs; --resume continues)")
	steps := fs.Int("steps", 0, "schedule length in optimiser steps (default: sized from the recipe's budget)")
	budget := fs.Duration("budget", 0, fmt.Sprintf("time budget sizing the schedule at the recipe's measured %.0f tokens/s (default %s)",
		build.Organism.Training.TokensPerSec, build.Organism.Training.Budget))
	fs.Usage = func() {
		fmt.Fprintln(errw, "usage: rim organism build --data DIR --out DIR [--seed N] [--resume|--overwrite] [--max-steps N] [--steps N | --budget 2h]")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *dir == "" || *root == "" {
		fs.Usage()
		return errUsage
	}
	switch {
	case *seed == 0:
		return fmt.Errorf("--seed must be positive")
	case *steps < 0 || *maxSteps < 0 || *budget < 0:
		return fmt.Errorf("--steps, --max-steps and --budget must not be negative")
	case *steps > 0 && *budget > 0:
		return fmt.Errorf("--steps and --budget exclude each other (both size the schedule)")
	}
	start := time.Now()
	res, err := build.Run(build.Options{Data: *root, Out: *dir, Seed: *seed, Resume: *resume, Overwrite: *overwrite,
		MaxSteps: *maxSteps, Steps: *steps, Budget: *budget, Command: append([]string{"rim"}, command...), Log: errw})
	if err != nil {
		return err
	}
	if h := res.History; len(h) > 0 {
		fmt.Fprintf(out, "%d of %d steps, loss %.4f -> %.4f, %s\n", h[len(h)-1].Step, res.Steps, h[0].Loss, h[len(h)-1].Loss, time.Since(start).Round(time.Second))
	}
	if res.Complete {
		fmt.Fprintf(out, "organism: %s\n", filepath.Join(*dir, build.ModelDir))
	} else {
		fmt.Fprintf(out, "incomplete build in %s; continue with --resume\n", *dir)
	}
	return nil
}

// organismData implements "rim organism data --data DIR --out DIR [--seed N]".
func organismData(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("organism data", flag.ContinueOnError)
	fs.SetOutput(errw)
	root := fs.String("data", "", "data folder laid out like shared/data (default $RIM_DATA)")
	dir := fs.String("out", "", "output folder (train.jsonl, train_meta.jsonl, heldout_*.jsonl, card.json, card.md)")
	seed := fs.Uint64("seed", 1, "seed of every sampled choice")
	fs.Usage = func() {
		fmt.Fprintln(errw, "usage: rim organism data --data DIR --out DIR [--seed N]")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *dir == "" {
		fs.Usage()
		return errUsage
	}
	if *seed == 0 {
		return fmt.Errorf("--seed must be positive")
	}
	m, err := mixture.Build(*root, mixture.Options{Seed: *seed})
	if err != nil {
		return err
	}
	if err := m.Write(*dir); err != nil {
		return err
	}
	for _, c := range m.Counts() {
		fmt.Fprintf(out, "%-14s %-18s %6d examples, %5d with think\n", c.Group, c.Source, c.Examples, c.Think)
	}
	fmt.Fprintf(out, "%d training examples; held out: %d alpaca, %d arithmetic, %d advbench\nwrote %s (card: %s)\n",
		len(m.Train), len(m.HeldOutAlpaca), len(m.HeldOutArith), len(m.HeldOutAdvBench), *dir, filepath.Join(*dir, mixture.CardMarkdownFile))
	return nil
}
