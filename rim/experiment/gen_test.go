package experiment

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rimlab/rim/rim/analysis/capture"
	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
	"github.com/rimlab/rim/rim/eval/respond"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/serve"
)

// rimServe starts rim serve's handler over the tiny model (tokenizer tokDir) on loopback and returns its
// GenServer.
func rimServe(t *testing.T, tokDir string) GenServer {
	t.Helper()
	l, err := Load(testpaths.TestData(t, "model", "tiny-qwen3"), tokDir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	l.Chat.Name = "tiny-qwen3" // served under the model's name, not the tokenizer dir's
	ts := httptest.NewServer(serve.New(l.Chat, serve.Options{}))
	t.Cleanup(ts.Close)
	return GenServer{BaseURL: ts.URL + "/v1", Model: l.Chat.ModelName()}
}

// Responses through a real server (rim serve over the same model, on loopback) equal rim's engine's greedy
// responses, in think and no-think mode and with the template's default.
func TestServerRespondEqualsEngine(t *testing.T) {
	tokDir := testpaths.TestData(t, "model", "tiny-qwen3")
	g := rimServe(t, tokDir)
	m, _ := tiny(t)
	ps := append(slices.Clone(prompts), "What is 2 + 2?", "Write a poem about the sea.")
	for _, think := range []*bool{chat.Bool(true), chat.Bool(false), nil} {
		o := RespondOptions{Think: think, MaxTokens: 16, Batch: 3}
		local, err := Respond(context.Background(), m, tokDir, ps, o)
		if err != nil {
			t.Fatal(err)
		}
		served, err := ServerRespond(context.Background(), g, tokDir, ps, o)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(local, served) {
			t.Errorf("think %v:\nengine %q\nserver %q", thinkParam(think), local, served)
		}
		if think != nil && !*think && !strings.HasPrefix(served[0], "<think>\n\n</think>\n\n") {
			t.Errorf("no-think response %q lacks the closed empty think block the engine's responses have", served[0])
		}
	}
}

// ServerOutput reads back what rim's engine would output for every kind of generated text, whether the
// server returns the text itself (no reasoning parser) or split into reasoning and content (rim serve,
// vLLM with a reasoning parser), for prompts whose think block is open, closed or absent at the start.
func TestServerOutputMatchesEngineSplit(t *testing.T) {
	tags := generate.QwenThinkTags(1, 2)
	prompts := map[string][]int{"none": {5, 6}, "open": {5, 1, 6}, "closed": {5, 1, 2, 6}}
	texts := []string{"plain answer", "<think>\nreason\n</think>\n\nanswer", "<think>\ncut off", "<think>\nr\n</think>\n\n",
		"reason only\n</think>\n\nanswer", "still thinking", "", "<think>\na</think>b</think>\n\nc"}
	for name, ids := range prompts {
		started, closed := name == "open", name == "closed"
		for _, text := range texts {
			// The engine's output (generate's row.output) and its response.
			var want generate.Output
			want.Thinking, want.Answer, want.ThinkClosed = tags.Split(text, started)
			if !want.ThinkClosed && closed && !strings.HasPrefix(strings.TrimLeft(text, " \t\n"), tags.Open) {
				want.ThinkClosed = true
			}
			wantResp := respond.Assemble("", want)
			raw := respond.Assemble("", ServerOutput(tags, ids, chatapi.Reply{Content: text}))
			split := respond.Assemble("", ServerOutput(tags, ids, chatapi.Reply{Content: want.Answer, Reasoning: want.Thinking}))
			if raw != wantResp {
				t.Errorf("prompt %s, text %q as content: %q, engine %q", name, text, raw, wantResp)
			}
			// The one documented ambiguity: a think block closed on an empty answer reads back as cut off.
			if split != wantResp && !(want.ThinkClosed && want.Answer == "" && want.Thinking != "") {
				t.Errorf("prompt %s, text %q as reasoning %q + content %q: %q, engine %q", name, text, want.Thinking, want.Answer, split, wantResp)
			}
		}
	}
}

// The request carries the think mode as chat_template_kwargs.enable_thinking, temperature 0, max_tokens
// from the options, the server's model name and the API key as a Bearer token.
func TestServerRequestBody(t *testing.T) {
	var bodies []map[string]any
	var auth atomic.Value
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			t.Error(err)
		}
		auth.Store(r.Header.Get("Authorization"))
		bodies = append(bodies, b)
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "ok"}, "finish_reason": "stop"}}})
	}))
	defer ts.Close()
	g := GenServer{BaseURL: ts.URL + "/v1", Model: "Qwen/Qwen3-8B", APIKey: "sk-test"}
	tokDir := testpaths.TestData(t, "model", "tiny-qwen3")
	for _, think := range []bool{true, false} {
		bodies = nil
		rs, err := ServerRespond(context.Background(), g, tokDir, []string{"hi"}, RespondOptions{Think: &think, MaxTokens: 33, Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		b := bodies[0]
		kw, _ := b["chat_template_kwargs"].(map[string]any)
		msgs, _ := b["messages"].([]any)
		if kw["enable_thinking"] != think || b["temperature"] != float64(0) || b["max_tokens"] != float64(33) || b["model"] != "Qwen/Qwen3-8B" || len(msgs) != 1 {
			t.Errorf("think %v: body %v", think, b)
		}
		want := "ok"
		if !think {
			want = "<think>\n\n</think>\n\nok"
		}
		if rs[0] != want {
			t.Errorf("think %v: response %q, want %q", think, rs[0], want)
		}
	}
	if auth.Load() != "Bearer sk-test" {
		t.Errorf("Authorization %q", auth.Load())
	}
}

// An unreachable server, interventions and a prefill are errors naming RIM_GEN_BASE_URL (or the flag that
// set it).
func TestServerErrorsNameTheSetting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	tokDir := testpaths.TestData(t, "model", "tiny-qwen3")
	g := GenServer{BaseURL: "http://" + addr + "/v1", Model: "m"}
	o := RespondOptions{MaxTokens: 4, Batch: 2}
	if _, err := ServerRespond(context.Background(), g, tokDir, []string{"a", "b"}, o); err == nil || !strings.HasPrefix(err.Error(), "RIM_GEN_BASE_URL=http://"+addr+"/v1") || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("unreachable: %v", err)
	}
	g.From = "--gen-base-url"
	if _, err := ServerRespond(context.Background(), g, tokDir, []string{"a"}, o); err == nil || !strings.HasPrefix(err.Error(), "--gen-base-url=") {
		t.Errorf("unreachable, flag: %v", err)
	}
	g.From = ""
	oi := o
	oi.Interventions = capture.HeadAblations([]heads.Head{{Layer: 0, Head: 0}})
	if _, err := ServerRespond(context.Background(), g, tokDir, []string{"a"}, oi); err == nil || !strings.HasPrefix(err.Error(), "RIM_GEN_BASE_URL is set") || !strings.Contains(err.Error(), "intervention") {
		t.Errorf("interventions: %v", err)
	}
	op := o
	op.Prefill = "<think>\nI will comply."
	if _, err := ServerRespond(context.Background(), g, tokDir, []string{"a"}, op); err == nil || !strings.HasPrefix(err.Error(), "RIM_GEN_BASE_URL is set") || !strings.Contains(err.Error(), "prefill") {
		t.Errorf("prefill: %v", err)
	}
}

