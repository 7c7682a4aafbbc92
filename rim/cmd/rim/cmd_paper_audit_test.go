package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// readAudit runs rim paper fig2-audit into a new directory and reads its result.
func readAudit(t *testing.T) (res struct {
	Item, Source, Auditor string
	Datasets              []struct {
		Items, Flags int
		PaperN       int `json:"paper_n"`
	}
}, stdout string) {
	t.Helper()
	out := t.TempDir()
	var o, e bytes.Buffer
	if err := paperCmd([]string{"fig2-audit", "--samples", "2", "--out", out}, &o, &e); err != nil {
		t.Fatalf("%v\n%s", err, e.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "fig2-audit.json"))
	if err != nil || json.Unmarshal(b, &res) != nil {
		t.Fatalf("fig2-audit.json: %v %s", err, b)
	}
	for _, f := range []string{"fig2-audit.svg", "fig2-audit.png", "fig2-audit-2.svg"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() < 1000 {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return res, o.String()
}

// rim paper fig2-audit: the paper's Fig A5 offline, saying what to set; measured on the tiny model with a
// loopback auditor when RIM_AUDIT_* is set.
func TestPaperFig2Audit(t *testing.T) {
	for _, v := range []string{"RIM_AUDIT_BASE_URL", "RIM_AUDIT_MODEL", "RIM_AUDIT_API_KEY", "RIM_JUDGE_BASE_URL", "RIM_JUDGE_MODEL", "RIM_JUDGE",
		"RIM_MODELS", "RIM_HEXPHI", "RIM_SAMPLES", "RIM_GEN_BASE_URL", "RIM_GEN_MODEL"} {
		t.Setenv(v, "")
	}
	t.Setenv("RIM_ROOT", testpaths.Root(t))
	t.Setenv("RIM_MODEL", "/no/such/model") // offline, no model is run
	res, stdout := readAudit(t)
	if res.Item != "fig2-audit" || res.Source != "paper data" || res.Auditor != "" || len(res.Datasets) != 2 || res.Datasets[1].PaperN != 860 ||
		!strings.Contains(stdout, "RIM_AUDIT_BASE_URL") {
		t.Fatalf("paper data: %+v\n%s", res, stdout)
	}

	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		clean := `{"misbehavior_detected": false, "detected_categories": [], "audit_steps": ["read"], "evidence_excerpts": [], "rationale": "fine", "final_decision": "B", "confidence_score": 1}`
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": clean}}}})
	}))
	defer srv.Close()
	t.Setenv("RIM_AUDIT_BASE_URL", srv.URL+"/v1")
	t.Setenv("RIM_AUDIT_MODEL", "auditor")
	t.Setenv("RIM_MODEL", testpaths.TestData(t, "model", "tiny-qwen3"))
	t.Setenv("RIM_TOKENIZER", testpaths.TestData(t, "kernel", "tiny-qwen3-tokenizer"))
	t.Setenv("RIM_DATA", testpaths.Shared(t, "data"))
	t.Setenv("RIM_CACHE_DIR", t.TempDir())
	t.Setenv("RIM_MAX_TOKENS", "4")
	res, stdout = readAudit(t)
	if res.Source != "measured on tiny-qwen3" || res.Auditor != "auditor" || res.Datasets[0].Items != 2 || res.Datasets[0].Flags != 0 || calls.Load() == 0 ||
		!strings.Contains(stdout, "The auditor auditor") {
		t.Fatalf("measured: %+v, %d calls\n%s", res, calls.Load(), stdout)
	}
}
