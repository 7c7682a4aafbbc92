package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testderived"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// rim paper fig8-paper writes the result with its provenance and the figure as SVG and PNG; the reading is
// computed from the paper's points.
func TestPaperFig8(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := paperCmd([]string{"fig8-paper", "--out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var res struct {
		Item, Source string
		RimVersion   string `json:"rim_version"`
		Metrics      []struct {
			Name     string
			Computed struct{ R float64 }
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "fig8-paper.json"))
	if err != nil || json.Unmarshal(b, &res) != nil {
		t.Fatalf("fig8-paper.json: %v %s", err, b)
	}
	if res.Item != "fig8" || res.Source != "paper data" || res.RimVersion == "" || len(res.Metrics) != 3 || res.Metrics[0].Computed.R < 0.89 || res.Metrics[0].Computed.R > 0.892 {
		t.Fatalf("result %+v", res)
	}
	for _, f := range []string{"fig8-paper.svg", "fig8-paper.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() < 1000 {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if !strings.Contains(stdout.String(), "r = 0.891") {
		t.Fatalf("stdout %q", stdout.String())
	}
}

// fig8 and table3 are measured on the model (they fine-tune it); the paper's own points stay reachable as
// fig8-paper and table3-paper, and the usage lists every item.
func TestPaperItemList(t *testing.T) {
	for name, model := range map[string]bool{"fig8": true, "table3": true, "fig8-paper": false, "table3-paper": false, "fig7": true, "fig7-paper": false,
		"tablea7": true, "tablea7-paper": false, "ras": true} {
		item, ok := paperItems[name]
		if !ok || item.model != model {
			t.Errorf("%s: listed %v, model %v; want model %v", name, ok, item.model, model)
		}
		if ok && strings.HasSuffix(item.about, "paper data") == model {
			t.Errorf("%s: about %q", name, item.about)
		}
	}
	var o, e bytes.Buffer
	if err := paperCmd(nil, &o, &e); err == nil || !strings.Contains(e.String(), "  fig8-paper   Fig 8") || !strings.Contains(e.String(), "  table3-paper Table 3") {
		t.Fatalf("usage: %v\n%s", err, e.String())
	}
	out := t.TempDir()
	if err := paperCmd([]string{"table3-paper", "--out", out}, &o, &e); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "table3-paper.json")); err != nil || !strings.Contains(string(b), `"source": "paper data"`) {
		t.Fatalf("table3-paper.json: %v %s", err, b)
	}
}

func TestPaperErrors(t *testing.T) {
	var o, e bytes.Buffer
	if err := paperCmd([]string{"fig99", "--out", t.TempDir()}, &o, &e); err == nil || !strings.Contains(err.Error(), "table1") {
		t.Fatalf("unknown item: %v", err)
	}
	if err := paperCmd([]string{"fig8"}, &o, &e); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Fatalf("no --out: %v", err)
	}
	t.Setenv("RIM_MODEL", "")
	if err := paperCmd([]string{"table1", "--model", "/no/such/dir", "--out", t.TempDir()}, &o, &e); err == nil || !strings.HasPrefix(err.Error(), "--model=/no/such/dir:") {
		t.Fatalf("bad model: %v", err)
	}
	t.Setenv("RIM_SAMPLES", "many")
	if err := paperCmd([]string{"table1", "--out", t.TempDir()}, &o, &e); err == nil || !strings.HasPrefix(err.Error(), "RIM_SAMPLES=many:") {
		t.Fatalf("bad RIM_SAMPLES: %v", err)
	}
}

// Every model-backed item runs on the tiny model and writes its result with provenance, its figures and a
// reading that cites the paper; a second run is read from the cache.
func TestPaperModelItems(t *testing.T) {
	root := testpaths.Root(t)
	for _, v := range []string{"RIM_MODEL", "RIM_MODELS", "RIM_TOKENIZER", "RIM_HEXPHI", "RIM_SAMPLES", "RIM_PREFILL", "RIM_TOPM", "RIM_Q", "RIM_HEADS", "RIM_JUDGE",
		"RIM_SFT_SAMPLES", "RIM_SFT_STEPS", "RIM_SFT_BATCH", "RIM_SFT_MAXLEN", "RIM_SFT_LR", "RIM_BATCH", "RIM_GEN_BASE_URL", "RIM_GEN_MODEL"} {
		t.Setenv(v, "")
	}
	t.Setenv("RIM_ROOT", root)
	t.Setenv("RIM_DERIVED", testderived.Write(t, 4))                    // fig7 and tablea7 fine-tune on derived sets
	t.Setenv("RIM_MODEL", testpaths.TestData(t, "model", "tiny-qwen3")) // plumbing on the tiny model (the organism is the notebooks' default)
	t.Setenv("RIM_TOKENIZER", testpaths.TestData(t, "kernel", "tiny-qwen3-tokenizer"))
	t.Setenv("RIM_DATA", testpaths.Shared(t, "data"))
	t.Setenv("RIM_CACHE_DIR", t.TempDir())
	t.Setenv("RIM_MAX_TOKENS", "4")
	t.Setenv("RIM_SFT_STEPS", "2")
	for name, item := range paperItems {
		if !item.model {
			continue
		}
		out := t.TempDir()
		for run := 0; run < 2; run++ {
			var stdout, stderr bytes.Buffer
			if err := paperCmd([]string{name, "--samples", "10", "--out", out}, &stdout, &stderr); err != nil {
				t.Fatalf("%s: %v\n%s", name, err, stderr.String())
			}
			if !strings.Contains(stdout.String(), "docs/paper.md §") || !strings.Contains(stdout.String(), "Paper") && !strings.Contains(stdout.String(), "paper") {
				t.Fatalf("%s: reading %q", name, stdout.String())
			}
		}
		var res struct {
			Item, Source string
			ModelID      string `json:"model_id"`
			RimVersion   string `json:"rim_version"`
		}
		b, err := os.ReadFile(filepath.Join(out, name+".json"))
		if err != nil || json.Unmarshal(b, &res) != nil {
			t.Fatalf("%s.json: %v %s", name, err, b)
		}
		if res.Item != name || res.Source != "measured on tiny-qwen3" || res.ModelID == "" || res.RimVersion == "" {
			t.Fatalf("%s: provenance %+v", name, res)
		}
	}
}

// With RIM_MODELS naming several models, the 8-model items are laid out over them (experiment.*Across).
func TestPaperOverModels(t *testing.T) {
	tiny := testpaths.TestData(t, "model", "tiny-qwen3")
	t.Setenv("RIM_ROOT", testpaths.Root(t))
	t.Setenv("RIM_MODEL", tiny)
	t.Setenv("RIM_MODELS", tiny+","+tiny)
	t.Setenv("RIM_TOKENIZER", testpaths.TestData(t, "kernel", "tiny-qwen3-tokenizer"))
	t.Setenv("RIM_DATA", testpaths.Shared(t, "data"))
	t.Setenv("RIM_CACHE_DIR", t.TempDir())
	t.Setenv("RIM_MAX_TOKENS", "4")
	out := t.TempDir()
	var o, e bytes.Buffer
	if err := paperCmd([]string{"fig6", "--samples", "3", "--out", out}, &o, &e); err != nil {
		t.Fatalf("%v\n%s", err, e.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "fig6.json"))
	if err != nil || !strings.Contains(string(b), `"item": "fig6-models"`) || !strings.Contains(o.String(), "Over 2 models") {
		t.Fatalf("fig6 over models: %v\n%s\n%s", err, b, o.String())
	}
}
