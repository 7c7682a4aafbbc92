package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/generate"
)

// echoModel answers "echo: <last user message>" after a short think block,
// streaming it word by word, and records what it was asked.
type echoModel struct {
	mu   sync.Mutex
	last struct {
		conv generate.Conversation
		opt  generate.ChatOptions
	}
}

func (m *echoModel) ModelName() string { return "tiny" }

func (m *echoModel) Complete(ctx context.Context, conv generate.Conversation, opt generate.ChatOptions) (generate.Output, error) {
	m.mu.Lock()
	m.last.conv, m.last.opt = conv, opt
	m.mu.Unlock()
	user := conv.Messages[len(conv.Messages)-1].Content
	switch user {
	case "too long":
		return generate.Output{}, &generate.InputError{Msg: "generate: prompt 0 has 99 tokens, the model's context is 64: no room for new tokens", Err: generate.ErrContextLength}
	case "boom":
		return generate.Output{}, fmt.Errorf("model: out of memory")
	}
	if conv.Messages[0].Role == "assistant" {
		return generate.Output{}, &generate.InputError{Msg: "chat: template error: Conversation roles must alternate"}
	}
	words := strings.Fields("echo: " + user)
	o := generate.Output{PromptTokens: 7, Finish: generate.FinishStop}
	think := conv.Think == nil || *conv.Think
	if think {
		o.Thinking = "hmm"
		o.ThinkTokens = 3
		o.ThinkClosed = true
		if opt.OnDelta != nil {
			opt.OnDelta(generate.Delta{Thinking: "hm"})
			opt.OnDelta(generate.Delta{Thinking: "m"})
		}
	}
	if len(words) > opt.MaxTokens {
		words, o.Finish = words[:opt.MaxTokens], generate.FinishLength
	}
	for i, w := range words {
		if i > 0 {
			w = " " + w
		}
		o.Answer += w
		if opt.OnDelta != nil {
			opt.OnDelta(generate.Delta{Answer: w})
		}
	}
	o.IDs = make([]int, o.ThinkTokens+len(words))
	o.AnswerTokens = len(words)
	return o, nil
}

func newTestServer(t *testing.T, opt Options) (*httptest.Server, *echoModel) {
	m := &echoModel{}
	ts := httptest.NewServer(New(m, opt)) // a real listener on 127.0.0.1
	t.Cleanup(ts.Close)
	return ts, m
}

