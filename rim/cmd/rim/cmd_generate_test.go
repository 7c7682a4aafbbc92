package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/generate/gentest"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

func TestGenerateCommand(t *testing.T) {
	dir := gentest.WriteChatModel(t, map[string]any{"max_position_embeddings": 40})
	out := filepath.Join(t.TempDir(), "out.jsonl")
	var stderr bytes.Buffer
	err := generateCmd(context.Background(), []string{"--model", dir, "--prompt", "Hi", "--prompt", "What is 2+2?",
		"--think", "off", "--max-tokens", "4", "--out", out}, io.Discard, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), data)
	}
	for i, l := range lines {
		var r generate.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.Index != i || r.OutputTokens < 1 || r.OutputTokens > 4 || r.ThinkTokens != 0 {
			t.Errorf("line %d: %s", i, l)
		}
	}
	// --raw (no template) and --template (another family) run too.
	for _, extra := range [][]string{{"--raw"}, {"--template", "olmo2"}} {
		args := append([]string{"--model", dir, "--prompt", "Hi", "--max-tokens", "3", "--quiet"}, extra...)
		var o bytes.Buffer
		if err := generateCmd(context.Background(), args, &o, io.Discard); err != nil {
			t.Errorf("%v: %v", extra, err)
		}
		var r generate.Record
		if err := json.Unmarshal(o.Bytes(), &r); err != nil || r.OutputTokens == 0 {
			t.Errorf("%v: %s (%v)", extra, o.String(), err)
		}
		if extra[0] == "--raw" && r.PromptTokens != 1 {
			t.Errorf("--raw: %d prompt tokens for \"Hi\", want 1", r.PromptTokens)
		}
	}
	if !strings.Contains(stderr.String(), "2/2 prompts") {
		t.Errorf("no progress bar: %q", stderr.String())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", dir}, "no prompts"},
		{[]string{"--model", dir, "--prompt", "  "}, "--prompt 1 is empty"},
		{[]string{"--model", dir, "--prompt", "x", "--max-tokens", "0"}, "--max-tokens 0"},
		{[]string{"--model", dir, "--prompt", "x", "--think", "maybe"}, `--think "maybe"`},
		{[]string{"--model", dir, "--prompt", strings.Repeat("word ", 50)}, "the model's context is 40"},
		{[]string{"--prompt", "x"}, "--model DIR is required"},
		{[]string{"--model", dir, "--prompt", "x", "--temperature", "-1"}, "rim generate: generate: temperature -1: must be"},
		{[]string{"--model", dir, "--prompt", "x", "--template", "gpt"}, `unknown family "gpt"`},
		{[]string{"--model", dir, "--prompt", "x", "--template", "llama3"}, "--template llama3: chat: the llama3 template writes <|start_header_id|>, which the tokenizer does not have"},
		{[]string{"--model", dir, "--prompt", "x", "--raw", "--system", "s"}, "raw mode takes plain"},
		{[]string{"--model", filepath.Join(dir, "nope"), "--prompt", "x"}, "nope"},
	} {
		var stderr bytes.Buffer
		code := run(append([]string{"generate", "--quiet"}, c.args...), &stderr)
		if code != 1 || !strings.Contains(stderr.String(), "rim generate: ") || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}

