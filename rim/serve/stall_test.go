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

// floodModel streams 64 KiB deltas until its context ends (then closes
// cancelled); a request whose last message is "quick" is answered at once.
// A request whose last message is "hold" waits for release.
type floodModel struct {
	once      sync.Once
	cancelled chan struct{}
	release   chan struct{}
}

func newFloodModel() *floodModel {
	return &floodModel{cancelled: make(chan struct{}), release: make(chan struct{})}
}

func (*floodModel) ModelName() string { return "flood" }

func (m *floodModel) Complete(ctx context.Context, conv generate.Conversation, opt generate.ChatOptions) (generate.Output, error) {
	switch conv.Messages[len(conv.Messages)-1].Content {
	case "quick":
		return generate.Output{Answer: "ok", Finish: generate.FinishStop}, nil
	case "hold":
		select {
		case <-m.release:
			return generate.Output{Answer: "done", Finish: generate.FinishStop}, nil
		case <-ctx.Done():
			return generate.Output{}, ctx.Err()
		}
	}
	chunk := strings.Repeat("x", 64<<10)
	for {
		select {
		case <-ctx.Done():
			m.once.Do(func() { close(m.cancelled) })
			return generate.Output{}, ctx.Err()
		default:
		}
		if opt.OnDelta != nil {
			opt.OnDelta(generate.Delta{Answer: chunk})
		}
	}
}

// postChat sends a one-message, non-streaming request (safe to call from
// another goroutine: a transport error is reported with t.Error).
func postChat(t *testing.T, url, content string) *http.Response {
	body := fmt.Sprintf(`{"messages":[{"role":"user","content":%q}]}`, content)
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return &http.Response{StatusCode: -1, Body: io.NopCloser(strings.NewReader(""))}
	}
	return resp
}

// TestStalledStreamReaderFreesSlot: a streaming client that stops reading
// used to hold the generation slot forever (no write deadline), so every
// later request waited while /health said 200.
func TestStalledStreamReaderFreesSlot(t *testing.T) {
	m := newFloodModel()
	ts := httptest.NewServer(New(m, Options{WriteTimeout: 300 * time.Millisecond}))
	defer ts.Close()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	body := `{"messages":[{"role":"user","content":"flood"}],"stream":true}`
	fmt.Fprintf(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	// ... and never read.
	select {
	case <-m.cancelled:
	case <-time.After(15 * time.Second):
		t.Fatal("the stalled stream's generation was not cancelled")
	}
	done := make(chan *http.Response, 1)
	go func() { done <- postChat(t, ts.URL, "quick") }()
	select {
	case resp := <-done:
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("next request: status %d", resp.StatusCode)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("next request still waiting for the generation slot")
	}
}

// TestQueuedRequestGets503: a request that waits longer than QueueTimeout
// is answered 503 with Retry-After, and /health reports the queue.
func TestQueuedRequestGets503(t *testing.T) {
	m := newFloodModel()
	ts := httptest.NewServer(New(m, Options{QueueTimeout: 500 * time.Millisecond}))
	defer ts.Close()
	defer close(m.release)
	held := make(chan *http.Response, 1)
	go func() { held <- postChat(t, ts.URL, "hold") }()
	waitHealth(t, ts.URL, func(h health) bool { return h.Busy })

	queued := make(chan *http.Response, 1)
	go func() { queued <- postChat(t, ts.URL, "quick") }()
	waitHealth(t, ts.URL, func(h health) bool { return h.Busy && h.Queued == 1 })
	var resp *http.Response
	select {
	case resp = <-queued:
	case <-time.After(10 * time.Second):
		t.Fatal("queued request not answered")
	}
	defer resp.Body.Close()
	var e struct{ Error apiError }
	_ = json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || e.Error.Code == nil || *e.Error.Code != "server_busy" {
		t.Fatalf("queued request: status %d, Retry-After %q, error %+v", resp.StatusCode, resp.Header.Get("Retry-After"), e.Error)
	}
	if !strings.Contains(e.Error.Message, "busy") {
		t.Errorf("message %q does not say the server is busy", e.Error.Message)
	}
	m.release <- struct{}{}
	if r := <-held; r.StatusCode != 200 {
		t.Errorf("held request: status %d", r.StatusCode)
	}
}

type health struct {
	Busy   bool  `json:"busy"`
	Queued int64 `json:"queued"`
}

func waitHealth(t *testing.T, url string, ok func(health) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/health")
		if err != nil {
			t.Fatal(err)
		}
		var h health
		err = json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if err == nil && resp.StatusCode == 200 && ok(h) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("/health never reported the expected state")
}

// TestSlowBodyIsClosed: a client that sends the headers and then trickles
// (here: stops) the body used to keep its connection open forever.
func TestSlowBodyIsClosed(t *testing.T) {
	ts := httptest.NewServer(New(newFloodModel(), Options{BodyTimeout: 300 * time.Millisecond}))
	defer ts.Close()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"messages\"")
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response to a stalled body: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 408 || !strings.Contains(string(b), "request body not received") {
		t.Fatalf("status %d, body %s", resp.StatusCode, b)
	}
}
