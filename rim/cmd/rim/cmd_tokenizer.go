package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

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
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errUsage
	}
	dir, path := pos[0], pos[1]
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

func init() {
	register("chat render", "render a conversation with DIR's chat template and show each token's region and probe position",
		func(args []string) error { return chatRender(args, os.Stdout, os.Stderr) })
}

// chatRender implements "rim chat render [flags] DIR": it renders a
// conversation (-user/-system, or -messages FILE with a JSON list of
// messages) with the chat template of DIR and prints the text and a table
// of tokens with their regions and named positions, or the whole encoding
// as JSON with -json.
func chatRender(args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("chat render", flag.ContinueOnError)
	fs.SetOutput(errw)
	user := fs.String("user", "", "a single user turn")
	system := fs.String("system", "", "a system message before the user turn")
	msgFile := fs.String("messages", "", "JSON file with a list of messages (instead of -user/-system)")
	think := fs.String("think", "", `Qwen3 enable_thinking: "true", "false" or "" (not passed)`)
	gen := fs.Bool("gen", true, "add_generation_prompt")
	prefill := fs.String("prefill", "", "text appended after the generation prompt (e.g. \"<think>\\nS\")")
	asJSON := fs.Bool("json", false, "print the encoding (ids, offsets, spans, positions) as JSON")
	family := fs.String("template", "", "chat template family to use instead of DIR's ("+families()+"); needed when DIR has none")
	fs.Usage = func() {
		fmt.Fprintln(errw, "usage: rim chat render [flags] DIR")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	dir := pos[0]
	var msgs []chat.Message
	switch {
	case *msgFile != "" && (*user != "" || *system != ""):
		return errors.New("give either -messages or -user/-system, not both")
	case *msgFile != "":
		data, err := os.ReadFile(*msgFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &msgs); err != nil {
			return fmt.Errorf("%s: %w", *msgFile, err)
		}
	case *user != "":
		if *system != "" {
			msgs = append(msgs, chat.Message{Role: "system", Content: *system})
		}
		msgs = append(msgs, chat.User(*user)...)
	default:
		return errors.New("no conversation: give -user TEXT or -messages FILE")
	}
	opt := chat.Options{AddGenerationPrompt: *gen, Prefill: *prefill}
	switch *think {
	case "":
	case "true", "false":
		opt.EnableThinking = chat.Bool(*think == "true")
	default:
		return fmt.Errorf("-think %q: want true, false or empty", *think)
	}
	tok, err := tokenize.Load(dir)
	if err != nil {
		return err
	}
	tp, err := loadTemplate(dir, *family, tok)
	if err != nil {
		return err
	}
	e, err := tp.Encode(chat.Wrap(tok), msgs, opt)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", " ")
		return enc.Encode(e)
	}
	approx := ""
	if e.Approx {
		approx = " (rendered by the jinja interpreter; regions located by search, positions approximate)"
	}
	fmt.Fprintf(out, "template family %s, final assistant turn %d%s\n%q\n\n", tp.Family, e.FinalTurn, approx, e.Text)
	names := map[int][]string{}
	for name, p := range e.Positions {
		names[p] = append(names[p], name)
	}
	for i, id := range e.IDs {
		var kinds []string
		for _, s := range e.Spans {
			if s.Start <= i && i < s.End {
				kinds = append(kinds, fmt.Sprintf("%s[%d]", s.Kind, s.Turn))
			}
		}
		sort.Strings(names[i])
		o := e.Offsets[i]
		fmt.Fprintf(out, "%5d %8d %-24q %-40s %s\n", i, id, e.Text[o.Start:o.End], strings.Join(kinds, " "), strings.Join(names[i], " "))
	}
	return nil
}

// loadTemplate returns the family's template (checked against tok) when
// family is set, else DIR's own; a DIR without one names the -template flag.
func loadTemplate(dir, family string, tok *tokenize.Tokenizer) (*chat.Template, error) {
	if family != "" {
		tp, err := chat.ForFamily(chat.Family(family), tok.BOS, tok.EOS)
		if err != nil {
			return nil, err
		}
		if err := tp.CheckTokenizer(tok.TokenToID); err != nil {
			return nil, fmt.Errorf("-template %s: %w", family, err)
		}
		return tp, nil
	}
	tp, err := chat.LoadTemplate(dir)
	var nt *chat.NoTemplateError
	if errors.As(err, &nt) {
		return nil, fmt.Errorf("%s has no chat template (no chat_template in tokenizer_config.json, no chat_template.jinja): give -template FAMILY (%s)", dir, families())
	}
	return tp, err
}