func TestGenerateInterventions(t *testing.T) {
	dir := gentest.WriteChatModel(t, nil)
	tmp := t.TempDir()
	good := filepath.Join(tmp, "good.json")
	bad := filepath.Join(tmp, "bad.json")
	os.WriteFile(good, []byte(`[{"site": "blocks.1.attn.hook_z", "kind": "zero", "heads": [0], "scope": "generated"}]`), 0o644)
	os.WriteFile(bad, []byte(`[{"site": "blocks.7.attn.hook_z", "kind": "zero", "heads": [0]}]`), 0o644)
	gen := func(extra ...string) (string, string, error) {
		var out, errw bytes.Buffer
		args := append([]string{"--model", dir, "--prompt", "Hello", "--max-tokens", "6", "--quiet"}, extra...)
		err := generateCmd(context.Background(), args, &out, &errw)
		return out.String(), errw.String(), err
	}
	plain, _, err := gen()
	if err != nil {
		t.Fatal(err)
	}
	ablated, stderr, err := gen("--interventions", good)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, `intervention: {"site":"blocks.1.attn.hook_z","kind":"zero","heads":[0],"scope":"generated"}`) {
		t.Errorf("intervention not printed: %q", stderr)
	}
	if plain == ablated {
		t.Errorf("ablating a head changed nothing:\n%s", plain)
	}
	think := filepath.Join(tmp, "think.json")
	os.WriteFile(think, []byte(`[{"site": "blocks.1.attn.hook_z", "kind": "zero", "heads": [0], "scope": "think"}]`), 0o644)
	// Think-scoped interventions run on mixed batches (per-row masks): the
	// batched records equal those of --batch 1.
	out, stderr, err := gen("--interventions", think, "--prompt", "Another one", "--think", "on", "--batch", "4")
	one, _, err1 := gen("--interventions", think, "--prompt", "Another one", "--think", "on", "--batch", "1")
	if err != nil || err1 != nil || strings.Contains(stderr, "one prompt at a time") || strings.Count(out, "\n") != 2 || out != one {
		t.Errorf("think scope with --batch 4: %v %v\n%s\n%s\n--batch 1:\n%s", err, err1, stderr, out, one)
	}
	if _, _, err := gen("--interventions", bad); err == nil || !strings.Contains(err.Error(), "model has 2 layers") {
		t.Errorf("bad layer: %v", err)
	}
	// A typo of "neurons" must not silently select every neuron.
	typo := filepath.Join(tmp, "iv.json")
	os.WriteFile(typo, []byte(`[{"site":"blocks.1.mlp.hook_post","kind":"zero","neuron":[3]}]`), 0o644)
	if _, _, err := gen("--interventions", typo); err == nil || err.Error() != typo+`: unknown field "neuron"` {
		t.Errorf("unknown field: %v", err)
	}
}

