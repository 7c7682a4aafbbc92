package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/cache"
)

func TestCacheCommands(t *testing.T) {
	dir := t.TempDir()
	c, _ := cache.Open(dir)
	for s := int64(0); s < 3; s++ {
		if err := c.Put(cache.Key{Kind: "cli/test", Seed: s}, []float32{1, 2}); err != nil {
			t.Fatal(err)
		}
	}
	var out, errw bytes.Buffer
	if err := cacheInfo([]string{"-dir", dir, "-verify"}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "3 entries") || !strings.Contains(out.String(), "corrupt entries removed: 0") {
		t.Fatalf("info output: %q", out.String())
	}
	out.Reset()
	if err := cacheReset([]string{"-dir", dir}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "removed") || !strings.Contains(out.String(), "3 entries") {
		t.Fatalf("reset output: %q", out.String())
	}
	if st, _ := c.Stats(); st.Entries != 0 {
		t.Fatalf("entries after reset: %d", st.Entries)
	}
	t.Setenv(cache.EnvDir, dir)
	var stderr bytes.Buffer
	if code := run([]string{"cache", "info"}, &stderr); code != 0 {
		t.Fatalf("rim cache info: exit %d: %s", code, stderr.String())
	}
	if code := run([]string{"cache", "info", "-bogus"}, &stderr); code == 0 {
		t.Fatal("bad flag accepted")
	}
}
