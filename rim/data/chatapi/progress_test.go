package chatapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Progress is printed at most once per interval, then the last count once anything was printed; every
// retry is printed with its wait rounded to the millisecond.
func TestShowProgressThrottles(t *testing.T) {
	var b bytes.Buffer
	var c Config
	c.ShowProgress(&b, "judge", time.Hour)
	c.OnProgress(1, 4) // the first count is printed (none before it)
	c.OnProgress(2, 4) // within the hour: silent
	c.OnRetry(1, 1500*time.Microsecond, errors.New("HTTP 429"))
	c.OnProgress(3, 4)
	c.OnProgress(4, 4) // the last count, after something was printed
	want := "judge: 1/4 done\njudge: attempt 1 failed, retrying in 2ms: HTTP 429\njudge: 4/4 done\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	c.ShowProgress(&b, "edit", 0)
	c.OnProgress(1, 2)
	c.OnProgress(2, 2)
	if b.String() != "edit: 1/2 done\nedit: 2/2 done\n" {
		t.Errorf("every 0:\n%s", b.String())
	}
}

// Through a Batch against a throttling endpoint, the retries and the progress show.
func TestShowProgressInBatch(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", 429)
			return
		}
		reply(w, "ok")
	}))
	defer srv.Close()
	cfg := Config{BaseURL: srv.URL, Model: "m", Concurrency: 1, Backoff: time.Millisecond}
	var b bytes.Buffer
	cfg.ShowProgress(&b, "judge", time.Hour)
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	jobs := []Job{{Reply: true, Req: Request{Messages: []Message{{Role: "user", Content: "a"}}}}, {Reply: true, Req: Request{Messages: []Message{{Role: "user", Content: "b"}}}}}
	if _, err := c.Batch(context.Background(), nil, jobs); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "judge: attempt 1 failed, retrying in ") || !strings.Contains(b.String(), "HTTP 429") || !strings.HasSuffix(b.String(), "judge: 2/2 done\n") {
		t.Errorf("output:\n%s", b.String())
	}
}
