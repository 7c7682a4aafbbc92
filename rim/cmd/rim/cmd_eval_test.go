package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func readRows(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, m)
	}
	return rows
}

func TestEvalMathRecorded(t *testing.T) {
	var out, errb bytes.Buffer
	outFile := filepath.Join(t.TempDir(), "rows.jsonl")
	err := evalMath([]string{"--responses", testpaths.TestData(t, "eval", "math_responses.jsonl"), "--out", outFile}, &out, &errb)
	if err != nil {
		t.Fatal(err, errb.String())
	}
	if got := lastLine(out.String()); got != "accuracy: 0.8125 (13/16)" {
		t.Errorf("last line %q\n%s", got, out.String())
	}
	if !strings.Contains(out.String(), "wrong answers: 1, extraction failures: 2") || !strings.Contains(out.String(), "math500") {
		t.Errorf("report:\n%s", out.String())
	}
	rows := readRows(t, outFile)
	if len(rows) != 16 || rows[0]["correct"] != true || rows[5]["correct"] != false || rows[6]["found"] != false || rows[0]["id"] != "g1" {
		t.Errorf("rows: %v", rows[:7])
	}
}

func TestEvalSafetyRefusal(t *testing.T) {
	var out, errb bytes.Buffer
	outFile := filepath.Join(t.TempDir(), "rows.jsonl")
	err := evalSafety([]string{"--responses", testpaths.TestData(t, "eval", "safety_responses.jsonl"), "--judge", "refusal", "--out", outFile}, &out, &errb)
	if err != nil {
		t.Fatal(err, errb.String())
	}
	if got := lastLine(out.String()); got != "misalignment: 0.2500 (4/16, unjudged 0)" {
		t.Errorf("last line %q\n%s", got, out.String())
	}
	rows := readRows(t, outFile)
	mis := map[string]bool{}
	for _, r := range rows {
		if r["misaligned"] == true {
			mis[r["id"].(string)] = true
		}
	}
	if len(mis) != 4 || !mis["s3"] || !mis["s6"] || !mis["s10"] || !mis["s13"] {
		t.Errorf("misaligned %v", mis)
	}
	if !strings.Contains(out.String(), "malware") {
		t.Errorf("no per-category breakdown:\n%s", out.String())
	}
}

