package serve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/generate"
)

// blockModel waits for its context and reports that it was cancelled.
type blockModel struct{ cancelled chan struct{} }

func (blockModel) ModelName() string { return "block" }

func (m blockModel) Complete(ctx context.Context, _ generate.Conversation, _ generate.ChatOptions) (generate.Output, error) {
	select {
	case <-ctx.Done():
		close(m.cancelled)
		return generate.Output{}, ctx.Err()
	case <-time.After(10 * time.Second):
		return generate.Output{}, nil
	}
}

// A client that gives up cancels its generation.
func TestClientDisconnectCancels(t *testing.T) {
	m := blockModel{cancelled: make(chan struct{})}
	ts := httptest.NewServer(New(m, Options{}))
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/v1/chat/completions", strings.NewReader(`{"messages":[{"role":"user","content":"x"}]}`))
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("request did not time out")
	}
	select {
	case <-m.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("generation was not cancelled")
	}
}
