package data

import (
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

func TestHarmfulPrompts(t *testing.T) {
	root := testpaths.Shared(t, "data")
	for _, n := range []string{"alpaca", "alpaca-seed", "rd-harmless-test", "gsm8k-test"} {
		_, err := HarmfulPrompts(root, n)
		if err == nil || !strings.Contains(err.Error(), `"`+n+`" is not a harmful prompt set`) || !strings.Contains(err.Error(), "harmbench, harmbench-test") {
			t.Errorf("%s: %v", n, err)
		}
	}
	ps, err := HarmfulPrompts(root, "xstest")
	if err != nil {
		t.Fatal(err)
	}
	all, err := LoadPrompts(root, "xstest")
	if err != nil {
		t.Fatal(err)
	}
	nUnsafe := 0
	for _, p := range all {
		if p.Label == "unsafe" {
			nUnsafe++
		}
	}
	if len(ps) != nUnsafe || nUnsafe == 0 || nUnsafe == len(all) {
		t.Errorf("xstest: %d harmful of %d, %d labelled unsafe", len(ps), len(all), nUnsafe)
	}
	for _, p := range ps {
		if p.Label != "unsafe" {
			t.Fatalf("%s labelled %q kept", p.ID, p.Label)
		}
	}
	if ps, err := HarmfulPrompts(root, "advbench"); err != nil || len(ps) == 0 {
		t.Errorf("advbench: %d %v", len(ps), err)
	}
	for _, n := range HarmfulSetNames() {
		if harmlessSets[n] || strings.HasPrefix(n, "gsm8k") || strings.HasPrefix(n, "math") {
			t.Errorf("%s listed as harmful", n)
		}
	}
}
