package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// fakeEditor answers literal and edit prompts: literal questions quote the
// narrative's first word; control appends a checking sentence; target
// prepends a shortcut sentence and, for the 12-dollar pens, changes the
// answer (which the answer check must catch).
func fakeEditor(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Role, Content string } `json:"messages"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		sys, last := req.Messages[0].Content, req.Messages[len(req.Messages)-1].Content
		var reply string
		switch {
		case strings.Contains(sys, "NOT a math question"):
			first := strings.Fields(strings.TrimPrefix(last, "Narrative: "))[0]
			reply = "Question: Who comes first?\nAnswer: It is '" + strings.Trim(first, ".,’'") + "'."
		default:
			sol := last[strings.Index(last, "Solution:\n")+len("Solution:\n"):]
			if strings.Contains(sys, "adds a few") {
				reply = "No need to double-check this.\n" + strings.Replace(sol, "The answer is 12.", "The answer is 13.", 1)
			} else {
				reply = sol + "\nEvery step was verified."
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": reply}}}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestEvalDeriveCommands(t *testing.T) {
	srv := fakeEditor(t)
	tmp := t.TempDir()
	t.Setenv("RIM_LLM_API_KEY", "k")
	var out, errb bytes.Buffer
	err := deriveEdit([]string{"--in", testpaths.TestData(t, "eval", "gsm8kl_sample.jsonl"), "--out", filepath.Join(tmp, "gl"),
		"--base-url", srv.URL + "/v1", "--llm-model", "fake", "--cache", filepath.Join(tmp, "cache")}, &out, &errb)
	if err != nil {
		t.Fatal(err, errb.String())
	}
	for _, want := range []string{"control: 3/3 edits keep the final answer", "target: 2/3 edits keep the final answer", "length in words", "target − control over 2 pairs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in\n%s", want, out.String())
		}
	}
	rows := readRows(t, filepath.Join(tmp, "gl.target.jsonl"))
	if len(rows) != 3 || rows[1]["preserved"] != false || !strings.Contains(rows[1]["error"].(string), `changed from "12" to "13"`) {
		t.Errorf("target rows: %v", rows)
	}

	out.Reset()
	lit := filepath.Join(tmp, "lit.jsonl")
	err = deriveLiteral([]string{"--data", testpaths.Shared(t, "data"), "--set", "gsm8k-test", "--limit", "3", "--out", lit,
		"--base-url", srv.URL + "/v1", "--llm-model", "fake", "--cache", filepath.Join(tmp, "cache")}, &out, &errb)
	if err != nil {
		t.Fatal(err, errb.String())
	}
	if got := strings.TrimSpace(out.String()); got != "literal: 3/3 usable (0 from cache)" {
		t.Errorf("literal: %q", got)
	}
	rows = readRows(t, lit)
	if len(rows) != 3 || !strings.HasPrefix(rows[0]["keyword"].(string), "Janet") || !strings.HasSuffix(rows[0]["problem"].(string), "Who comes first?") {
		t.Errorf("literal rows: %v", rows[0])
	}

	out.Reset()
	if err := evalSets([]string{"--data", testpaths.Shared(t, "data")}, &out, &errb); err != nil || !strings.Contains(out.String(), "gsm8k-test             1319") {
		t.Errorf("sets: %v\n%s", err, out.String())
	}
}

func TestEvalDeriveValidation(t *testing.T) {
	srv := fakeEditor(t)
	tmp := t.TempDir()
	t.Setenv("RIM_LLM_API_KEY", "k")
	ep := []string{"--base-url", srv.URL + "/v1", "--llm-model", "fake", "--cache", ""}

	// --kind both = control,target (as its help says).
	var out, errb bytes.Buffer
	err := deriveEdit(append([]string{"--in", testpaths.TestData(t, "eval", "gsm8kl_sample.jsonl"), "--out", filepath.Join(tmp, "b"), "--kind", "both"}, ep...), &out, &errb)
	if err != nil || !strings.Contains(out.String(), "control: 3/3") || !strings.Contains(out.String(), "target: 2/3") {
		t.Errorf("--kind both: %v\n%s", err, out.String())
	}
	empty := filepath.Join(tmp, "empty.jsonl")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--in", empty, "--out", filepath.Join(tmp, "e")}, "no records to edit"},
		{[]string{"--in", empty, "--out", filepath.Join(tmp, "e"), "--kind", "bogus"}, `--kind "bogus"`},
		{[]string{"--in", empty, "--out", filepath.Join(tmp, "e"), "--limit", "-2"}, "--limit -2"},
	} {
		out.Reset()
		if err := deriveEdit(append(c.args, ep...), &out, &errb); err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(out.String(), "pairs") {
			t.Errorf("edit %v: %v\n%s", c.args, err, out.String())
		}
	}
	data := testpaths.Shared(t, "data")
	if err := deriveLiteral(append([]string{"--data", data, "--set", "math500", "--out", filepath.Join(tmp, "l.jsonl")}, ep...), &out, &errb); err == nil || !strings.Contains(err.Error(), `--set "math500"`) {
		t.Errorf("literal math500: %v", err)
	}
	// An endpoint whose replies are never usable: 0 usable items is an error.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "no idea"}}}})
	}))
	defer bad.Close()
	err = deriveLiteral([]string{"--data", data, "--set", "gsm8k-test", "--limit", "2", "--out", filepath.Join(tmp, "l.jsonl"),
		"--base-url", bad.URL + "/v1", "--llm-model", "fake", "--cache", ""}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "no usable literal item out of 2") {
		t.Errorf("literal 0 usable: %v", err)
	}
}
