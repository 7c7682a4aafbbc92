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

	"github.com/rimlab/rim/kernel/figures"
	"github.com/rimlab/rim/rim/experiment"
	"github.com/rimlab/rim/rim/fileio"
)

func init() {
	register("paper", "reproduce one paper item (table1, fig1, fig2, fig2-audit, fig3a, fig3b, fig4a, fig4b, fig5, fig6, fig7, table2, table3, tablea7, ras, fig8; fig8-paper, table3-paper, fig7-paper, tablea7-paper: the paper's own points): result JSON with provenance, figures as SVG and PNG (ITEM, ITEM-2, …)", func(args []string) error {
		return paperCmd(args, os.Stdout, os.Stderr)
	})
}

// paperItem is one item of `rim paper`: it runs the experiment function and returns its result.
type paperItem struct {
	about string
	model bool // runs a model: the settings are checked first
	run   func(s experiment.Settings) (figures.Reader, error)
}

// reader adapts an experiment function's (result, error) to paperItem.run.
func reader[R figures.Reader](r R, err error) (figures.Reader, error) { return r, err }

var paperItems = map[string]paperItem{
	"table1": {"Table 1: misalignment rate, think vs no-think, per model of $RIM_MODELS (docs/paper.md §5.1); uses the model", true, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Table1(s, experiment.Table1Options{}))
	}},
	"fig2": {"Fig 2 (left): misalignment under injected effort-minimizing statements, control vs target (docs/paper.md §5.2); over the models of $RIM_MODELS when it names several; uses the model", true, func(s experiment.Settings) (figures.Reader, error) {
		if len(s.Models) > 1 {
			return reader(experiment.Fig2Across(s, experiment.Fig2Options{}))
		}
		return reader(experiment.Fig2(s, experiment.Fig2Options{}))
	}},
	"fig2-audit": {"Fig 2 (right) and Fig A5: an LLM auditor's flagged categories and patterns in think-mode reasoning and answers on GSM8K and HEx-PHI (docs/paper.md §5.2); uses the model when an auditor endpoint is set (RIM_AUDIT_*, else RIM_JUDGE_*), else paper data", false, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Fig2Audit(s, experiment.Fig2AuditOptions{}))
	}},
	"fig3a": {"Fig 3a: harmful-vs-harmless probe score per layer and token region, think mode with the model's own reasoning (docs/paper.md §6.1); uses the model", true, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Fig3a(s, experiment.Fig3Options{}))
	}},
	"fig3b": {"Fig 3b: harmful-vs-harmless probe score per layer and token region, no-think (docs/paper.md §6.1); uses the model", true, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Fig3b(s, experiment.Fig3Options{}))
	}},
	"fig4b": {"Fig 4b and Fig A3: refusal-pattern heads and argmax histograms (docs/paper.md §6.2); uses the model", true, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Fig4b(s, experiment.Fig4Options{}))
	}},
	"fig4a": {"Fig 4a: one head's first-generated-token attention on the paper's prompt, think vs no-think (docs/paper.md §6.2); uses the model", true, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Fig4a(s, experiment.Fig4aOptions{}))
	}},
	"fig5": {"Fig 5: probe score with the refusal heads vs random heads zeroed (docs/paper.md §6.3); uses the model", true, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Fig5(s, experiment.Fig4Options{}))
	}},
	"fig6": {"Fig 6: zeroing safety-critical vs random neurons (docs/paper.md §7); over the models of $RIM_MODELS when it names several; uses the model", true, func(s experiment.Settings) (figures.Reader, error) {
		if len(s.Models) > 1 {
			return reader(experiment.Fig6Across(s, experiment.Fig6Options{}))
		}
		return reader(experiment.Fig6(s, experiment.Fig6Options{}))
	}},
	"table2": {"Table 2, GSM8k column: misalignment and accuracy before and after LoRA fine-tuning (docs/paper.md §5.3); over the models of $RIM_MODELS when it names several; trains the model once", true, func(s experiment.Settings) (figures.Reader, error) {
		if len(s.Models) > 1 {
			return reader(experiment.Table2Across(s, experiment.Table2Options{}))
		}
		return reader(experiment.Table2(s, experiment.Table2Options{}))
	}},
	"table3": {"Table 3's column for the model: Pearson r of each metric (RAS, KL, random RAS, means, δs) with the misalignment rate over the checkpoints of its GSM8K LoRA fine-tune (docs/paper.md §8.3); trains the model once", true, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Table3Measured(s, experiment.Fig8Options{}))
	}},
	"table3-paper": {"Table 3, RAS row: Pearson r per dense model from the recovered checkpoints (docs/paper.md §8.3); paper data", false, func(experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Table3())
	}},
	"ras": {"RAS and baselines between the model and its GSM8K LoRA fine-tune (docs/paper.md §8.1); trains the model once", true, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.RAS(s, experiment.RASOptions{}))
	}},
	"fig7": {"Fig 7: RAS after fine-tuning the model on the GSM8k(L) Control vs Target edits of $RIM_DERIVED (rim eval derive edit; docs/paper.md §8.2); trains the model twice", true, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Fig7Measured(s, experiment.Fig7Options{}))
	}},
	"fig7-paper": {"Fig 7: RAS after GSM8k(L) Control vs Target fine-tuning per dense model (docs/paper.md §8.2); paper data", false, func(experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Fig7())
	}},
	"tablea7": {"Table A7: Δ misalignment after fine-tuning the model on GSM8k vs the GSM8k-Literal of $RIM_DERIVED (rim eval derive literal; docs/paper.md §5.3); trains the model twice", true, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.TableA7Measured(s, experiment.TableA7Options{}))
	}},
	"tablea7-paper": {"Table A7: Δ misalignment after GSM8k vs GSM8k-Literal fine-tuning per model (docs/paper.md §5.3); paper data", false, func(experiment.Settings) (figures.Reader, error) {
		return reader(experiment.TableA7())
	}},
	"fig1": {"Fig 1: accuracy and misalignment before vs after GSM8K fine-tuning, the paper's models and the model's Table 2 run (docs/paper.md §5.3); trains the model once", true, func(s experiment.Settings) (figures.Reader, error) {
		t2, err := experiment.Table2(s, experiment.Table2Options{})
		if err != nil {
			return nil, err
		}
		return reader(experiment.Fig1(t2))
	}},
	"fig8": {"Fig 8: RAS on A_safe, random RAS and KL vs misalignment over the checkpoints of the model's GSM8K LoRA fine-tune (docs/paper.md §8.4); trains the model once", true, func(s experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Fig8Measured(s, experiment.Fig8Options{}))
	}},
	"fig8-paper": {"Fig 8: RAS, random RAS and KL vs misalignment over Qwen3-4B's checkpoints (docs/paper.md §8.4); paper data", false, func(experiment.Settings) (figures.Reader, error) {
		return reader(experiment.Fig8())
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
	modelDir := fs.String("model", "", "model directory, plain or HF cache models--ORG--NAME (default $RIM_MODEL, else the model organism in testdata/organism)")
	tokDir := fs.String("tokenizer", "", "tokenizer + chat template directory (default $RIM_TOKENIZER, else the model dir)")
	samples := fs.Int("samples", 0, "prompts per set (default $RIM_SAMPLES, else the item's demo default)")
	maxTokens := fs.Int("max-tokens", 0, "new tokens per response (default $RIM_MAX_TOKENS, else 24)")
	out := fs.String("out", "", "output directory for ITEM.json, ITEM.svg, ITEM.png (required)")
	genURL := fs.String("gen-base-url", "", "OpenAI-compatible server (vLLM, SGLang, ollama, rim serve) serving the model, e.g. http://127.0.0.1:8000/v1: plain greedy responses come from it (default $RIM_GEN_BASE_URL; key $RIM_GEN_API_KEY; docs/reproduce.md)")
	genModel := fs.String("gen-model", "", "the server's name of the model (default $RIM_GEN_MODEL)")
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: rim paper ITEM [flags] --out DIR\nitems: %s\n", paperItemNames())
		for _, n := range strings.Split(paperItemNames(), ", ") {
			fmt.Fprintf(stderr, "  %-12s %s\n", n, paperItems[n].about)
		}
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
		s.Model, s.ModelFrom = *modelDir, "--model"
	}
	if *tokDir != "" {
		s.Tokenizer, s.TokenizerFrom = *tokDir, "--tokenizer"
	}
	if *samples > 0 {
		s.Samples = *samples
	}
	if *maxTokens > 0 {
		s.MaxTokens = *maxTokens
	}
	if *genURL != "" {
		s.Gen.BaseURL, s.Gen.From = *genURL, "--gen-base-url"
	}
	if *genModel != "" {
		if s.Gen.Model = *genModel; !s.Gen.Enabled() {
			return fmt.Errorf("--gen-model %s: give the server's address too (--gen-base-url or RIM_GEN_BASE_URL)", *genModel)
		}
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
	res, err := item.run(s)
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
	d, err := figures.Draw(res)
	if err != nil {
		return err
	}
	paths := []string{jsonPath}
	for i, fig := range d.Figures {
		base := name
		if i > 0 {
			base = fmt.Sprintf("%s-%d", name, i+1)
		}
		for _, ext := range []string{".svg", ".png"} {
			p := filepath.Join(*out, base+ext)
			if err := fig.Save(p); err != nil {
				return err
			}
			paths = append(paths, p)
		}
	}
	fmt.Fprintln(stdout, res.Reading())
	for _, p := range paths {
		fmt.Fprintln(stdout, "wrote", p)
	}
	return nil
}