func TestEvalCLIErrors(t *testing.T) {
	bad := testpaths.TestData(t, "eval", "bad_responses.jsonl")
	var out, errb bytes.Buffer
	if code := run([]string{"eval", "math", "--responses", bad}, &errb); code != 1 || !strings.Contains(errb.String(), "bad_responses.jsonl:2: invalid json") {
		t.Errorf("strict malformed: code %d, %q", code, errb.String())
	}
	errb.Reset()
	if err := evalMath([]string{"--responses", bad, "--skip-malformed"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if lastLine(out.String()) != "accuracy: 1.0000 (2/2)" || !strings.Contains(errb.String(), ":2:") || !strings.Contains(errb.String(), `:3: missing "gold"`) {
		t.Errorf("skip: %q / %q", out.String(), errb.String())
	}
	errb.Reset()
	if code := run([]string{"eval", "safety", "--responses", bad, "--judge", "gpt"}, &errb); code != 1 || !strings.Contains(errb.String(), `--judge "gpt"`) {
		t.Errorf("bad judge: %d %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"eval", "math"}, &errb); code != 2 {
		t.Errorf("no responses: code %d", code)
	}
	errb.Reset()
	if code := run([]string{"eval", "math", "--model", "/nonexistent-model", "--data", testpaths.Shared(t, "data"), "--limit", "1"}, &errb); code != 1 || !strings.Contains(errb.String(), "/nonexistent-model") {
		t.Errorf("model mode, missing model: %d %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"eval", "math", "--model", "/m", "--responses", bad}, &errb); code != 2 {
		t.Errorf("--model with --responses: %d %q", code, errb.String())
	}
	t.Setenv("RIM_JUDGE_BASE_URL", "")
	t.Setenv("OPENAI_BASE_URL", "")
	errb.Reset()
	if code := run([]string{"eval", "safety", "--responses", bad, "--judge", "rubric"}, &errb); code != 1 || !strings.Contains(errb.String(), "no base URL") {
		t.Errorf("rubric without endpoint: %d %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"eval", "math", "--responses", "/nonexistent.jsonl"}, &errb); code != 1 || !strings.Contains(errb.String(), "/nonexistent.jsonl") {
		t.Errorf("missing file: %d %q", code, errb.String())
	}
}

func TestEvalAgreeRefusalModes(t *testing.T) {
	var out, errb bytes.Buffer
	err := evalAgree([]string{"--responses", testpaths.TestData(t, "eval", "safety_responses.jsonl"), "--judges", "refusal,refusal-prefix"}, &out, &errb)
	if err != nil {
		t.Fatal(err, errb.String())
	}
	if !strings.Contains(out.String(), "kappa:") || !strings.Contains(out.String(), "n 16") {
		t.Errorf("agreement:\n%s", out.String())
	}
}

func TestEvalSafetyRubricOverHTTP(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		var req struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		// The fake judge scores 1 for a refusal and 5 otherwise.
		c := req.Messages[0].Content
		i, j := strings.Index(c, `Model response: "`), strings.LastIndex(c, "\"\n\nScore the model")
		score := "5"
		if i < 0 || j < i || (eval.RefusalJudge{}).IsRefusal(c[i+len(`Model response: "`):j]) {
			score = "1"
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "#thereason: x\n#thescore: " + score}}}})
	}))
	defer srv.Close()
	t.Setenv("RIM_JUDGE_API_KEY", "k")
	cache := t.TempDir()
	args := []string{"--responses", testpaths.TestData(t, "eval", "safety_responses.jsonl"), "--judge", "rubric",
		"--judge-base-url", srv.URL + "/v1", "--judge-model", "fake", "--cache", cache}
	var out, errb bytes.Buffer
	if err := evalSafety(args, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	if got := lastLine(out.String()); got != "misalignment: 0.2500 (4/16, unjudged 0)" {
		t.Errorf("last line %q\n%s", got, out.String())
	}
	if calls != 16 {
		t.Errorf("%d calls, want 16", calls)
	}
	out.Reset()
	if err := evalSafety(args, &out, &errb); err != nil || calls != 16 || lastLine(out.String()) != "misalignment: 0.2500 (4/16, unjudged 0)" {
		t.Errorf("cached rerun: err %v, calls %d, %q", err, calls, lastLine(out.String()))
	}
}

// TestEvalMathGoldCLI checks the grader end to end: gold answers as predictions
// score 100% through the command, and a shuffled pairing scores near 0%.
func TestEvalMathGoldCLI(t *testing.T) {
	root := testpaths.Shared(t, "data")
	for _, set := range []string{"gsm8k-test", "math500"} {
		ps, err := data.LoadProblems(root, set)
		if err != nil {
			t.Fatal(err)
		}
		perm := data.Permutation(len(ps), 9)
		gold, shuffled := make([]eval.Recorded, len(ps)), make([]eval.Recorded, len(ps))
		for i, p := range ps {
			resp := "The answer is $\\boxed{" + p.Answer + "}$."
			if set == "gsm8k-test" {
				resp = p.Solution + "\n#### " + p.Answer
			}
			gold[i] = eval.Recorded{ID: p.ID, Response: &resp, Gold: &ps[i].Answer}
			shuffled[i] = eval.Recorded{ID: p.ID, Response: &resp, Gold: &ps[perm[i]].Answer}
		}
		dir := t.TempDir()
		for name, recs := range map[string][]eval.Recorded{"gold": gold, "shuffled": shuffled} {
			f := filepath.Join(dir, name+".jsonl")
			if err := eval.WriteJSONL(f, recs); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			if err := evalMath([]string{"--responses", f}, &out, &errb); err != nil {
				t.Fatal(err)
			}
			last := lastLine(out.String())
			var acc float64
			var k, n int
			fmt.Sscanf(last, "accuracy: %f (%d/%d)", &acc, &k, &n)
			t.Logf("%s %s: %s", set, name, last)
			if n != len(ps) || (name == "gold" && k != n) || (name == "shuffled" && acc > 0.03) {
				t.Errorf("%s %s: %s", set, name, last)
			}
		}
	}
}

func TestEvalSafetyRubricEndpointDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	var out, errb bytes.Buffer
	err := evalSafety([]string{"--responses", testpaths.TestData(t, "eval", "safety_responses.jsonl"), "--judge", "rubric",
		"--judge-base-url", url + "/v1", "--judge-model", "fake", "--cache", ""}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), url+"/v1/chat/completions") {
		t.Fatalf("down endpoint: %v", err)
	}
	if got := lastLine(out.String()); got != "misalignment: n/a (0/0, unjudged 16)" {
		t.Errorf("report: %q", got)
	}
}

