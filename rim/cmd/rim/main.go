// Command rim is the command-line face of the rim library: the same jobs as
// the notebooks (verify, generate, serve, finetune, eval, analyze, bench), for
// scripts and clusters.
//
// Subcommands register themselves from their own files with register(), so
// that each part of rim owns its command without touching this file.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
)

// command is one registered subcommand, addressed by a path such as
// "verify model" or "analyze ras".
type command struct {
	path    string
	summary string
	run     func(args []string) error
}

var commands = map[string]*command{}

// register adds a subcommand; path is space-separated ("verify model").
// It panics on a duplicate path (a programming error caught by any test run).
func register(path, summary string, run func(args []string) error) {
	if _, dup := commands[path]; dup {
		panic("rim: duplicate command " + path)
	}
	commands[path] = &command{path: path, summary: summary, run: run}
}

// errUsage is returned by a subcommand to request exit status 2 after it has
// printed its own usage message.
var errUsage = errors.New("usage")

// parseInterspersed parses args allowing flags after positional
// arguments ("rim verify model DIR -only x"; package flag stops at the first
// positional) and returns the positionals in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// badFlag prints one line naming the bad flag value to errw and returns
// errUsage (exit status 2).
func badFlag(errw io.Writer, format string, a ...any) error {
	fmt.Fprintf(errw, format+"\n", a...)
	return errUsage
}

// lookup finds the longest registered command path that prefixes args.
func lookup(args []string) (*command, []string) {
	for n := len(args); n > 0; n-- {
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			return c, args[n:]
		}
	}
	return nil, args
}

func usage(w io.Writer, prefix string) {
	fmt.Fprintln(w, "usage: rim <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	paths := make([]string, 0, len(commands))
	for p := range commands {
		if prefix == "" || strings.HasPrefix(p, prefix) {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(w, "  %-22s %s\n", p, commands[p].summary)
	}
	fmt.Fprintln(w, "\nrun 'rim <command> -h' for a command's flags")
}

// isGroup reports whether prefix is the first word(s) of some command
// ("eval" of "eval math").
func isGroup(prefix string) bool {
	for p := range commands {
		if strings.HasPrefix(p, prefix+" ") {
			return true
		}
	}
	return false
}

func isHelpFlag(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

// run dispatches args (without the program name) and returns the exit code.
// "rim help X Y" is "rim X Y -h"; a group prefix ("rim eval", "rim cache
// -h") lists the group's commands (exit 2, or 0 when help was asked for).
func run(args []string, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "help" && len(args) > 1 {
		args = append(append([]string(nil), args[1:]...), "-h")
	}
	if len(args) == 0 || isHelpFlag(args[0]) || args[0] == "help" {
		usage(stderr, "")
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, rest := lookup(args)
	if c == nil {
		words := 0
		for words < len(args) && !strings.HasPrefix(args[words], "-") {
			words++
		}
		for n := words; n > 0; n-- {
			prefix := strings.Join(args[:n], " ")
			if !isGroup(prefix) {
				continue
			}
			if n == words && slices.ContainsFunc(args[n:], isHelpFlag) {
				usage(stderr, prefix+" ")
				return 0
			}
			if n < len(args) {
				fmt.Fprintf(stderr, "rim: unknown command %q\n\n", strings.Join(args, " "))
			} else {
				fmt.Fprintf(stderr, "rim %s: give a subcommand\n\n", prefix)
			}
			usage(stderr, prefix+" ")
			return 2
		}
		fmt.Fprintf(stderr, "rim: unknown command %q\n\n", strings.Join(args, " "))
		usage(stderr, args[0])
		return 2
	}
	stopProfile := startProfile(stderr)
	err := c.run(rest)
	stopProfile()
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		// Library errors start with their package ("rim: ", "chat: ");
		// "rim <cmd>: rim: …" would say rim twice.
		fmt.Fprintf(stderr, "rim %s: %s\n", c.path, strings.TrimPrefix(err.Error(), "rim: "))
		return 1
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}