func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestChatCompletion(t *testing.T) {
	ts, m := newTestServer(t, Options{})
	resp, b := post(t, ts.URL, `{"model":"tiny","messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hello"},{"type":"text","text":"world"}]}],
		"max_tokens":10,"temperature":0.5,"top_p":0.9,"top_k":20,"seed":7,"stop":["\n\n"],"chat_template_kwargs":{"enable_thinking":true},"logprobs":false}`)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var c struct {
		ID, Object, Model string
		Choices           []struct {
			Index   int
			Message struct {
				Role, Content    string
				ReasoningContent string `json:"reasoning_content"`
			}
			FinishReason string `json:"finish_reason"`
		}
		Usage struct {
			PromptTokens            int `json:"prompt_tokens"`
			CompletionTokens        int `json:"completion_tokens"`
			TotalTokens             int `json:"total_tokens"`
			CompletionTokensDetails struct {
				ReasoningTokens int `json:"reasoning_tokens"`
			} `json:"completion_tokens_details"`
		}
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.Object != "chat.completion" || c.Model != "tiny" || !strings.HasPrefix(c.ID, "chatcmpl-") || len(c.Choices) != 1 {
		t.Fatalf("bad envelope: %s", b)
	}
	ch := c.Choices[0]
	if ch.Message.Role != "assistant" || ch.Message.Content != "echo: hello world" || ch.Message.ReasoningContent != "hmm" || ch.FinishReason != "stop" {
		t.Errorf("bad choice: %s", b)
	}
	if c.Usage.PromptTokens != 7 || c.Usage.CompletionTokens != 6 || c.Usage.TotalTokens != 13 || c.Usage.CompletionTokensDetails.ReasoningTokens != 3 {
		t.Errorf("bad usage: %s", b)
	}
	opt := m.last.opt
	if opt.MaxTokens != 10 || opt.Sampling != (generate.Sampling{Temperature: 0.5, TopP: 0.9, TopK: 20, Seed: 7}) || len(opt.Stop) != 1 || opt.Stop[0] != "\n\n" {
		t.Errorf("options reached the model as %+v", opt)
	}
	if conv := m.last.conv; conv.Think == nil || !*conv.Think || conv.Messages[1].Content != "hello\nworld" || conv.Messages[0].Role != "system" {
		t.Errorf("conversation reached the model as %+v", conv)
	}
	// Defaults: greedy, max tokens = the server's limit, a single stop string.
	post(t, ts.URL, `{"messages":[{"role":"user","content":"hi"}],"stop":"END"}`)
	if opt := m.last.opt; opt.Sampling != (generate.Sampling{}) || opt.MaxTokens != 4096 || len(opt.Stop) != 1 || opt.Stop[0] != "END" {
		t.Errorf("defaults: %+v", opt)
	}
}

func TestStreaming(t *testing.T) {
	ts, _ := newTestServer(t, Options{})
	resp, err := http.Post(ts.URL+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"messages":[{"role":"user","content":"a b c"}],"stream":true,"stream_options":{"include_usage":true},"max_tokens":3}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	var content, reasoning, role, finish string
	var usage map[string]any
	done := false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("not an SSE data line: %q", line)
		}
		if data == "[DONE]" {
			done = true
			break
		}
		var ch struct {
			Object  string
			Choices []struct {
				Delta struct {
					Role, Content    string
					ReasoningContent string `json:"reasoning_content"`
				}
				FinishReason *string `json:"finish_reason"`
			}
			Usage map[string]any
		}
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			t.Fatal(err)
		}
		if ch.Object != "chat.completion.chunk" {
			t.Fatalf("object %q", ch.Object)
		}
		if ch.Usage != nil {
			usage = ch.Usage
		}
		for _, c := range ch.Choices {
			role += c.Delta.Role
			content += c.Delta.Content
			reasoning += c.Delta.ReasoningContent
			if c.FinishReason != nil {
				finish = *c.FinishReason
			}
		}
	}
	if !done || role != "assistant" || content != "echo: a b" || reasoning != "hmm" || finish != "length" {
		t.Errorf("stream: done %v role %q content %q reasoning %q finish %q", done, role, content, reasoning, finish)
	}
	if usage == nil || usage["completion_tokens"].(float64) != 6 {
		t.Errorf("usage chunk: %v", usage)
	}
}

