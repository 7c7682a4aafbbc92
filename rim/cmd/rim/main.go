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

// run dispatches args (without the program name) and returns the exit code.
func run(args []string, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, "")
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, rest := lookup(args)
	if c == nil {
		fmt.Fprintf(stderr, "rim: unknown command %q\n\n", strings.Join(args, " "))
		usage(stderr, args[0])
		return 2
	}
	err := c.run(rest)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "rim %s: %v\n", c.path, err)
		return 1
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}
