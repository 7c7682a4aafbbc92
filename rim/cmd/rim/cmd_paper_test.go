package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rim paper fig8 writes the result with its provenance and the figure as SVG and PNG; the reading is computed.
func TestPaperFig8(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := paperCmd([]string{"fig8", "--out", out}, &stdout, &stderr); err != nil {
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
	b, err := os.ReadFile(filepath.Join(out, "fig8.json"))
	if err != nil || json.Unmarshal(b, &res) != nil {
		t.Fatalf("fig8.json: %v %s", err, b)
	}
	if res.Item != "fig8" || res.Source != "paper data" || res.RimVersion == "" || len(res.Metrics) != 3 || res.Metrics[0].Computed.R < 0.89 || res.Metrics[0].Computed.R > 0.892 {
		t.Fatalf("result %+v", res)
	}
	for _, f := range []string{"fig8.svg", "fig8.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() < 1000 {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if !strings.Contains(stdout.String(), "r = 0.891") {
		t.Fatalf("stdout %q", stdout.String())
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
