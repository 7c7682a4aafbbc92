package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rimlab/rim/rim/tokenize/bpetrain"
)

func init() {
	register("tokenizer train", "train a byte-level BPE tokenizer with Qwen3's pre-tokenizer, added tokens and chat template on text files",
		func(args []string) error { return tokenizerTrain(args, os.Stdout, os.Stderr) })
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return fmt.Sprint([]string(*s)) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// tokenizerTrain implements "rim tokenizer train --corpus FILE… --vocab N
// --out DIR" (bpetrain.TrainFiles, then tokenizer.json and
// tokenizer_config.json written atomically into DIR).
func tokenizerTrain(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("tokenizer train", flag.ContinueOnError)
	fs.SetOutput(errw)
	var corpus stringList
	fs.Var(&corpus, "corpus", "a UTF-8 text file to learn from (repeat the flag, or list more files after it)")
	vocab := fs.Int("vocab", 4096, fmt.Sprintf("total vocabulary size: 256 bytes + merges + %d added tokens", len(bpetrain.Qwen3Added)))
	minFreq := fs.Int("min-frequency", 2, "least count a pair needs to be merged")
	maxLen := fs.Int("model-max-length", 131072, "model_max_length written to tokenizer_config.json")
	dir := fs.String("out", "", "output directory (tokenizer.json, tokenizer_config.json)")
	fs.Usage = func() {
		fmt.Fprintln(errw, "usage: rim tokenizer train --corpus FILE [FILE…] --vocab N --out DIR")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	corpus = append(corpus, pos...)
	if len(corpus) == 0 || *dir == "" {
		fs.Usage()
		return errUsage
	}
	if *minFreq < 1 {
		return errors.New("--min-frequency must be at least 1")
	}
	start := time.Now()
	res, err := bpetrain.TrainFiles(corpus, bpetrain.Options{VocabSize: *vocab, MinFrequency: *minFreq, ModelMaxLength: *maxLen})
	if err != nil {
		return err
	}
	if err := res.Write(*dir); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: vocab %d (%d merges, %d added tokens) from %d bytes, %d distinct words, in %.1fs\n",
		*dir, res.VocabSize, res.Merges, len(bpetrain.Qwen3Added), res.CorpusBytes, res.Words, time.Since(start).Seconds())
	if res.VocabSize < *vocab {
		fmt.Fprintf(out, "note: the corpus has no pair left with count >= %d: vocab is %d, not %d\n", *minFreq, res.VocabSize, *vocab)
	}
	return nil
}
