package display

import (
	"fmt"
	"os"
)

// exit is os.Exit, replaced in tests.
var exit = os.Exit

// Must returns v, or, if err is not nil, prints the error as one line on
// stderr and ends the cell's program with exit status 1: a notebook user sees
// "rim: …: no such file or directory" instead of a panic's stack trace, and
// the notebook runner still reports the cell as failed.
func Must[T any](v T, err error) T {
	Check(err)
	return v
}

// Check is Must for calls that return only an error.
func Check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		exit(1)
	}
}