func TestModels(t *testing.T) {
	ts, _ := newTestServer(t, Options{})
	resp, err := http.Get(ts.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l struct {
		Object string
		Data   []struct{ ID, Object string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || l.Object != "list" || len(l.Data) != 1 || l.Data[0].ID != "tiny" || l.Data[0].Object != "model" {
		t.Errorf("/v1/models: %d %+v", resp.StatusCode, l)
	}
}

func TestErrors(t *testing.T) {
	ts, _ := newTestServer(t, Options{MaxRequestBytes: 400, MaxTokens: 100})
	for _, c := range []struct {
		body   string
		status int
		want   string
		code   string
	}{
		{`{"messages":[`, 400, "not valid JSON", ""},
		{`{"messages":[]}`, 400, "messages must be a non-empty list", ""},
		{`{"model":"gpt-4","messages":[{"role":"user","content":"x"}]}`, 404, `model "gpt-4" does not exist`, "model_not_found"},
		{`{"messages":[{"role":"user","content":"x"}],"max_tokens":0}`, 400, "max_tokens is 0", ""},
		{`{"messages":[{"role":"user","content":"x"}],"max_tokens":-5}`, 400, "max_tokens is -5", ""},
		{`{"messages":[{"role":"user","content":"x"}],"max_completion_tokens":101}`, 400, "must be between 1 and 100", ""},
		{`{"messages":[{"role":"user","content":"x"}],"temperature":-1}`, 400, "temperature", ""},
		{`{"messages":[{"role":"user","content":"x"}],"temperature":3}`, 400, "temperature is 3", ""},
		{`{"messages":[{"role":"user","content":"x"}],"top_p":2}`, 400, "top_p", ""},
		{`{"messages":[{"role":"user","content":"x"}],"n":2}`, 400, "only n = 1", ""},
		{`{"messages":[{"role":"user","content":"x"}],"logprobs":true}`, 400, "logprobs is not supported", "unsupported_parameter"},
		{`{"messages":[{"role":"user","content":"x"}],"top_logprobs":5}`, 400, "top_logprobs is not supported", "unsupported_parameter"},
		{`{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}]}`, 400, "tools is not supported", "unsupported_parameter"},
		{`{"messages":[{"role":"user","content":"x"}],"tool_choice":"required"}`, 400, "tool_choice is not supported", "unsupported_parameter"},
		{`{"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}`, 400, "response_format is not supported", "unsupported_parameter"},
		{`{"messages":[{"role":"user","content":"x"}],"stop":[1]}`, 400, "stop must be", ""},
		{`{"messages":[{"role":"user","content":"x"}],"stop":[""]}`, 400, "stop[0] is empty", ""},
		{`{"messages":[{"content":"x"}]}`, 400, "messages[0] has no role", ""},
		{`{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`, 400, "only text parts", ""},
		{`{"messages":[{"role":"user","content":"too long"}]}`, 400, "context is 64", "context_length_exceeded"},
		{`{"messages":[{"role":"assistant","content":"x"}]}`, 400, "roles must alternate", ""},
		{`{"messages":[{"role":"user","content":"boom"}]}`, 500, "out of memory", ""},
		{`{"messages":[{"role":"user","content":"` + strings.Repeat("x", 500) + `"}]}`, 413, "larger than the server's limit of 400 bytes", ""},
	} {
		resp, b := post(t, ts.URL, c.body)
		var e struct {
			Error struct {
				Message, Type string
				Code          *string
			}
		}
		if err := json.Unmarshal(b, &e); err != nil {
			t.Errorf("%s: body is not JSON: %s", c.body, b)
			continue
		}
		if resp.StatusCode != c.status || !strings.Contains(e.Error.Message, c.want) || e.Error.Type == "" {
			t.Errorf("%.60s: %d %s; want %d containing %q", c.body, resp.StatusCode, b, c.status, c.want)
		}
		if c.code != "" && (e.Error.Code == nil || *e.Error.Code != c.code) {
			t.Errorf("%.60s: code %v, want %s", c.body, e.Error.Code, c.code)
		}
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/chat/completions", 405}, {"POST", "/v1/models", 405}, {"GET", "/v1/nothing", 404},
	} {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(b), `"error"`) {
			t.Errorf("%s %s: %d %s", c.method, c.path, resp.StatusCode, b)
		}
	}
}

// ListenAndServe binds the loopback address it is given, answers, and
// shuts down when its context ends.
func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- New(&echoModel{}, Options{}).ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { addrc <- a })
	}()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(5 * time.Second):
		t.Fatal("server did not start")
	}
	if !strings.HasPrefix(addr.String(), "127.0.0.1:") {
		t.Errorf("bound %s", addr)
	}
	resp, b := post(t, "http://"+addr.String(), `{"messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "echo: hi") {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// An error before any output is a JSON error with its status even when
// streaming (QA: a too-long prompt got HTTP 200 and then an error event).
func TestStreamingErrorBeforeOutput(t *testing.T) {
	ts, _ := newTestServer(t, Options{})
	for _, c := range []struct {
		content string
		status  int
		want    string
	}{{"too long", 400, `"code":"context_length_exceeded"`}, {"boom", 500, "out of memory"}} {
		resp, b := post(t, ts.URL, `{"messages":[{"role":"user","content":"`+c.content+`"}],"stream":true}`)
		if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(b), c.want) {
			t.Errorf("%s: %d %s %s", c.content, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
}

// Unsupported features at their defaults are accepted.
func TestUnsupportedAtDefaults(t *testing.T) {
	ts, _ := newTestServer(t, Options{})
	resp, b := post(t, ts.URL, `{"messages":[{"role":"user","content":"x"}],"logprobs":false,"top_logprobs":null,"tools":[],"tool_choice":"auto","response_format":{"type": "text"},"n":1}`)
	if resp.StatusCode != 200 {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
}
