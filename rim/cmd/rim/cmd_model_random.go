package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/modeltest"
	"github.com/rimlab/rim/rim/tokenize"
)

func init() {
	register("model random", "write a random model dir shaped like a model's config.json, with a real tokenizer and chat template copied in",
		func(args []string) error { return modelRandom(args, os.Stdout, os.Stderr) })
}

// tokenizerCopies are the files of a tokenizer dir that "rim model random"
// copies into the model dir when present (tokenizer.json and
// tokenizer_config.json must be there), licence files included so that the
// copy carries the tokenizer's terms.
var tokenizerCopies = []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja",
	"LICENSE", "LICENSE.Apache-2.0", "LICENSE.meta-llama-3", "NOTICE"}

// modelRandom implements "rim model random --like DIR --tokenizer DIR --out DIR".
//
// The written dir has the architecture and sizes of --like's config.json
// (e.g. a shared/fixtures/hf-tiny model), seeded random weights
// (rim/modeltest), a vocabulary of max(config vocab_size, tokenizer ids) so
// every token id of the tokenizer is an embedding row, bos/eos/pad ids taken
// from the tokenizer, a generation_config.json whose eos_token_id is the
// tokenizer's eos_token plus --eos, and the tokenizer's files: RIM_MODEL=DIR
// alone is then a complete model for the notebooks and rim paper.
func modelRandom(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("model random", flag.ContinueOnError)
	like := fs.String("like", "", "model dir whose config.json gives the architecture and sizes, e.g. ../shared/fixtures/hf-tiny/llama (required)")
	tokDir := fs.String("tokenizer", "", "tokenizer dir (tokenizer.json, tokenizer_config.json, optional chat_template.jinja) copied into --out (required)")
	outDir := fs.String("out", "", "model dir to write; must not exist or be empty (required)")
	seed := fs.Uint64("seed", 1, "random seed of the weights")
	eos := fs.String("eos", "", "comma-separated extra end-of-generation tokens for generation_config.json, e.g. '<|eot_id|>' for Llama 3's template")
	maxPos := fs.Int("max-positions", 0, "max_position_embeddings to write (0: --like's)")
	std := fs.Float64("std", 0, "std of the random matrices (0: --like's initializer_range, else 0.02)")
	fs.Usage = func() {
		fmt.Fprintln(errw, "usage: rim model random --like DIR --tokenizer DIR --out DIR [--seed N] [--eos TOKENS] [--max-positions N] [--std X]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, errw); err != nil {
		return err
	}
	switch {
	case *like == "":
		return badFlag(errw, "--like DIR is required")
	case *tokDir == "":
		return badFlag(errw, "--tokenizer DIR is required")
	case *outDir == "":
		return badFlag(errw, "--out DIR is required")
	case *maxPos < 0 || *std < 0:
		return badFlag(errw, "--max-positions and --std must be >= 0")
	}
	if ents, err := os.ReadDir(*outDir); err == nil && len(ents) > 0 {
		return fmt.Errorf("--out %s exists and is not empty", *outDir)
	}

	cfgPath := filepath.Join(*like, "config.json")
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		return fmt.Errorf("--like: %w", err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return fmt.Errorf("--like: %s: %w", cfgPath, err)
	}
	num := func(key string) int {
		v, _ := cfg[key].(float64)
		return int(v)
	}
	mt, _ := cfg["model_type"].(string)
	if mt == "" {
		return fmt.Errorf("--like: %s has no model_type", cfgPath)
	}
	tok, err := tokenize.Load(*tokDir)
	if err != nil {
		return fmt.Errorf("--tokenizer %s: %w", *tokDir, err)
	}
	special := func(what, t string) (int, error) {
		id, ok := tok.TokenToID(t)
		if !ok {
			return 0, fmt.Errorf("--tokenizer %s: %s %q is not a token of its tokenizer.json", *tokDir, what, t)
		}
		return id, nil
	}
	// Token ids: config.json's bos/eos/pad become the tokenizer's (the --like
	// ids belong to its own vocabulary); generation stops at eos_token + --eos.
	// modeltest writes bos_token_id 1 unless told otherwise: null says "none"
	// (transformers' default), as in a config whose tokenizer has no BOS.
	cfg["bos_token_id"] = nil
	delete(cfg, "pad_token_id")
	gen := map[string]any{}
	if tok.BOS != "" {
		id, err := special("bos_token", tok.BOS)
		if err != nil {
			return err
		}
		cfg["bos_token_id"], gen["bos_token_id"] = id, id
	}
	if tok.Pad != "" {
		id, err := special("pad_token", tok.Pad)
		if err != nil {
			return err
		}
		cfg["pad_token_id"], gen["pad_token_id"] = id, id
	}
	var eosIDs []int
	var eosNames []string
	if tok.EOS != "" {
		id, err := special("eos_token", tok.EOS)
		if err != nil {
			return err
		}
		eosIDs, eosNames = append(eosIDs, id), append(eosNames, fmt.Sprintf("%s=%d", tok.EOS, id))
	}
	for _, t := range strings.Split(*eos, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		id, err := special("--eos token", t)
		if err != nil {
			return err
		}
		if !slices.Contains(eosIDs, id) {
			eosIDs, eosNames = append(eosIDs, id), append(eosNames, fmt.Sprintf("%s=%d", t, id))
		}
	}
	if len(eosIDs) == 0 {
		return fmt.Errorf("--tokenizer %s: tokenizer_config.json has no eos_token; name the end-of-generation token with --eos", *tokDir)
	}
	cfg["eos_token_id"], gen["eos_token_id"] = eosIDs[0], eosIDs
	if len(eosIDs) > 1 {
		cfg["eos_token_id"] = eosIDs
	}
	likeVocab := num("vocab_size")
	vocab := max(likeVocab, tok.VocabSize())
	cfg["vocab_size"] = vocab
	if *maxPos > 0 {
		cfg["max_position_embeddings"] = *maxPos
	}
	sd := *std
	if sd == 0 {
		sd, _ = cfg["initializer_range"].(float64)
	}
	if sd == 0 {
		sd = 0.02
	}
	heads := num("num_attention_heads")
	headDim := num("head_dim")
	if headDim == 0 && heads > 0 {
		headDim = num("hidden_size") / heads
	}
	// Every config.json key of --like is kept (Extra overrides what modeltest
	// generates), and the Spec's sizes are --like's so that keys --like lacks
	// (head_dim) are derived from its sizes, not modeltest's defaults.
	spec := modeltest.Spec{ModelType: mt, Vocab: vocab, Hidden: num("hidden_size"), Layers: num("num_hidden_layers"),
		Heads: heads, KVHeads: num("num_key_value_heads"), HeadDim: headDim, Intermediate: num("intermediate_size"),
		Tied: cfg["tie_word_embeddings"] == true, Seed: *seed, Std: sd, Extra: cfg}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	if err := modeltest.Write(*outDir, spec); err != nil {
		return fmt.Errorf("--like %s: %w", *like, err)
	}
	gen["transformers_version"] = "4.51.3"
	gb, err := json.MarshalIndent(gen, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*outDir, "generation_config.json"), append(gb, '\n'), 0o644); err != nil {
		return err
	}
	var copied []string
	for _, f := range tokenizerCopies {
		data, err := os.ReadFile(filepath.Join(*tokDir, f))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("--tokenizer: %w", err)
		}
		if err := os.WriteFile(filepath.Join(*outDir, f), data, 0o644); err != nil {
			return err
		}
		copied = append(copied, f)
	}
	sort.Strings(copied)
	family := "none (no chat_template: the notebooks and rim paper need one)"
	if t, err := chat.LoadTemplate(*outDir); err == nil {
		family = string(t.Family)
	} else {
		var nt *chat.NoTemplateError
		if !errors.As(err, &nt) {
			return fmt.Errorf("--tokenizer %s: chat template: %w", *tokDir, err)
		}
	}
	fmt.Fprintf(out, "wrote %s: %s like %s, vocab %d (tokenizer %d ids, --like %d), %d layers, hidden %d, seed %d, std %g\n",
		*outDir, mt, *like, vocab, tok.VocabSize(), likeVocab, spec.Layers, spec.Hidden, *seed, sd)
	fmt.Fprintf(out, "  eos %s; chat template %s; tokenizer files %s\n", strings.Join(eosNames, ", "), family, strings.Join(copied, ", "))
	return nil
}
