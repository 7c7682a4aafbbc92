package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rimlab/rim/kernel/display"
	"github.com/rimlab/rim/rim/experiment"
	"github.com/rimlab/rim/rim/fileio"
)

func init() {
	register("paper", "reproduce one paper item (table1, fig8): result JSON with provenance, figure as SVG and PNG", func(args []string) error {
		return paperCmd(args, os.Stdout, os.Stderr)
	})
}

// paperItem is one item of `rim paper`: it runs the experiment function and returns what to write.
type paperItem struct {
	about string
	model bool // runs a model: the settings are checked first
	run   func(s experiment.Settings, samples int) (result any, fig func() (*display.Figure, error), reading string, err error)
}

var paperItems = map[string]paperItem{
	"table1": {"Table 1: misalignment rate, think vs no-think (docs/paper.md §5.1); uses the model", true, func(s experiment.Settings, n int) (any, func() (*display.Figure, error), string, error) {
		r, err := experiment.Table1(s, s.SamplesOr(n))
		if err != nil {
			return nil, nil, "", err
		}
		return r, r.Figure, r.Reading(), nil
	}},
	"fig8": {"Fig 8: RAS, random RAS and KL vs misalignment over checkpoints (docs/paper.md §8.4); paper data", false, func(experiment.Settings, int) (any, func() (*display.Figure, error), string, error) {
		r, err := experiment.Fig8()
		if err != nil {
			return nil, nil, "", err
		}
		return r, r.Figure, r.Reading(), nil
	}},
}

func paperItemNames() string {
	var names []string
	for n := range paperItems {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// paperCmd implements rim paper ITEM: flags override the RIM_* settings (experiment.FromEnv).
func paperCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rim paper", flag.ContinueOnError)
	modelDir := fs.String("model", "", "model directory, plain or HF cache models--ORG--NAME (default $RIM_MODEL, else the tiny demo model)")
	tokDir := fs.String("tokenizer", "", "tokenizer + chat template directory (default $RIM_TOKENIZER, else the model dir)")
	samples := fs.Int("samples", 0, "prompts per set (default $RIM_SAMPLES, else 12)")
	maxTokens := fs.Int("max-tokens", 0, "new tokens per response (default $RIM_MAX_TOKENS, else 24)")
	out := fs.String("out", "", "output directory for ITEM.json, ITEM.svg, ITEM.png (required)")
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: rim paper ITEM [flags] --out DIR\nitems: %s\n", paperItemNames())
		fs.PrintDefaults()
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs.Usage()
		return errUsage
	}
	name := args[0]
	item, ok := paperItems[name]
	if !ok {
		return fmt.Errorf("item %q: want one of %s", name, paperItemNames())
	}
	if err := parseFlags(fs, args[1:], stderr); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out DIR is required")
	}
	if *samples < 0 || *maxTokens < 0 {
		return fmt.Errorf("--samples %d, --max-tokens %d: want ≥ 1 (0: the default)", *samples, *maxTokens)
	}
	s, err := experiment.FromEnv()
	if err != nil {
		return err
	}
	if *modelDir != "" {
		s.Model = *modelDir
	}
	if *tokDir != "" {
		s.Tokenizer = *tokDir
	}
	if *samples > 0 {
		s.Samples = *samples
	}
	if *maxTokens > 0 {
		s.MaxTokens = *maxTokens
	}
	if item.model {
		if err := s.Check(); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", *out, err)
	}
	fmt.Fprintf(stderr, "rim paper %s: %s\n", name, item.about)
	res, figure, reading, err := item.run(s, 12)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		return err
	}
	jsonPath := filepath.Join(*out, name+".json")
	if err := fileio.WriteAtomic(jsonPath, func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err }); err != nil {
		return err
	}
	fig, err := figure()
	if err != nil {
		return err
	}
	paths := []string{jsonPath}
	for _, ext := range []string{".svg", ".png"} {
		p := filepath.Join(*out, name+ext)
		if err := fig.Save(p); err != nil {
			return err
		}
		paths = append(paths, p)
	}
	fmt.Fprintln(stdout, reading)
	for _, p := range paths {
		fmt.Fprintln(stdout, "wrote", p)
	}
	return nil
}
