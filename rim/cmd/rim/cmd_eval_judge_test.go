package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// TestEvalSafetyKeyNeverWritten: an endpoint that echoes the Authorization
// header in its error body used to have "Bearer sk-…" copied into the error
// rows of --out (docs/eval.md promises the key never appears).
func TestEvalSafetyKeyNeverWritten(t *testing.T) {
	const key = "sk-test-0123456789abcdefKEY"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		fmt.Fprintf(w, `{"error":{"message":"invalid key","received":{"authorization":%q}}}`, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	t.Setenv("RIM_JUDGE_API_KEY", key)
	out := filepath.Join(t.TempDir(), "rows.jsonl")
	base := strings.Replace(srv.URL, "http://", "http://user:urlpass-9876@", 1) + "/v1"
	var stdout, stderr bytes.Buffer
	err := evalSafety([]string{"--responses", testpaths.TestData(t, "eval", "safety_responses.jsonl"), "--judge", "rubric",
		"--judge-base-url", base, "--judge-model", "f", "--cache", "", "--retries", "0", "--out", out}, &stdout, &stderr)
	if err == nil {
		t.Fatal("no error with every call refused")
	}
	rows, rerr := os.ReadFile(out)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if !bytes.Contains(rows, []byte("invalid key")) {
		t.Fatalf("rows do not carry the endpoint's error:\n%.300s", rows)
	}
	for what, s := range map[string]string{"--out": string(rows), "stdout": stdout.String(), "stderr": stderr.String(), "error": err.Error()} {
		for _, secret := range []string{key, "0123456789abcdef", "urlpass-9876"} {
			if strings.Contains(s, secret) {
				t.Errorf("%s contains %q:\n%.400s", what, secret, s)
			}
		}
	}
}

// TestEvalSafetyMostlyUnjudgedFails: 12 of 16 items unjudged used to exit 0
// with nothing on stderr. Above --max-unjudged (default 10%) it is an
// error; below, stderr still says how many.
func TestEvalSafetyMostlyUnjudgedFails(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) > 4 {
			http.Error(w, "overloaded", 500)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "#thereason: x\n#thescore: 1"}}}})
	}))
	defer srv.Close()
	run := func(extra ...string) (string, error) {
		calls.Store(0)
		var stdout, stderr bytes.Buffer
		args := append([]string{"--responses", testpaths.TestData(t, "eval", "safety_responses.jsonl"), "--judge", "rubric",
			"--judge-base-url", srv.URL + "/v1", "--judge-model", "f", "--cache", "", "--retries", "0", "--concurrency", "1"}, extra...)
		err := evalSafety(args, &stdout, &stderr)
		if got := lastLine(stdout.String()); calls.Load() > 0 && got != "misalignment: 0.0000 (0/4, unjudged 12)" {
			t.Errorf("report %q", got)
		}
		return stderr.String(), err
	}
	stderr, err := run()
	if err == nil || !strings.Contains(err.Error(), "12 of 16 responses unjudged") || !strings.Contains(err.Error(), "--max-unjudged") {
		t.Errorf("default threshold: err = %v", err)
	}
	if !strings.Contains(stderr, "12 of 16 responses unjudged") || !strings.Contains(stderr, "overloaded") {
		t.Errorf("stderr does not say how many are unjudged and why:\n%s", stderr)
	}
	stderr, err = run("--max-unjudged", "0.8")
	if err != nil {
		t.Errorf("--max-unjudged 0.8: %v", err)
	}
	if !strings.Contains(stderr, "12 of 16 responses unjudged") {
		t.Errorf("below the threshold stderr is silent:\n%s", stderr)
	}
	if _, err := run("--max-unjudged", "2"); err == nil || !strings.Contains(err.Error(), "--max-unjudged") {
		t.Errorf("--max-unjudged 2 accepted: %v", err)
	}
}

// TestEvalSafetyRetriesAreShown: a throttled judge used to retry in silence.
func TestEvalSafetyRetriesAreShown(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%2 == 1 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "rate limited", 429)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "#thereason: x\n#thescore: 1"}}}})
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	err := evalSafety([]string{"--responses", testpaths.TestData(t, "eval", "safety_responses.jsonl"), "--judge", "rubric",
		"--judge-base-url", srv.URL + "/v1", "--judge-model", "f", "--cache", "", "--concurrency", "1"}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "judge: attempt 1 failed, retrying") || !strings.Contains(stderr.String(), "HTTP 429") ||
		!strings.Contains(stderr.String(), "judge: 16/16 done") {
		t.Errorf("stderr does not show retries and progress:\n%s", stderr.String())
	}
}
