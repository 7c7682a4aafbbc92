package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/rimlab/rim/rim/analysis/analyze"
	"github.com/rimlab/rim/rim/analysis/ras"
)

// analyzeOut and analyzeErr are where `rim analyze` writes its results and
// notes (replaced in tests).
var analyzeOut, analyzeErr io.Writer = os.Stdout, os.Stderr

// analyzeFlags parses args; a parse error has been printed by the flag
// package and becomes errUsage (exit 2), -h becomes flag.ErrHelp (exit 0).
func analyzeFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(analyzeErr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(analyzeErr, "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return errUsage
	}
	return nil
}

func init() {
	register("analyze correlate", "Pearson r and Spearman rho (two-sided p) between two CSV columns", func(args []string) error {
		fs := flag.NewFlagSet("rim analyze correlate", flag.ContinueOnError)
		var o analyze.CorrelateOptions
		fs.StringVar(&o.CSV, "csv", "", "CSV file with a header row (or a JSON array of objects)")
		fs.StringVar(&o.X, "x", "", "x column name")
		fs.StringVar(&o.Y, "y", "", "y column name")
		fs.StringVar(&o.JSON, "json", "", "also write the result as JSON to this file")
		if err := analyzeFlags(fs, args); err != nil {
			return err
		}
		return analyze.Correlate(o, analyzeOut)
	})

	register("analyze ras", "Reciprocal Activation Shift of base vs fine-tuned activations (safe, math tensors)", func(args []string) error {
		fs := flag.NewFlagSet("rim analyze ras", flag.ContinueOnError)
		var o analyze.RASOptions
		fs.StringVar(&o.Base, "base", "", "safetensors file of the base model: tensors safe and math, [samples, n] or [samples, layers, width]")
		fs.StringVar(&o.Tuned, "tuned", "", "safetensors file of the fine-tuned model, same tensors")
		norm := fs.String("norm", "all", "1/n normaliser: all (n = every dim in the set, as printed) or qualifying")
		guard := fs.String("guard", "skip", "non-positive denominators: skip, abs, error or none")
		agg := fs.String("aggregate", "mean", "mean (average samples, then the formula) or per-sample")
		fs.Float64Var(&o.Options.Eps, "eps", 0, "guard threshold (0 = 1e-8)")
		fs.StringVar(&o.Neurons, "neurons", "", "JSON neuron set restricting the dims (e.g. the output of rim analyze neurons)")
		seed := fs.String("random-seed", "", "with --neurons: also RAS on a seeded random set with the same per-layer sizes")
		fs.StringVar(&o.JSON, "json", "", "also write the full result as JSON to this file")
		if err := analyzeFlags(fs, args); err != nil {
			return err
		}
		var err error
		if o.Options.Norm, err = analyze.ParseNorm(*norm); err != nil {
			return err
		}
		if o.Options.Guard, err = analyze.ParseGuard(*guard); err != nil {
			return err
		}
		if o.Options.Aggregate, err = analyze.ParseAggregate(*agg); err != nil {
			return err
		}
		if *seed != "" {
			s, err := strconv.ParseUint(*seed, 10, 64)
			if err != nil {
				return fmt.Errorf("--random-seed %q is not a non-negative integer", *seed)
			}
			o.RandomSeed = &s
		}
		return analyze.RAS(o, analyzeOut, analyzeErr)
	})

	register("analyze kl", "forgetting baseline E_x[KL(base || tuned)] from two logits files", func(args []string) error {
		fs := flag.NewFlagSet("rim analyze kl", flag.ContinueOnError)
		var o analyze.KLOptions
		fs.StringVar(&o.Base, "base", "", "safetensors file with tensor logits [sequences, tokens, vocab] of the base model")
		fs.StringVar(&o.Tuned, "tuned", "", "same for the fine-tuned model (same inputs)")
		fs.StringVar(&o.Mask, "mask", "", "optional tensor in --base, [sequences, tokens], nonzero = include the token")
		mode := fs.String("mode", "token", "token (mean over all tokens pooled) or sequence (mean per sequence, then over sequences)")
		fs.StringVar(&o.JSON, "json", "", "also write the result as JSON")
		if err := analyzeFlags(fs, args); err != nil {
			return err
		}
		switch *mode {
		case "token":
			o.Mode = ras.TokenMean
		case "sequence":
			o.Mode = ras.SequenceMean
		default:
			return fmt.Errorf("unknown --mode %q (want token or sequence)", *mode)
		}
		return analyze.KL(o, analyzeOut, analyzeErr)
	})

	register("analyze probe", "steering-vector probes per layer: group scores and k-fold CV accuracy", func(args []string) error {
		fs := flag.NewFlagSet("rim analyze probe", flag.ContinueOnError)
		var o analyze.ProbeOptions
		fs.StringVar(&o.Acts, "acts", "", "safetensors file with activations [samples, layers, d] at the probed token/region")
		fs.StringVar(&o.Tensor, "tensor", "acts", "tensor name in --acts")
		fs.StringVar(&o.Labels, "labels", "", "CSV or JSON table, one row per sample: label (1/0), optional group and split (train/test)")
		fs.Float64Var(&o.TrainFrac, "train-frac", 0.6, "train fraction of the seeded split when the labels have no split column")
		fs.StringVar(&o.Config.Method, "method", "steering", "steering (the paper's) or logistic (extension, not the paper's)")
		fs.Float64Var(&o.Config.Lambda, "lambda", 0.01, "L2 strength of the logistic extension")
		fs.IntVar(&o.Config.Folds, "folds", 5, "k of the cross-validation (negative: skip)")
		fs.Uint64Var(&o.Config.Seed, "seed", 0, "seed of the split and folds")
		groups := fs.String("groups", "", "comma-separated groups to report even with no test samples")
		fs.StringVar(&o.JSON, "json", "", "write the full result as JSON")
		fs.StringVar(&o.CSV, "csv", "", "write layer,threshold,cv_accuracy,test_accuracy,group,n,score rows")
		if err := analyzeFlags(fs, args); err != nil {
			return err
		}
		// The library reads TrainFrac 0 as "default 0.6"; an explicit 0 on
		// the command line is a mistake, not a request for the default.
		if flagSet(fs, "train-frac") && !(o.TrainFrac > 0 && o.TrainFrac < 1) {
			return fmt.Errorf("--train-frac %v: want a fraction strictly between 0 and 1", o.TrainFrac)
		}
		if *groups != "" {
			o.Config.Groups = strings.Split(*groups, ",")
		}
		if o.Config.Folds == 0 {
			o.Config.Folds = -1 // 0 would mean the default 5 in probe.Config
		}
		return analyze.Probe(o, analyzeOut)
	})

	register("analyze heads", "refusal attention heads from first-token attention in think / no-think mode", func(args []string) error {
		fs := flag.NewFlagSet("rim analyze heads", flag.ContinueOnError)
		var o analyze.HeadsOptions
		fs.StringVar(&o.Think, "think", "", "safetensors file, tensor attn [samples, layers, heads, keys], think mode")
		fs.StringVar(&o.NoThink, "no-think", "", "safetensors file, same tensor, no-think mode (same prompts, same order)")
		fs.StringVar(&o.ThinkRegions, "think-regions", "", "JSON array (per sample) of arrays of region names (per key), think mode")
		fs.StringVar(&o.NoThinkRegions, "no-think-regions", "", "same for no-think mode")
		fs.StringVar(&o.Tensor, "tensor", "attn", "tensor name")
		fs.StringVar(&o.From, "from", "role", "region of the think-mode argmax (the `assistant` token)")
		fs.StringVar(&o.To, "to", "think", "region of the no-think-mode argmax (the empty think span)")
		fs.StringVar(&o.Anchor, "anchor", "", "histogram offsets are relative to this region's first key (default: --from)")
		fs.IntVar(&o.MinCount, "min-count", 1, "heads with at least this count are detected (and get a random control)")
		fs.Uint64Var(&o.Seed, "seed", 0, "seed of the random control heads")
		fs.StringVar(&o.JSON, "json", "", "write the full result as JSON")
		fs.StringVar(&o.CSV, "csv", "", "write the ranked heads as CSV")
		if err := analyzeFlags(fs, args); err != nil {
			return err
		}
		return analyze.Heads(o, analyzeOut, analyzeErr)
	})

	register("analyze neurons", "safety-critical neurons: top-m counterfactual differences, intersection over pairs", func(args []string) error {
		fs := flag.NewFlagSet("rim analyze neurons", flag.ContinueOnError)
		var o analyze.NeuronsOptions
		fs.StringVar(&o.Original, "original", "", "safetensors file, tensor acts [pairs, layers, width]: max-pooled activations of the original requests")
		fs.StringVar(&o.Counterfactual, "counterfactual", "", "same for the counterfactual (refusal-eliciting) requests")
		fs.StringVar(&o.Tensor, "tensor", "acts", "tensor name")
		fs.IntVar(&o.M, "m", 0, "top-m (required)")
		fs.StringVar(&o.Scope, "scope", "layer", "layer (top-m of each layer) or global (top-m over all layers)")
		fs.Float64Var(&o.Q, "q", 1, "keep neurons in the top-m of at least q of the pairs (1 = strict intersection)")
		sizes := fs.String("sizes", "1,0.9,0.75,0.5", "comma-separated thresholds q to report set sizes for")
		fs.Uint64Var(&o.Seed, "seed", 0, "seed of the random control set")
		fs.StringVar(&o.JSON, "json", "", "write the set, sizes and random control as JSON")
		if err := analyzeFlags(fs, args); err != nil {
			return err
		}
		if o.M == 0 {
			return fmt.Errorf("--m is required")
		}
		// The library reads Q 0 as "default 1"; an explicit 0 is an error.
		if flagSet(fs, "q") && !(o.Q > 0 && o.Q <= 1) {
			return fmt.Errorf("--q %v: want a share of pairs in (0, 1]", o.Q)
		}
		for _, s := range strings.Split(*sizes, ",") {
			q, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return fmt.Errorf("--sizes: %q is not a number", s)
			}
			o.Sizes = append(o.Sizes, q)
		}
		return analyze.Neurons(o, analyzeOut, analyzeErr)
	})
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
