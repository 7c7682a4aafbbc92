package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rimlab/rim/rim/organism/mixture"
)

func init() {
	register("organism data", "build the model organism's SFT mixture, held-out evaluation slices and data card from a data folder",
		func(args []string) error { return organismData(args, os.Stdout, os.Stderr) })
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
