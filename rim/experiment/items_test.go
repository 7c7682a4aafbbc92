package experiment

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

func TestMeasuredOn(t *testing.T) {
	for dir, want := range map[string]string{
		"/m/tiny-qwen3":                                 "measured on tiny-qwen3",
		"/hf/hub/models--Qwen--Qwen3-4B":                "measured on Qwen/Qwen3-4B",
		"/hf/hub/models--Qwen--Qwen3-4B/snapshots/abc1": "measured on Qwen/Qwen3-4B",
	} {
		if got := MeasuredOn(dir); got != want {
			t.Errorf("MeasuredOn(%s) = %q, want %q", dir, got, want)
		}
	}
}

// demoSettings are the notebooks' settings on the tiny random model, with a private cache and few, short responses.
func demoSettings(t *testing.T) Settings {
	clearEnv(t)
	t.Setenv("RIM_CACHE_DIR", t.TempDir())
	t.Setenv("RIM_ROOT", filepath.Dir(filepath.Dir(testpaths.TestData(t, "model"))))
	t.Setenv("RIM_MAX_TOKENS", "4")
	// the tiny random model, not the default organism: these tests check plumbing, fast
	t.Setenv("RIM_MODEL", testpaths.TestData(t, "model", "tiny-qwen3"))
	t.Setenv("RIM_TOKENIZER", testpaths.TestData(t, "kernel", "tiny-qwen3-tokenizer"))
	s, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Table 1 over RIM_MODELS has a column pair per model, provenance naming them all, the paper's value for a
// model of a paper name, and a reading built from the numbers; the second call is read from the cache.
func TestTable1Models(t *testing.T) {
	s := demoSettings(t)
	tiny := testpaths.TestData(t, "model", "tiny-qwen3")
	s.Models = []string{tiny, tiny}
	r, err := Table1(s, Table1Options{Samples: 2, MathSamples: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Models) != 2 || len(r.Models[1].Rows) != 2 || r.Source != "measured on tiny-qwen3, tiny-qwen3" || strings.Count(r.ModelID, ",") != 1 || r.Item != "table1" {
		t.Fatalf("result %+v", r)
	}
	// the math column: every question graded in each mode (a random model finds no answer or a wrong one)
	for _, row := range r.Models[0].Rows {
		if m := row.Math; m.Rate.N != 3 || m.Rate.K+m.Wrong+m.NotFound != 3 || len(row.Examples) != 2 {
			t.Errorf("%s: math %+v, %d examples", row.Mode, m, len(row.Examples))
		}
	}
	if !strings.HasPrefix(r.MathSet, "3 GSM8K test questions") {
		t.Errorf("math set %q", r.MathSet)
	}
	rd := r.Reading()
	if !strings.Contains(rd, "of 2 models") || !strings.Contains(rd, "22.94") || !strings.Contains(rd, "35.09") || !strings.Contains(rd, "correctly with thinking") {
		t.Fatalf("reading %q", rd)
	}
	again, err := Table1(s, Table1Options{Samples: 2, MathSamples: 3})
	if err != nil || again.Reading() != rd {
		t.Fatalf("cached: %v %q", err, again.Reading())
	}
}

// A model named on a command's flag is named so in Check's error, not as RIM_MODEL.
func TestCheckNamesFlag(t *testing.T) {
	s := demoSettings(t)
	s.Model, s.ModelFrom = "/bad", "--model"
	if err := s.Check(); err == nil || !strings.HasPrefix(err.Error(), "--model=/bad:") {
		t.Fatalf("flag: %v", err)
	}
	s.Model, s.ModelFrom, s.Models = "", "", []string{"/also/bad"}
	if err := s.Check(); err == nil || !strings.HasPrefix(err.Error(), "RIM_MODELS: /also/bad:") {
		t.Fatalf("RIM_MODELS: %v", err)
	}
}

func TestFig8Reading(t *testing.T) {
	r, err := Fig8()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Reading(), "RAS (A_safe) tracks") || r.Source != PaperData {
		t.Fatalf("reading %q", r.Reading())
	}
}