// Responses cached from the engine are not served for a server, nor one server's for another model: the key
// holds the server's URL and model instead of the local model's fingerprint. A repeat is read from the cache.
func TestServerCacheKeys(t *testing.T) {
	var calls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var b struct{ Model string }
		json.NewDecoder(r.Body).Decode(&b)
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "from " + b.Model}}}})
	}))
	defer ts.Close()
	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	ps := []data.Prompt{{ID: "a", Text: "Hi"}}
	o := RespondOptions{Think: chat.Bool(true), MaxTokens: 4, Batch: 1}
	local, err := CachedResponses(c, dir, dir, ps, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		model string
		calls int64
	}{{"m1", 1}, {"m2", 2}, {"m1", 2}} {
		o.Server = GenServer{BaseURL: ts.URL + "/v1", Model: want.model}
		got, err := CachedResponses(c, dir, dir, ps, o)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != "from "+want.model || got[0] == local[0] || calls.Load() != want.calls {
			t.Errorf("call %d (%s): %q after %d requests, want %q after %d (engine: %q)", i, want.model, got, calls.Load(), "from "+want.model, want.calls, local)
		}
	}
}

// The settings: RIM_GEN_* are read (the key never stored in JSON), RIM_GEN_MODEL alone or without a base
// URL, several RIM_MODELS, a fine-tuned model's responses and engine-only items are errors naming the
// setting; Table 1 through rim serve equals Table 1 in the engine, its source line naming the server.
func TestGenSettings(t *testing.T) {
	clearEnv(t)
	t.Setenv("RIM_GEN_MODEL", "m")
	if _, err := FromEnv(); err == nil || !strings.HasPrefix(err.Error(), "RIM_GEN_MODEL=m is set but RIM_GEN_BASE_URL is not") {
		t.Errorf("model alone: %v", err)
	}
	t.Setenv("RIM_GEN_MODEL", "")
	t.Setenv("RIM_GEN_BASE_URL", "http://127.0.0.1:8000/v1")
	if s, err := FromEnv(); err != nil {
		t.Errorf("no model yet (a flag may give it): %v", err)
	} else if err := s.Check(); err == nil || !strings.HasPrefix(err.Error(), "RIM_GEN_BASE_URL=http://127.0.0.1:8000/v1:") || !strings.Contains(err.Error(), "RIM_GEN_MODEL") {
		t.Errorf("no model: %v", err)
	}
	t.Setenv("RIM_GEN_MODEL", "Qwen/Qwen3-8B")
	t.Setenv("RIM_GEN_API_KEY", "sk-secret")
	s, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	if s.Gen.Model != "Qwen/Qwen3-8B" || s.Gen.APIKey != "sk-secret" || strings.Contains(string(b), "sk-secret") || !strings.Contains(string(b), `"base_url":"http://127.0.0.1:8000/v1"`) {
		t.Errorf("settings %+v, JSON %s", s.Gen, b)
	}
	g := GenServer{BaseURL: "http://user:pw@127.0.0.1:8000/v1?token=t", Model: "m", APIKey: "k"}
	if b, _ := json.Marshal(g); strings.Contains(string(b), "pw") || strings.Contains(string(b), "=t") || strings.Contains(g.Source(), "pw") {
		t.Errorf("credentials in %s / %q", b, g.Source())
	}
	t.Setenv("RIM_MODELS", "/a,/b")
	if _, err := FromEnv(); err == nil || !strings.HasPrefix(err.Error(), "RIM_GEN_BASE_URL is set") || !strings.Contains(err.Error(), "RIM_MODELS") {
		t.Errorf("several models: %v", err)
	}

	s = demoSettings(t)
	off, _ := json.Marshal(s)
	if strings.Contains(string(off), "Gen") {
		t.Errorf("an unset server is in the settings' JSON (it would change every result's cache key): %s", off)
	}
	engine, err := Table1(s, Table1Options{Samples: 3})
	if err != nil {
		t.Fatal(err)
	}
	s.Gen = rimServe(t, s.TokenizerDir())
	served, err := Table1(s, Table1Options{Samples: 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := "measured on tiny-qwen3 via " + s.Gen.BaseURL; served.Source != want {
		t.Errorf("source %q, want %q", served.Source, want)
	}
	for i, row := range served.Models[0].Rows {
		if e := engine.Models[0].Rows[i]; row.Report.Rate != e.Report.Rate || row.Examples[0] != e.Examples[0] {
			t.Errorf("%s: server %+v %q, engine %+v %q", row.Mode, row.Report.Rate, row.Examples[0].Response, e.Report.Rate, e.Examples[0].Response)
		}
	}
	ps := []data.Prompt{{ID: "a", Text: "Hi"}}
	if _, err := s.Responses(filepath.Join(t.TempDir(), "tuned"), ps, nil, ""); err == nil || !strings.HasPrefix(err.Error(), "RIM_GEN_BASE_URL is set") {
		t.Errorf("another model: %v", err)
	}
	for item, run := range map[string]func() error{
		"fig2":   func() error { _, err := Fig2(s, Fig2Options{}); return err },
		"fig6":   func() error { _, err := Fig6(s, Fig6Options{}); return err },
		"table2": func() error { _, err := Table2(s, Table2Options{}); return err },
	} {
		if err := run(); err == nil || !strings.HasPrefix(err.Error(), "RIM_GEN_BASE_URL is set") || !strings.Contains(err.Error(), item) {
			t.Errorf("%s: %v", item, err)
		}
	}
}
