package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/safetensors"
)

// runAnalyze runs `rim args…` capturing what analyze writes.
func runAnalyze(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	analyzeOut, analyzeErr = &out, &errb
	defer func() { analyzeOut, analyzeErr = os.Stdout, os.Stderr }()
	code = run(args, &errb)
	return code, out.String(), errb.String()
}

func TestAnalyzeCorrelateFixedForm(t *testing.T) {
	csv := testpaths.TestData(t, "analysis", "fig8_qwen3_4b.csv")
	for _, c := range []struct {
		x    string
		r, p float64
	}{
		{"ras_target", 0.891, 0.003},
		{"ras_random", -0.668, 0.070},
		{"kl", 0.696, 0.055},
	} {
		code, out, errs := runAnalyze(t, "analyze", "correlate", "--csv", csv, "--x", c.x, "--y", "mrate")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		re := regexp.MustCompile(`^pearson r=(\S+) p=(\S+)\nspearman rho=(\S+) p=(\S+)\n$`)
		m := re.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("output %q does not have the fixed form", out)
		}
		r, _ := strconv.ParseFloat(m[1], 64)
		p, _ := strconv.ParseFloat(m[2], 64)
		if math.Abs(r-c.r) > 5e-4 || math.Abs(p-c.p) > 5e-4 {
			t.Errorf("%s: r=%s p=%s, want %.3f %.3f", c.x, m[1], m[2], c.r, c.p)
		}
	}
	code, _, errs := runAnalyze(t, "analyze", "correlate", "--csv", csv, "--x", "nope", "--y", "mrate")
	if code != 1 || !strings.Contains(errs, `rim analyze correlate: `) || !strings.Contains(errs, `no column "nope"`) {
		t.Errorf("missing column: exit %d, %q", code, errs)
	}
	if code, _, _ := runAnalyze(t, "analyze", "correlate", "--bogus"); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}

func TestAnalyzeRASFixedForm(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.safetensors")
	tuned := filepath.Join(dir, "tuned.safetensors")
	// Two samples, mean-first: safe base mean (4, 2, 1) vs tuned (2, 2, 2);
	// math base mean (1, 1, 3) vs tuned (2, 1, 1).
	if err := safetensors.Write(base, []safetensors.Tensor{
		safetensors.F32("safe", []int{2, 3}, []float32{3, 2, 1, 5, 2, 1}),
		safetensors.F32("math", []int{2, 3}, []float32{1, 1, 3, 1, 1, 3}),
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.Write(tuned, []safetensors.Tensor{
		safetensors.F32("safe", []int{2, 3}, []float32{2, 2, 2, 2, 2, 2}),
		safetensors.F32("math", []int{2, 3}, []float32{2, 1, 1, 2, 1, 1}),
	}, nil); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runAnalyze(t, "analyze", "ras", "--base", base, "--tuned", tuned)
	if code != 0 || out != "delta_safe=1.3333333333333333 delta_math=0.6666666666666666 ras=0.8888888888888888\n" {
		t.Fatalf("exit %d out %q err %q", code, out, errs)
	}
	code, out, _ = runAnalyze(t, "analyze", "ras", "--base", base, "--tuned", tuned, "--norm", "qualifying")
	if code != 0 || out != "delta_safe=4 delta_math=2 ras=2.6666666666666665\n" {
		t.Fatalf("qualifying: exit %d out %q", code, out)
	}
	// Per sample: sample 0 safe (3−2)/2·3 = 1.5, sample 1 (5−2)/2·5 = 7.5 → mean 4.5/3 = 1.5.
	code, out, _ = runAnalyze(t, "analyze", "ras", "--base", base, "--tuned", tuned, "--aggregate", "per-sample")
	if code != 0 || !strings.HasPrefix(out, "delta_safe=1.5 delta_math=0.6666666666666666 ") {
		t.Fatalf("per-sample: exit %d out %q", code, out)
	}
	code, _, errs = runAnalyze(t, "analyze", "ras", "--base", base, "--tuned", tuned, "--guard", "maybe")
	if code != 1 || !strings.Contains(errs, `unknown --guard "maybe"`) {
		t.Errorf("bad guard: exit %d %q", code, errs)
	}
	code, _, errs = runAnalyze(t, "analyze", "ras", "--base", base)
	if code != 1 || !strings.Contains(errs, "--base and --tuned are required") {
		t.Errorf("missing tuned: exit %d %q", code, errs)
	}
}

func TestAnalyzeSubcommandsFlags(t *testing.T) {
	for _, sub := range []string{"correlate", "ras", "kl", "probe", "heads", "neurons"} {
		if code, _, errs := runAnalyze(t, "analyze", sub, "-h"); code != 0 || !strings.Contains(errs, "rim analyze "+sub) {
			t.Errorf("%s -h: exit %d, %q", sub, code, errs)
		}
		if code, _, errs := runAnalyze(t, "analyze", sub); code != 1 || !strings.Contains(errs, "required") {
			t.Errorf("%s without inputs: exit %d, %q", sub, code, errs)
		}
		if code, _, _ := runAnalyze(t, "analyze", sub, "stray"); code != 2 {
			t.Errorf("%s with a stray argument: exit %d, want 2", sub, code)
		}
	}
}

// An explicit 0 is an error, not the library's zero-value default.
func TestAnalyzeExplicitZeroRejected(t *testing.T) {
	for _, c := range []struct{ args []string }{
		{[]string{"analyze", "neurons", "--original", "a", "--counterfactual", "b", "--m", "2", "--q", "0"}},
		{[]string{"analyze", "neurons", "--original", "a", "--counterfactual", "b", "--m", "2", "--q", "-0.5"}},
		{[]string{"analyze", "probe", "--acts", "a", "--labels", "b", "--train-frac", "0"}},
		{[]string{"analyze", "probe", "--acts", "a", "--labels", "b", "--train-frac", "1"}},
	} {
		flagName := c.args[len(c.args)-2]
		if code, _, errs := runAnalyze(t, c.args...); code != 1 || !strings.Contains(errs, flagName+" ") {
			t.Errorf("%v: exit %d, %q", c.args, code, errs)
		}
	}
}
