package chatapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func reply(w http.ResponseWriter, text string) {
	json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": text}}}})
}

func TestBatchConcurrencyLimitAndCache(t *testing.T) {
	var inFlight, peak, calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		var req struct {
			Messages []Message `json:"messages"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		reply(w, "echo "+req.Messages[0].Content)
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Model: "m", Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	cache := &Cache{Dir: t.TempDir()}
	var jobs []Job
	for i := 0; i < 8; i++ {
		s := string(rune('a' + i))
		jobs = append(jobs, Job{Key: Key("m", s), Req: Request{Messages: []Message{{Role: "user", Content: s}}}})
	}
	res, err := c.Batch(context.Background(), cache, jobs)
	if err != nil {
		t.Fatal(err)
	}
	if peak.Load() > 2 || peak.Load() < 2 {
		t.Errorf("peak concurrency %d, want 2", peak.Load())
	}
	for i, r := range res {
		if r.Err != nil || r.Reply != "echo "+string(rune('a'+i)) || r.Cached {
			t.Errorf("job %d: %+v", i, r)
		}
	}
	res, _ = c.Batch(context.Background(), cache, jobs)
	if calls.Load() != 8 || !res[3].Cached || res[3].Reply != "echo d" {
		t.Errorf("cached rerun: calls %d, %+v", calls.Load(), res[3])
	}
	// A corrupt cache entry is a miss, not an error.
	p := cache.path(jobs[0].Key)
	os.WriteFile(p, []byte("{garbage"), 0o644)
	if _, ok := cache.Get(jobs[0].Key); ok {
		t.Error("corrupt entry served")
	}
	if _, err := os.Stat(filepath.Dir(p)); err != nil {
		t.Error(err)
	}
}

func TestRetryAfterAndGiveUp(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", 429)
			return
		}
		http.Error(w, "bad request: nope", 400)
	}))
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL, Model: "m", Backoff: time.Millisecond, APIKey: "sk-hidden"})
	start := time.Now()
	_, err := c.Complete(context.Background(), Request{Messages: []Message{{Role: "user", Content: "x"}}})
	if time.Since(start) < 900*time.Millisecond {
		t.Errorf("Retry-After ignored: %v", time.Since(start))
	}
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 400 || calls.Load() != 2 || !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("400 must not be retried: %v after %d calls", err, calls.Load())
	}
	if strings.Contains(err.Error(), "sk-hidden") {
		t.Error("key leaked")
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) }))
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL, Model: "m", Backoff: 200 * time.Millisecond, MaxRetries: 50})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Batch(ctx, nil, []Job{{Req: Request{}}, {Req: Request{}}})
	if err == nil || !strings.Contains(err.Error(), "deadline") || time.Since(start) > 2*time.Second {
		t.Errorf("cancel: %v after %v", err, time.Since(start))
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv("RIM_JUDGE_BASE_URL", "")
	t.Setenv("OPENAI_BASE_URL", "http://fallback")
	t.Setenv("RIM_JUDGE_MODEL", "gpt-4.1")
	t.Setenv("RIM_JUDGE_API_KEY", "k1")
	cfg := FromEnv("RIM_JUDGE")
	if cfg.BaseURL != "http://fallback" || cfg.Model != "gpt-4.1" || cfg.APIKey != "k1" {
		t.Errorf("%+v", cfg)
	}
	if Key("ab", "c") == Key("a", "bc") {
		t.Error("key parts run together")
	}
}

// A missing endpoint or model names the flag and the environment variables
// that set it, not an empty "_BASE_URL".
func TestMissingSettingNamesVariable(t *testing.T) {
	t.Setenv("RIM_JUDGE_BASE_URL", "")
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("RIM_JUDGE_MODEL", "")
	cfg := FromEnv("RIM_JUDGE")
	cfg.BaseURLFlag, cfg.ModelFlag = "--judge-base-url", "--judge-model"
	_, err := New(cfg)
	if err == nil || err.Error() != "chatapi: no base URL (pass --judge-base-url or set RIM_JUDGE_BASE_URL or OPENAI_BASE_URL)" {
		t.Errorf("base URL: %v", err)
	}
	cfg.BaseURL = "http://x/v1"
	_, err = New(cfg)
	if err == nil || err.Error() != "chatapi: no model name (pass --judge-model or set RIM_JUDGE_MODEL)" {
		t.Errorf("model: %v", err)
	}
	if _, err := New(Config{}); err == nil || strings.Contains(err.Error(), " _") || !strings.Contains(err.Error(), "Config.BaseURL") {
		t.Errorf("bare config: %v", err)
	}
}

// Think is sent as chat_template_kwargs.enable_thinking (vLLM's, SGLang's and rim serve's field) and only
// when set; CompleteReply returns the split-off reasoning, a null content with reasoning and the finish
// reason, where Complete still calls a null content malformed.
func TestThinkFieldAndReply(t *testing.T) {
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		json.NewDecoder(r.Body).Decode(&b)
		bodies = append(bodies, b)
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{
			"message": map[string]any{"content": nil, "reasoning_content": "still thinking"}, "finish_reason": "length"}}})
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Model: "m", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	off := false
	r, err := c.CompleteReply(context.Background(), Request{Messages: []Message{{Role: "user", Content: "q"}}, Think: &off, MaxTokens: 7})
	if err != nil {
		t.Fatal(err)
	}
	if r != (Reply{Reasoning: "still thinking", Finish: "length"}) {
		t.Errorf("reply %+v", r)
	}
	kw, ok := bodies[0]["chat_template_kwargs"].(map[string]any)
	if !ok || kw["enable_thinking"] != false || bodies[0]["max_tokens"] != float64(7) || bodies[0]["temperature"] != float64(0) {
		t.Errorf("request body %v: want chat_template_kwargs.enable_thinking false, max_tokens 7, temperature 0", bodies[0])
	}
	if _, err := c.Complete(context.Background(), Request{Messages: []Message{{Role: "user", Content: "q"}}}); err == nil {
		t.Error("Complete accepted a null content")
	}
	if _, ok := bodies[1]["chat_template_kwargs"]; ok {
		t.Errorf("Think nil sent chat_template_kwargs: %v", bodies[1])
	}
	res, err := c.Batch(context.Background(), nil, []Job{{Req: Request{Messages: []Message{{Role: "user", Content: "q"}}}, Reply: true}})
	if err != nil || res[0].Err != nil || res[0].Reasoning != "still thinking" || res[0].Finish != "length" {
		t.Errorf("batch %+v, %v", res, err)
	}
}
