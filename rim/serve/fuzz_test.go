package serve

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzChatRequest: any body gets a JSON answer (never a panic): 200 with a
// completion, or an OpenAI-style error with a 4xx/5xx status; a stream ends
// with [DONE].
func FuzzChatRequest(f *testing.F) {
	for _, s := range []string{
		`{"messages":[{"role":"user","content":"hi"}]}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"a"}]}],"stop":["x"],"max_tokens":3}`,
		`{"messages":[],"n":2}`, `null`, `[]`, `{"messages":[null]}`, `{"stop":5}`, "\xff\xfe",
		`{"messages":[{"role":"user","content":"too long"}],"temperature":1e309}`,
		`{"messages":[{"role":"user","content":"hi"}],"stream":true}`,
	} {
		f.Add(s)
	}
	h := New(&echoModel{}, Options{MaxRequestBytes: 1 << 16, MaxTokens: 50})
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(body)))
		if rec.Header().Get("Content-Type") == "text/event-stream" {
			if rec.Code != 200 || !strings.HasSuffix(rec.Body.String(), "data: [DONE]\n\n") {
				t.Fatalf("stream: status %d, body %q", rec.Code, rec.Body.String())
			}
			return
		}
		var v map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("status %d, body not JSON: %q", rec.Code, rec.Body.String())
		}
		if _, isErr := v["error"]; isErr == (rec.Code == 200) {
			t.Fatalf("status %d with body %q", rec.Code, rec.Body.String())
		}
	})
}
