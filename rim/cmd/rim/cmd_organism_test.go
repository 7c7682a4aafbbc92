package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOrganismBuildFlags: flag mistakes fail before any work, naming the
// flag or the folder (the build itself is tested in rim/organism/build).
func TestOrganismBuildFlags(t *testing.T) {
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "x"), []byte("x"), 0o644)
	data := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--out", t.TempDir()}, "usage"},
		{[]string{"--data", data}, "usage"},
		{[]string{"--data", data, "--out", t.TempDir(), "extra"}, "usage"},
		{[]string{"--data", data, "--out", t.TempDir(), "--seed", "0"}, "--seed"},
		{[]string{"--data", data, "--out", t.TempDir(), "--steps", "10", "--budget", "1h"}, "exclude"},
		{[]string{"--data", data, "--out", t.TempDir(), "--max-steps", "-1"}, "negative"},
		{[]string{"--data", data, "--out", full}, full},
		{[]string{"--data", data, "--out", t.TempDir(), "--resume", "--overwrite"}, "exclude"},
		{[]string{"--data", data, "--out", t.TempDir()}, "alpaca_libre"},
	}
	for _, c := range cases {
		var out, errw bytes.Buffer
		err := organismBuild(append([]string{"organism", "build"}, c.args...), c.args, &out, &errw)
		switch {
		case c.want == "usage":
			if !errors.Is(err, errUsage) {
				t.Errorf("%v: err %v, want usage", c.args, err)
			}
		case err == nil || !strings.Contains(err.Error(), c.want):
			t.Errorf("%v: err %v, want one containing %q", c.args, err, c.want)
		}
	}
}
