package main

import (
	"bytes"
	"errors"
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

func init() {
	register("zz-test fail", "test: fails with a library error", func(args []string) error { return errors.New("rim: boom") })
}

// "rim X: rim: …" loses the second prefix; groups list their commands;
// "rim help X Y" is "rim X Y -h".
func TestDispatch(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"zz-test", "fail"}, 1, "rim zz-test fail: boom\n"},
		{[]string{"zz-test"}, 2, "rim zz-test: give a subcommand"},
		{[]string{"zz-test", "-h"}, 0, "zz-test fail"},
		{[]string{"zz-test", "nope"}, 2, `unknown command "zz-test nope"`},
		{[]string{"cache", "-h"}, 0, "cache info"},
		{[]string{"help", "cache"}, 0, "cache reset"},
		{[]string{"help", "version"}, 0, ""},
		{[]string{"help"}, 0, "commands:"},
	} {
		var buf bytes.Buffer
		code := run(c.args, &buf)
		if code != c.code || !strings.Contains(buf.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, buf.String(), c.code, c.want)
		}
		if strings.Contains(buf.String(), "rim: rim") || strings.Contains(buf.String(), ": rim: ") {
			t.Errorf("%v: double prefix: %q", c.args, buf.String())
		}
	}
}
