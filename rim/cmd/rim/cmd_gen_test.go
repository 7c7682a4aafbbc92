package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/experiment"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/serve"
)

// clearGenEnv unsets the generation-server settings, so a test sees only what it sets.
func clearGenEnv(t *testing.T) {
	for _, v := range []string{"RIM_GEN_BASE_URL", "RIM_GEN_MODEL", "RIM_GEN_API_KEY"} {
		t.Setenv(v, "")
	}
}

// rim eval with --gen-base-url takes its responses from a server (rim serve over the same model, with the
// real Qwen3 tokenizer and chat template): the saved responses equal rim's engine's in both think modes.
func TestEvalGenServerEqualsEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("generates with a model")
	}
	clearGenEnv(t)
	dir := tinyChatModel(t)
	l, err := experiment.Load(dir, "", experiment.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv := httptest.NewServer(serve.New(l.Chat, serve.Options{}))
	defer srv.Close()
	root := testpaths.Shared(t, "data")
	for _, think := range []string{"on", "off"} {
		var files [2]string
		for i, gen := range [][]string{nil, {"--gen-base-url", srv.URL + "/v1", "--gen-model", l.Chat.ModelName()}} {
			files[i] = filepath.Join(t.TempDir(), "r.jsonl")
			var out, errb bytes.Buffer
			args := append([]string{"--model", dir, "--data", root, "--set", "gsm8k-test", "--limit", "3", "--max-tokens", "8", "--batch", "2",
				"--think", think, "--save-responses", files[i]}, gen...)
			if err := evalMath(args, &out, &errb); err != nil {
				t.Fatal(err, errb.String())
			}
			// stderr names the server, or counts the engine's batches.
			if want := []string{"generated 2/3\ngenerated 3/3\n", "generating 3 responses with " + l.Chat.ModelName() + " via " + srv.URL + "/v1\n"}[i]; errb.String() != want {
				t.Errorf("think %s, run %d: stderr %q, want %q", think, i, errb.String(), want)
			}
		}
		a, _ := os.ReadFile(files[0])
		b, _ := os.ReadFile(files[1])
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("think %s:\nengine %s\nserver %s", think, a, b)
		}
	}
}

// An unreachable server is an error naming the setting that gave it (flag or RIM_GEN_BASE_URL); a prefill
// (--statement) and a model name without an address are refused before any work.
func TestEvalGenErrors(t *testing.T) {
	clearGenEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	root := testpaths.Shared(t, "data")
	base := []string{"--model", dir, "--data", root, "--set", "gsm8k-test", "--limit", "1", "--max-tokens", "2"}
	var out, errb bytes.Buffer
	if err := evalMath(append(base, "--gen-base-url", url, "--gen-model", "m"), &out, &errb); err == nil || !strings.HasPrefix(err.Error(), "--gen-base-url="+url) {
		t.Errorf("flag: %v", err)
	}
	t.Setenv("RIM_GEN_BASE_URL", url)
	t.Setenv("RIM_GEN_MODEL", "m")
	if err := evalMath(base, &out, &errb); err == nil || !strings.HasPrefix(err.Error(), "RIM_GEN_BASE_URL="+url) || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("env: %v", err)
	}
	err = evalSafety([]string{"--model", dir, "--data", root, "--limit", "1", "--max-tokens", "2", "--statement", "calculation error"}, &out, &errb)
	if err == nil || !strings.HasPrefix(err.Error(), "RIM_GEN_BASE_URL is set") || !strings.Contains(err.Error(), "prefill") {
		t.Errorf("prefill: %v", err)
	}
	clearGenEnv(t)
	if err := evalMath(append(base, "--gen-model", "m"), &out, &errb); err == nil || !strings.Contains(err.Error(), "--gen-model m: give the server's address") {
		t.Errorf("model alone: %v", err)
	}
}

// rim paper table1 --gen-base-url writes a result whose source line names the server; fig2 (prefills) is
// refused naming the flag.
func TestPaperGenServer(t *testing.T) {
	if testing.Short() {
		t.Skip("generates with a model")
	}
	root := testpaths.Root(t)
	clearGenEnv(t)
	for _, v := range []string{"RIM_MODEL", "RIM_MODELS", "RIM_TOKENIZER", "RIM_HEXPHI", "RIM_SAMPLES", "RIM_PREFILL", "RIM_JUDGE", "RIM_BATCH"} {
		t.Setenv(v, "")
	}
	t.Setenv("RIM_ROOT", root)
	t.Setenv("RIM_DATA", testpaths.Shared(t, "data"))
	t.Setenv("RIM_CACHE_DIR", t.TempDir())
	t.Setenv("RIM_MAX_TOKENS", "4")
	s, err := experiment.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	l, err := experiment.Load(s.ModelDir(), s.TokenizerDir(), experiment.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv := httptest.NewServer(serve.New(l.Chat, serve.Options{}))
	defer srv.Close()
	out := t.TempDir()
	gen := []string{"--gen-base-url", srv.URL + "/v1", "--gen-model", l.Chat.ModelName()}
	var stdout, stderr bytes.Buffer
	if err := paperCmd(append([]string{"table1", "--samples", "3", "--out", out}, gen...), &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	var res struct{ Source string }
	b, err := os.ReadFile(filepath.Join(out, "table1.json"))
	if err != nil || json.Unmarshal(b, &res) != nil {
		t.Fatalf("table1.json: %v %s", err, b)
	}
	if want := "measured on " + l.Chat.ModelName() + " via " + srv.URL + "/v1"; res.Source != want {
		t.Errorf("source %q, want %q", res.Source, want)
	}
	if err := paperCmd(append([]string{"fig2", "--out", out}, gen...), &stdout, &stderr); err == nil || !strings.HasPrefix(err.Error(), "--gen-base-url is set") {
		t.Errorf("fig2: %v", err)
	}
}
