package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestUnknownCommand(t *testing.T) {
	var buf bytes.Buffer
	if code := run([]string{"frobnicate"}, &buf); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	if !strings.Contains(buf.String(), `unknown command "frobnicate"`) {
		t.Fatalf("message %q does not name the command", buf.String())
	}
}

func TestLookupLongestPrefix(t *testing.T) {
	c, rest := lookup([]string{"version", "x"})
	if c == nil || c.path != "version" || len(rest) != 1 {
		t.Fatalf("lookup: %v %v", c, rest)
	}
}
