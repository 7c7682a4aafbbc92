package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/tokenize"
)

func init() {
	register("verify tokenizer", "check a cases/chat/decode .jsonl reference file against the tokenizer (and chat template) in DIR",
		func(args []string) error { return verifyTokenizer(args, os.Stdout, os.Stderr) })
}

// verifyTokenizer implements "rim verify tokenizer DIR FILE": FILE is a
// fixture-format cases.jsonl, decode.jsonl (checked by tokenize.VerifyFile)
// or chat.jsonl (rendered by rim/chat with the template the record names,
// found next to FILE, else DIR's chat template; ids by DIR's tokenizer).
// Mismatches go to out with both sides; any mismatch is an error.
func verifyTokenizer(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("verify tokenizer", flag.ContinueOnError)
	fs.SetOutput(errw)
	fs.Usage = func() {
		fmt.Fprintln(errw, "usage: rim verify tokenizer DIR FILE")
		fmt.Fprintln(errw, "  DIR   model or tokenizer directory (tokenizer.json, tokenizer_config.json)")
		fmt.Fprintln(errw, "  FILE  cases.jsonl, decode.jsonl or chat.jsonl in the shared fixture format")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errUsage
	}
	dir, path := fs.Arg(0), fs.Arg(1)
	isChat, err := isChatFile(path)
	if err != nil {
		return err
	}
	tok, err := tokenize.Load(dir)
	if err != nil {
		return err
	}
	var checked, failed int
	if isChat {
		checked, failed, err = chat.VerifyFile(chat.Wrap(tok), path, dir, out)
	} else {
		checked, failed, err = tokenize.VerifyFile(tok, path, out)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d checked, %d failed\n", path, checked, failed)
	if checked == 0 {
		return fmt.Errorf("%s: no records", path)
	}
	if failed > 0 {
		return fmt.Errorf("%s: %d of %d records failed", path, failed, checked)
	}
	return nil
}

// isChatFile reports whether the first record of a .jsonl file is a chat
// record (it has "messages").
func isChatFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return false, fmt.Errorf("%s: first record: %w", path, err)
		}
		_, ok := rec["messages"]
		return ok, nil
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return false, errors.New(path + ": no records")
}
