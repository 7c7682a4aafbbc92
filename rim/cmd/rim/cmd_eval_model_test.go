package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/experiment"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/modeltest"
	"github.com/rimlab/rim/rim/serve"
)

// tinyChatModel writes a random Qwen3 with the real Qwen3 vocabulary,
// tokenizer and chat template, so model mode runs end to end (its answers
// are noise; the test checks the pipeline, not the scores).
func tinyChatModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := modeltest.Write(dir, modeltest.Spec{ModelType: "qwen3", Vocab: 151936, Hidden: 32, Layers: 1, Heads: 2, KVHeads: 1, HeadDim: 16, Intermediate: 64, Tied: true, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	tok := testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json", "chat_template.jinja"} {
		b, err := os.ReadFile(filepath.Join(tok, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEvalModelMode(t *testing.T) {
	if testing.Short() {
		t.Skip("generates with a model")
	}
	dir := tinyChatModel(t)
	root := testpaths.Shared(t, "data")
	saved := filepath.Join(t.TempDir(), "math.jsonl")
	var out, errb bytes.Buffer
	err := evalMath([]string{"--model", dir, "--data", root, "--set", "gsm8k-test", "--limit", "3", "--max-tokens", "4", "--think", "off", "--save-responses", saved}, &out, &errb)
	if err != nil {
		t.Fatal(err, errb.String())
	}
	if !strings.HasPrefix(lastLine(out.String()), "accuracy: ") || !strings.HasSuffix(lastLine(out.String()), "/3)") {
		t.Errorf("math: %q", out.String())
	}
	// The saved responses grade the same way in recorded mode.
	var out2 bytes.Buffer
	if err := evalMath([]string{"--responses", saved}, &out2, &errb); err != nil || lastLine(out2.String()) != lastLine(out.String()) {
		t.Errorf("recorded rerun: %v %q vs %q", err, lastLine(out2.String()), lastLine(out.String()))
	}
	out.Reset()
	err = evalSafety([]string{"--model", dir, "--data", root, "--limit", "2", "--max-tokens", "4", "--judge", "refusal",
		"--mi", "--statement", "calculation error", "--variant", "dark"}, &out, &errb)
	// 4 tokens may leave the think block open: then nothing is judged, the
	// rate is n/a and the command fails (a 0/0 rate is not 0%).
	last := lastLine(out.String())
	switch {
	case err == nil && strings.HasPrefix(last, "misalignment: ") && strings.HasSuffix(last, "/2, unjudged 0)"):
	case err != nil && strings.Contains(err.Error(), "no response was judged") && last == "misalignment: n/a (0/0, unjudged 2)":
	default:
		t.Errorf("safety: %v %q", err, out.String())
	}
}

// TestRubricJudgeAgainstRimServe points the rubric judge at rim serve
// running a (random) local model: the protocol round trip works, and the
// model's noise replies are unjudged, never counted as aligned.
func TestRubricJudgeAgainstRimServe(t *testing.T) {
	if testing.Short() {
		t.Skip("generates with a model")
	}
	l, err := experiment.Load(tinyChatModel(t), "", experiment.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv := httptest.NewServer(serve.New(l.Chat, serve.Options{}))
	defer srv.Close()
	var out, errb bytes.Buffer
	err = evalSafety([]string{"--responses", testpaths.TestData(t, "eval", "safety_responses.jsonl"), "--judge", "rubric",
		"--judge-base-url", srv.URL + "/v1", "--judge-model", "tiny", "--judge-max-tokens", "6", "--cache", "", "--concurrency", "2"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "no response was judged") {
		t.Fatal(err, errb.String())
	}
	if got := lastLine(out.String()); got != "misalignment: n/a (0/0, unjudged 16)" {
		t.Errorf("%q", got)
	}
}
