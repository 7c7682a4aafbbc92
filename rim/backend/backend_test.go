package backend

import (
	"strings"
	"testing"
)

func TestDefaultIsGo(t *testing.T) {
	t.Setenv(EnvVar, "")
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if !strings.Contains(strings.ToLower(b.Name()), "go") {
		t.Fatalf("default backend = %q, want go", Describe(b))
	}
}

func TestUnknownBackend(t *testing.T) {
	t.Setenv(EnvVar, "nosuch:thing")
	_, err := New()
	if err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestMissingXLAPluginGivesHint(t *testing.T) {
	t.Setenv(EnvVar, "xla:/nonexistent/pjrt_plugin.so")
	b, err := New()
	if err == nil {
		b.Finalize()
		t.Skip("an XLA plugin loaded from a nonexistent path?")
	}
	if !strings.Contains(err.Error(), "never downloads") {
		t.Fatalf("error lacks install hint: %v", err)
	}
}

func TestPlainGoUsesSequentialOps(t *testing.T) {
	if got := withSafeScheduling("go"); got != "go:ops_sequential" {
		t.Fatalf("withSafeScheduling(go) = %q", got)
	}
	for _, c := range []string{"go:ops_parallel", "go:parallelism=2", "xla:cpu"} {
		if got := withSafeScheduling(c); got != c {
			t.Fatalf("explicit config %q rewritten to %q", c, got)
		}
	}
	b, err := NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
}