func TestServeCommand(t *testing.T) {
	dir := gentest.WriteChatModel(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	var stderr bytes.Buffer
	go func() {
		errc <- serveCmd(ctx, []string{"--model", dir, "--addr", "127.0.0.1:0", "--name", "tiny", "--max-tokens", "8"}, &stderr, func(a net.Addr) { addrc <- a })
	}()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start")
	}
	url := "http://" + addr.String() + "/v1/chat/completions"
	body := `{"model": "tiny", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 6, "chat_template_kwargs": {"enable_thinking": false}}`
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var c struct {
		Choices []struct {
			Message      struct{ Content string }
			FinishReason string `json:"finish_reason"`
		}
		Usage struct {
			CompletionTokens int `json:"completion_tokens"`
		}
	}
	if err := json.Unmarshal(b, &c); err != nil || resp.StatusCode != 200 || len(c.Choices) != 1 || c.Usage.CompletionTokens < 1 || c.Usage.CompletionTokens > 6 {
		t.Fatalf("%d %s (%v)", resp.StatusCode, b, err)
	}
	resp, err = http.Post(url, "application/json", strings.NewReader(`{"messages": [{"role": "user", "content": "x"}], "max_tokens": 9}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "max_tokens is 9: must be between 1 and 8") {
		t.Errorf("over the limit: %d %s", resp.StatusCode, b)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Error(err)
	}
	if !strings.Contains(stderr.String(), `model "tiny" on http://127.0.0.1:`) {
		t.Errorf("banner: %q", stderr.String())
	}
}

func TestBenchGenerateCommand(t *testing.T) {
	dir := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3")
	var out bytes.Buffer
	if err := benchGenerateCmd([]string{"--model", dir, "--batch", "1,3", "--new-tokens", "4", "--prompt-len", "5"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "batch 1, prompt 5, 4 new tokens") || !strings.Contains(s, "batch 3, prompt 5, 4 new tokens") || !strings.Contains(s, "tokens/s") {
		t.Errorf("output:\n%s", s)
	}
	var stderr bytes.Buffer
	if code := run([]string{"bench", "generate", "--model", dir, "--batch", "0"}, &stderr); code != 1 || !strings.Contains(stderr.String(), "--batch") {
		t.Errorf("bad --batch: exit %d %q", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"bench", "generate", "--model", dir, "--random"}, &stderr); code != 1 || !strings.Contains(stderr.String(), "not both") {
		t.Errorf("--model with --random: exit %d %q", code, stderr.String())
	}
}

func TestGenerateUnknownRole(t *testing.T) {
	dir := gentest.WriteChatModel(t, nil)
	p := filepath.Join(t.TempDir(), "p.jsonl")
	os.WriteFile(p, []byte(`{"messages": [{"role": "wizard", "content": "obey"}, {"role": "user", "content": "hi"}]}`+"\n"), 0o644)
	var out, errw bytes.Buffer
	err := generateCmd(context.Background(), []string{"--model", dir, "--prompts", p, "--max-tokens", "2", "--quiet"}, &out, &errw)
	if err == nil || !strings.Contains(err.Error(), `role "wizard"`) {
		t.Errorf("err %v, out %s", err, out.String())
	}
}

// A prompt longer than the context is named by its index in the file, is
// written as an error record, and the other prompts are still generated
// (with the random stream of their own index).
func TestGenerateSkipsTooLongPrompt(t *testing.T) {
	dir := gentest.WriteChatModel(t, map[string]any{"max_position_embeddings": 40})
	tmp := t.TempDir()
	gen := func(middle string) ([]generate.Record, error) {
		out := filepath.Join(tmp, "out.jsonl")
		os.Remove(out)
		args := []string{"--model", dir, "--prompt", "Hi", "--prompt", "Hello", "--prompt", middle, "--prompt", "Another one",
			"--batch", "2", "--max-tokens", "3", "--temperature", "1", "--seed", "7", "--think", "off", "--quiet", "--out", out}
		err := generateCmd(context.Background(), args, io.Discard, io.Discard)
		data, rerr := os.ReadFile(out)
		if rerr != nil {
			t.Fatalf("%v (run: %v)", rerr, err)
		}
		var recs []generate.Record
		for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var r generate.Record
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			recs = append(recs, r)
		}
		return recs, err
	}
	ok, err := gen("Yo")
	if err != nil || len(ok) != 4 {
		t.Fatalf("%v %v", ok, err)
	}
	recs, err := gen(strings.Repeat("word ", 50))
	if err == nil || !strings.Contains(err.Error(), "1 of 4 prompts not generated") || !strings.Contains(err.Error(), "prompt 2 has") {
		t.Fatalf("err %v", err)
	}
	if len(recs) != 4 || recs[2].Index != 2 || !strings.Contains(recs[2].Error, "prompt 2 has") || recs[2].OutputTokens != 0 {
		t.Fatalf("records %+v", recs)
	}
	for _, i := range []int{0, 1, 3} {
		if recs[i].Index != i || recs[i].Error != "" || recs[i].Text != ok[i].Text {
			t.Errorf("record %d: %+v, want text %q", i, recs[i], ok[i].Text)
		}
	}
}

// think_closed is true when the template (--think off) or the prefill closed
// the think block before generation.
func TestGenerateThinkClosedInPrompt(t *testing.T) {
	dir := gentest.WriteChatModel(t, nil)
	for _, extra := range [][]string{{"--think", "off"}, {"--think", "on", "--prefill", "<think>\nok\n</think>\n\n"}} {
		var o bytes.Buffer
		args := append([]string{"--model", dir, "--prompt", "Hi", "--max-tokens", "3", "--quiet"}, extra...)
		if err := generateCmd(context.Background(), args, &o, io.Discard); err != nil {
			t.Fatal(err)
		}
		var r generate.Record
		if err := json.Unmarshal(o.Bytes(), &r); err != nil || !r.ThinkClosed || r.Thinking != "" || r.Answer != r.Text {
			t.Errorf("%v: %s (%v)", extra, o.String(), err)
		}
	}
}

func TestServeURL(t *testing.T) {
	for addr, want := range map[string]struct {
		url     string
		exposed bool
	}{
		"127.0.0.1:8000":    {"http://127.0.0.1:8000/v1", false},
		"[::1]:8000":        {"http://[::1]:8000/v1", false},
		"0.0.0.0:8000":      {"http://127.0.0.1:8000/v1", true},
		"[::]:8000":         {"http://localhost:8000/v1", true},
		"192.168.1.20:8000": {"http://192.168.1.20:8000/v1", true},
	} {
		tcp, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		url, exposed := serveURL(tcp)
		if url != want.url || exposed != want.exposed {
			t.Errorf("%s: %s %v, want %s %v", addr, url, exposed, want.url, want.exposed)
		}
	}
}
