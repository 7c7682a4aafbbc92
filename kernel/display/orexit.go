package display

import (
	"fmt"
	"os"
)

// exit is os.Exit, replaced in tests.
var exit = os.Exit

// Notebook error helpers. In rim a name with Must (model.MustLoad,
// hook.MustParse) panics, as in Go's standard library; the helpers below are
// for notebook cells instead and say what they do: on an error they print it
// as one line on stderr and end the cell's program with exit status 1, so a
// notebook user sees "error: rim: …: no such file or directory" instead of a
// panic's stack trace, and the notebook runner still reports the cell as
// failed.

// OrExit returns v, or, if err is not nil, prints the error as one line on
// stderr and exits with status 1.
func OrExit[T any](v T, err error) T {
	Check(err)
	return v
}

// Check is OrExit for calls that return only an error: if err is not nil it
// prints the error as one line on stderr and exits with status 1.
func Check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		exit(1)
	}
}