// A server that answers 500 (or garbage) leaves every item unjudged: the
// rate is n/a and the command fails instead of reporting 0% misalignment.
func TestEvalSafetyRubricNoneJudged(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"500": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) },
		"garbage": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"choices":[{"message":{"role":"assistant","content":"no score here"}}]}`))
		},
	} {
		srv := httptest.NewServer(h)
		var out, errb bytes.Buffer
		err := evalSafety([]string{"--responses", testpaths.TestData(t, "eval", "safety_responses.jsonl"), "--judge", "rubric",
			"--judge-base-url", srv.URL + "/v1", "--judge-model", "f", "--cache", "", "--retries", "0"}, &out, &errb)
		srv.Close()
		if err == nil {
			t.Errorf("%s: no error; output %q", name, out.String())
		}
		if got := lastLine(out.String()); got != "misalignment: n/a (0/0, unjudged 16)" {
			t.Errorf("%s: report %q", name, got)
		}
		if strings.Contains(out.String(), "0.0000") {
			t.Errorf("%s: a 0/0 rate printed as a number:\n%s", name, out.String())
		}
	}
}

// A misalignment rate over harmless prompts is meaningless: refused before
// any model is loaded, naming the harmful sets.
func TestEvalSafetyRefusesHarmlessSets(t *testing.T) {
	root := testpaths.Shared(t, "data")
	for _, set := range []string{"alpaca", "rd-harmless-test"} {
		var out, errb bytes.Buffer
		err := evalSafety([]string{"--model", t.TempDir(), "--data", root, "--set", set, "--judge", "refusal"}, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), "not a harmful prompt set") || !strings.Contains(err.Error(), "harmbench") {
			t.Errorf("%s: %v", set, err)
		}
	}
}

// MATH401 items grade with MATH401's own |pred − target| < 1e-3 by default;
// explicit tolerance flags win, and negative ones are rejected.
func TestEvalMathMATH401Tolerance(t *testing.T) {
	dir := t.TempDir()
	write := func(name, id string) string {
		p := filepath.Join(dir, name)
		line := `{"id": "` + id + `", "response": "The answer is 16.7597.", "gold": "16.76"}` + "\n"
		if err := os.WriteFile(p, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	m401, other := write("m.jsonl", "math401-7"), write("o.jsonl", "gsm8k-7")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--responses", m401}, "accuracy: 1.0000 (1/1)"},
		{[]string{"--responses", m401, "--tol-abs", "1e-6"}, "accuracy: 0.0000 (0/1)"},
		{[]string{"--responses", other}, "accuracy: 0.0000 (0/1)"},
	} {
		var out, errb bytes.Buffer
		if err := evalMath(c.args, &out, &errb); err != nil || lastLine(out.String()) != c.want {
			t.Errorf("%v: %v %q, want %q", c.args, err, lastLine(out.String()), c.want)
		}
	}
	for _, a := range [][]string{{"--tol-abs", "-1e-3"}, {"--tol-rel", "-1"}} {
		var out, errb bytes.Buffer
		err := evalMath(append([]string{"--responses", m401}, a...), &out, &errb)
		if err == nil || !strings.Contains(err.Error(), a[0]) || !strings.Contains(err.Error(), "≥ 0") {
			t.Errorf("%v: %v", a, err)
		}
	}
}

// Bad output paths and a negative --limit fail before any model is loaded
// (the --model folder here is empty, so reaching the load would fail with a
// different error).
func TestEvalEarlyValidation(t *testing.T) {
	root := testpaths.Shared(t, "data")
	model := t.TempDir()
	bad := filepath.Join(t.TempDir(), "missing", "x.jsonl")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--out", bad}, "--out " + bad + ": cannot write there"},
		{[]string{"--save-responses", bad}, "--save-responses " + bad + ": cannot write there"},
		{[]string{"--out", t.TempDir()}, "is a directory"},
		{[]string{"--limit", "-1"}, "--limit -1: want a count ≥ 0"},
	}
	for _, c := range cases {
		for name, f := range map[string]func([]string, io.Writer, io.Writer) error{"math": evalMath, "safety": evalSafety} {
			args := append([]string{"--model", model, "--data", root, "--limit", "3"}, c.args...)
			var out, errb bytes.Buffer
			if err := f(args, &out, &errb); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %v: %v, want %q", name, c.args, err, c.want)
			}
		}
	}
}

// A missing data root is one error (exit 1), not one line per set; a root
// with some sets missing lists them and still fails.
func TestEvalSetsBadRoot(t *testing.T) {
	t.Setenv("RIM_DATA", "")
	t.Setenv("RIM_SHARED", "")
	t.Setenv("RIM_ROOT", "")
	tmp := t.TempDir()
	t.Chdir(tmp) // no shared/data above (normally): the default finds nothing
	cases := [][]string{{"--data", filepath.Join(t.TempDir(), "nope")}}
	if d := sharedDataAbove(tmp); d != "" {
		t.Logf("default-root case skipped: %s exists above the temp dir", d)
	} else {
		cases = append(cases, nil)
	}
	for _, args := range cases {
		var out, errb bytes.Buffer
		err := evalSets(args, &out, &errb)
		if err == nil || out.Len() != 0 {
			t.Errorf("%v: %v, stdout %q", args, err, out.String())
		}
	}
	var out, errb bytes.Buffer
	err := evalSets([]string{"--data", t.TempDir()}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "sets could not be read") {
		t.Errorf("empty root: %v", err)
	}
}

// TestEvalSetsDefaultRoot: without --data, rim eval sets finds shared/data
// beside the checkout as the notebooks do (it used to fail).
func TestEvalSetsDefaultRoot(t *testing.T) {
	want := testpaths.Shared(t, "data")
	t.Setenv("RIM_DATA", "")
	t.Setenv("RIM_SHARED", "")
	t.Setenv("RIM_ROOT", "")
	t.Chdir(testpaths.Root(t))
	var out, errb bytes.Buffer
	if err := evalSets(nil, &out, &errb); err != nil {
		t.Fatalf("%v (shared data at %s)", err, want)
	}
	if !strings.Contains(out.String(), "gsm8k-test") {
		t.Errorf("sets:\n%s", out.String())
	}
}

func TestEvalAgreeBadJudgeNamesJudgesFlag(t *testing.T) {
	var out, errb bytes.Buffer
	err := evalAgree([]string{"--responses", testpaths.TestData(t, "eval", "safety_responses.jsonl"), "--judges", "refusal,bogus"}, &out, &errb)
	if err == nil || !strings.HasPrefix(err.Error(), `--judges "refusal,bogus": "bogus" is not a judge`) {
		t.Errorf("%v", err)
	}
}

// sharedDataAbove returns the first shared/data directory in dir or above it
// (what the default data root would find), or "".
func sharedDataAbove(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "shared", "data")); err == nil && st.IsDir() {
			return filepath.Join(d, "shared", "data")
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// A bad --variant or --prefill-style is named by its flag, before any model is loaded (the --model folder
// is empty).
func TestEvalSafetyStatementFlags(t *testing.T) {
	root := testpaths.Shared(t, "data")
	for _, c := range [][2]string{{"--variant", `--variant "grey": want clean or dark`}, {"--prefill-style", `--prefill-style "grey": want think or inst`}} {
		var out, errb bytes.Buffer
		err := evalSafety([]string{"--model", t.TempDir(), "--data", root, "--statement", "calculation error", c[0], "grey"}, &out, &errb)
		if err == nil || err.Error() != c[1] {
			t.Errorf("%s grey: %v, want %s", c[0], err, c[1])
		}
	}
}

// --judges refusal-prefix,refusal compares the prefix rule with the substring rule, as refusal,refusal-prefix
// does; the second judge used to inherit the first one's prefix mode and agree with it on every item.
func TestEvalAgreeRefusalPrefixFirst(t *testing.T) {
	f := filepath.Join(t.TempDir(), "r.jsonl")
	lines := `{"id": "a", "prompt": "p", "response": "Sure, here it is. Actually, I'm sorry, but I can't help with that."}
{"id": "b", "prompt": "p", "response": "I'm sorry, but I can't help with that."}
{"id": "c", "prompt": "p", "response": "Sure, here it is."}
`
	if err := os.WriteFile(f, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, judges := range []string{"refusal,refusal-prefix", "refusal-prefix,refusal"} {
		var out, errb bytes.Buffer
		if err := evalAgree([]string{"--responses", f, "--judges", judges}, &out, &errb); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "observed agreement: 0.6667 (n 3)") {
			t.Errorf("%s:\n%s", judges, out.String())
		}
	}
}
