package chatapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testKey = "sk-proj-S3CRETs3cretS3CRET"

// echoAuth answers status with a body that quotes the request's
// Authorization header, after pad bytes (so that a 200-byte cut could fall
// inside the key).
func echoAuth(status, pad int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":"%s","headers":{"Authorization":[%q]}}`, strings.Repeat("x", pad), r.Header.Get("Authorization"))
	}
}

func assertNoSecret(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, sec := range append(secrets, testKey, testKey[:12], "S3CRET") {
		if strings.Contains(s, sec) {
			t.Errorf("%s leaks %q: %s", what, sec, s)
		}
	}
}

// TestReplyBodyEchoingKeyIsRedacted: an endpoint that echoes the
// Authorization header used to put "Bearer sk-…" into errors (and from there
// into --out rows), whole or cut at 200 bytes.
func TestReplyBodyEchoingKeyIsRedacted(t *testing.T) {
	for _, pad := range []int{0, 150, 165, 175} {
		for _, status := range []int{401, 500} {
			srv := httptest.NewServer(echoAuth(status, pad))
			c, err := New(Config{BaseURL: srv.URL, Model: "m", APIKey: testKey, MaxRetries: 1, Backoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Complete(context.Background(), Request{Messages: []Message{{Role: "user", Content: "hi"}}})
			srv.Close()
			if err == nil {
				t.Fatal("no error")
			}
			assertNoSecret(t, fmt.Sprintf("HTTP %d pad %d: error", status, pad), err.Error())
			var se *StatusError
			if !errors.As(err, &se) || se.Code != status {
				t.Fatalf("error %v is not the StatusError %d", err, status)
			}
			assertNoSecret(t, "StatusError.Body", se.Body)
			if pad == 0 && !strings.Contains(se.Body, "Bearer "+redacted) {
				t.Errorf("body %q does not show the redaction", se.Body)
			}
		}
	}
	// Not JSON / no choices: the body is quoted in those errors too.
	srv := httptest.NewServer(echoAuth(200, 0))
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL, Model: "m", APIKey: testKey, MaxRetries: -1})
	_, err := c.Complete(context.Background(), Request{})
	if err == nil {
		t.Fatal("no error")
	}
	assertNoSecret(t, "no-choices error", err.Error())
}

// TestBaseURLCredentialsNotPrinted: user:password in the base URL used to
// appear in every error that named the URL.
func TestBaseURLCredentialsNotPrinted(t *testing.T) {
	var gotAuth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		http.Error(w, "nope", 503)
	}))
	defer srv.Close()
	base := strings.Replace(srv.URL, "http://", "http://alice:pa55word-xyz@", 1) + "/v1?api-key=qk-77889900"
	c, err := New(Config{BaseURL: base, Model: "m", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Complete(context.Background(), Request{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{err.Error(), c.URL()} {
		assertNoSecret(t, "error/URL()", s, "pa55word-xyz", "qk-77889900")
		if !strings.Contains(s, redacted) {
			t.Errorf("%q does not show the redaction", s)
		}
	}
	if a, _ := gotAuth.Load().(string); !strings.HasPrefix(a, "Basic ") {
		t.Errorf("credentials of the URL not sent (Authorization %q)", a)
	}
	// Down endpoint (the error path that stops a batch) and a bad scheme.
	srv.Close()
	_, err = c.Batch(context.Background(), nil, []Job{{Req: Request{}}})
	if err == nil || !errors.Is(err, ErrUnreachable) {
		t.Fatalf("down endpoint: %v", err)
	}
	assertNoSecret(t, "unreachable error", err.Error(), "pa55word-xyz", "qk-77889900")
	_, err = New(Config{BaseURL: "ftp://bob:hunter2hunter2@h/v1", Model: "m"})
	if err == nil {
		t.Fatal("ftp accepted")
	}
	assertNoSecret(t, "scheme error", err.Error(), "hunter2hunter2")
}

// TestRedirectWithKeyNotFollowed: Go forwards Authorization to a redirect on
// the same host name, any port; the key must not reach the other server.
func TestRedirectWithKeyNotFollowed(t *testing.T) {
	var stolen atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			stolen.Add(1)
		}
		reply(w, "ok")
	}))
	defer other.Close()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, other.URL+"/v1/chat/completions", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL + "/v1", Model: "m", APIKey: testKey, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Complete(context.Background(), Request{})
	if err == nil || !strings.Contains(err.Error(), "redirected") || !strings.Contains(err.Error(), other.URL) {
		t.Fatalf("err = %v, want a refused redirect naming %s", err, other.URL)
	}
	if stolen.Load() != 0 {
		t.Errorf("the key was sent to the redirect target %d times", stolen.Load())
	}
	if hits.Load() != 1 {
		t.Errorf("a refused redirect was retried: %d requests", hits.Load())
	}
	// Without credentials a redirect is still followed.
	c, _ = New(Config{BaseURL: srv.URL + "/v1", Model: "m"})
	if out, err := c.Complete(context.Background(), Request{}); err != nil || out != "ok" {
		t.Errorf("no-credential redirect: %q, %v", out, err)
	}
}

// TestOnRetryReportsEachWait: a throttled endpoint used to be retried in
// silence; OnRetry sees every backoff with the redacted error.
func TestOnRetryReportsEachWait(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(429)
		fmt.Fprintf(w, "slow down %s", r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	var attempts []int
	c, _ := New(Config{BaseURL: srv.URL, Model: "m", APIKey: testKey, MaxRetries: 3, Backoff: time.Millisecond,
		OnRetry: func(attempt int, wait time.Duration, err error) {
			attempts = append(attempts, attempt)
			assertNoSecret(t, "OnRetry error", err.Error())
		}})
	if _, err := c.Complete(context.Background(), Request{}); err == nil || !strings.Contains(err.Error(), "giving up after 4 attempts") {
		t.Fatalf("err = %v", err)
	}
	if fmt.Sprint(attempts) != "[1 2 3]" {
		t.Errorf("OnRetry attempts %v, want [1 2 3]", attempts)
	}
}
