package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/eval/derive"
)

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
