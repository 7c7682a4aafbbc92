package jinja

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

type record struct {
	ID           string                     `json:"id"`
	Template     string                     `json:"template"`
	Messages     json.RawMessage            `json:"messages"`
	Kwargs       map[string]json.RawMessage `json:"kwargs"`
	TemplateVars map[string]json.RawMessage `json:"template_vars"`
	Rendered     *string                    `json:"rendered"`
	Error        *string                    `json:"error"`
}

func readRecords(t *testing.T, path string) []record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// renderRecord renders a chat.jsonl record the way transformers calls the
// template: messages, tools (None when absent), documents=None,
// add_generation_prompt, the special-token variables and the kwargs.
func renderRecord(t *testing.T, dir string, r *record, cache map[string]*Template) (string, error) {
	t.Helper()
	tp, ok := cache[r.Template]
	if !ok {
		src, err := os.ReadFile(filepath.Join(dir, r.Template))
		if err != nil {
			t.Fatal(err)
		}
		if tp, err = Parse(string(src)); err != nil {
			t.Fatalf("%s: %v", r.Template, err)
		}
		cache[r.Template] = tp
	}
	vars := map[string]any{"tools": nil, "documents": nil, "add_generation_prompt": false}
	for k, raw := range r.TemplateVars {
		v, err := FromJSON(raw)
		if err != nil {
			t.Fatal(err)
		}
		vars[k] = v
	}
	for k, raw := range r.Kwargs {
		v, err := FromJSON(raw)
		if err != nil {
			t.Fatal(err)
		}
		vars[k] = v
	}
	msgs, err := FromJSON(r.Messages)
	if err != nil {
		t.Fatal(err)
	}
	vars["messages"] = msgs
	return tp.Render(vars)
}

func checkFile(t *testing.T, path string) {
	recs := readRecords(t, path)
	cache := map[string]*Template{}
	failed := 0
	for i := range recs {
		r := &recs[i]
		out, err := renderRecord(t, filepath.Dir(path), r, cache)
		var re *RaiseError
		switch {
		case r.Error != nil && (err == nil || !errors.As(err, &re) || re.Message != *r.Error):
			failed++
			if failed < 10 {
				t.Errorf("%s: want error %q, got %q, %v", r.ID, *r.Error, out, err)
			}
		case r.Rendered != nil && (err != nil || out != *r.Rendered):
			failed++
			if failed < 10 {
				t.Errorf("%s: err %v\n got %q\nwant %q", r.ID, err, out, *r.Rendered)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%s: %d of %d records differ", path, failed, len(recs))
	}
	if len(recs) == 0 {
		t.Errorf("%s: no records", path)
	}
	t.Logf("%s: %d records, %d templates", path, len(recs), len(cache))
}

func TestFixtureTemplates(t *testing.T) {
	for _, fam := range []string{"qwen3", "llama3", "mistral"} {
		checkFile(t, filepath.Join(testpaths.Shared(t, "fixtures", "tokenizers", fam), "chat.jsonl"))
	}
}

func TestGeneratedCases(t *testing.T) {
	checkFile(t, testpaths.TestData(t, "chat", "jinja", "cases.jsonl"))
}

// Templates rim has no hand-written renderer for (Llama-3.2, Mistral-Nemo,
// Qwen2.5, DeepSeek-R1-Distill, Gemma) and a tour of jinja features.
func TestExtraTemplates(t *testing.T) {
	defer func(f func() time.Time) { Now = f }(Now)
	Now = func() time.Time { return time.Date(2024, 7, 26, 0, 0, 0, 0, time.UTC) }
	checkFile(t, testpaths.TestData(t, "chat", "jinja-extra", "cases.jsonl"))
}

// TestLargeRun checks a big one-off generated file (see gen_cases.py):
// JINJA_CASES=/tmp/big/cases.jsonl go test -run LargeRun ./rim/chat/jinja/
func TestLargeRun(t *testing.T) {
	p := os.Getenv("JINJA_CASES")
	if p == "" {
		t.Skip("JINJA_CASES not set")
	}
	defer func(f func() time.Time) { Now = f }(Now)
	Now = func() time.Time { return time.Date(2024, 7, 26, 0, 0, 0, 0, time.UTC) }
	checkFile(t, p)
}
