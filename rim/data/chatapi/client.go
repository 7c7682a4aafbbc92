// Package chatapi is a small client for OpenAI-compatible chat-completions
// endpoints (OpenAI, vLLM, rim serve, …), used by the rubric judge and the
// LLM-built derived sets (GSM8k-Literal, GSM8k(L) edits). It adds what
// batch evaluation needs: a concurrency limit, per-request timeouts, retries
// with exponential backoff on 429/5xx/timeouts (honouring Retry-After), fail
// fast when the endpoint cannot be reached, and a persistent on-disk cache of
// replies. The API key is sent only in the Authorization header and never
// appears in errors or logs: reply bodies quoted in errors are redacted, the
// base URL is shown without its user info and query values, and a redirect
// is not followed while credentials are set (redact.go).
//
// Hand-written instead of an SDK: the pinned module set has no OpenAI client
// and the protocol subset needed (one POST) is small.
package chatapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Config describes one endpoint and model.
type Config struct {
	BaseURL     string        // e.g. "https://api.openai.com/v1"; "/chat/completions" is appended
	Model       string        // e.g. "gpt-4.1"
	APIKey      string        // sent as a Bearer token; never logged
	Timeout     time.Duration // per attempt; default 120s
	MaxRetries  int           // retries after the first attempt on 429/5xx/timeouts; default 5, negative means none
	Backoff     time.Duration // first backoff, doubled each retry; default 1s
	MaxBackoff  time.Duration // cap on one wait; default 60s
	Concurrency int           // parallel requests in Batch; default 4
	HTTPClient  *http.Client  // default: a client without its own timeout; its redirect policy is replaced when credentials are set

	// OnRetry, when set, is called before each backoff wait with the
	// attempt that failed (1-based), the wait and the (redacted) error, so
	// that a throttled batch can show progress instead of waiting silently.
	// It may be called from several goroutines at once.
	OnRetry func(attempt int, wait time.Duration, err error)
	// OnProgress, when set, is called by Batch after each job ends (served
	// from the cache, answered or failed) with the jobs ended so far and the
	// total. Calls are serialised.
	OnProgress func(done, total int)

	// For error messages only: the environment prefix FromEnv read (e.g.
	// "RIM_JUDGE") and the command-line flags that set BaseURL and Model
	// (e.g. "--judge-base-url", "--judge-model").
	EnvPrefix, BaseURLFlag, ModelFlag string
}

// missing says how to supply a missing setting: the flag, then the
// environment variables, e.g. "pass --judge-model or set RIM_JUDGE_MODEL".
func (c Config) missing(flag, key, fallback string) string {
	var ways []string
	if flag != "" {
		ways = append(ways, "pass "+flag)
	}
	if c.EnvPrefix != "" {
		env := c.EnvPrefix + "_" + key
		if fallback != "" {
			env += " or " + fallback
		}
		ways = append(ways, "set "+env)
	}
	if len(ways) == 0 {
		return "set Config." + map[string]string{"BASE_URL": "BaseURL", "MODEL": "Model"}[key]
	}
	return strings.Join(ways, " or ")
}

// FromEnv reads PREFIX_BASE_URL, PREFIX_MODEL and PREFIX_API_KEY (e.g.
// prefix "RIM_JUDGE"), falling back to OPENAI_BASE_URL and OPENAI_API_KEY.
func FromEnv(prefix string) Config {
	get := func(k, fallback string) string {
		if v := os.Getenv(prefix + "_" + k); v != "" {
			return v
		}
		if fallback != "" {
			return os.Getenv(fallback)
		}
		return ""
	}
	return Config{
		BaseURL: get("BASE_URL", "OPENAI_BASE_URL"),
		Model:   get("MODEL", ""),
		APIKey:  get("API_KEY", "OPENAI_API_KEY"),

		EnvPrefix: prefix,
	}
}

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is one chat completion request.
type Request struct {
	Messages    []Message
	Temperature float64 // the paper's judge and editors run at 0
	MaxTokens   int     // 0: the server's default
	// Think, when set, is Qwen3's think mode, sent the way vLLM, SGLang and
	// rim serve read it: "chat_template_kwargs": {"enable_thinking": *Think}.
	// nil sends no chat_template_kwargs (the template's default).
	Think *bool
}

// Reply is a choice's message as the server split it: Content, and the
// reasoning of a think block in Reasoning when the server splits it off
// (vLLM or SGLang with a reasoning parser: "reasoning_content", or
// "reasoning" in newer vLLM; rim serve: "reasoning_content"); Finish is the
// finish_reason ("stop", "length", …; "" when the server sent none).
type Reply struct {
	Content, Reasoning, Finish string
}

// Client talks to one endpoint.
type Client struct {
	cfg     Config
	url     string   // where requests go (may carry credentials)
	shown   string   // url for messages (displayURL)
	secrets []string // literal secrets to redact (secretsOf)
}

// New validates cfg and fills in defaults.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("chatapi: no base URL (%s)", cfg.missing(cfg.BaseURLFlag, "BASE_URL", "OPENAI_BASE_URL"))
	}
	if cfg.Model == "" {
		return nil, fmt.Errorf("chatapi: no model name (%s)", cfg.missing(cfg.ModelFlag, "MODEL", ""))
	}
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, fmt.Errorf("chatapi: base URL %q is not http(s)", displayURL(cfg.BaseURL))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 120 * time.Second
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 5
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Minute
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	c := &Client{cfg: cfg, url: strings.TrimRight(cfg.BaseURL, "/") + "/chat/completions", secrets: secretsOf(cfg)}
	c.shown = displayURL(c.url)
	if len(c.secrets) > 0 {
		// Go forwards Authorization to a redirect on the same host name
		// (any port): refuse every redirect rather than send the key on.
		hc := *cfg.HTTPClient
		hc.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
			return fmt.Errorf("%w to %s: not following it with credentials (use the final address as the base URL)", errRedirect, displayURL(r.URL.String()))
		}
		c.cfg.HTTPClient = &hc
	}
	return c, nil
}

// Model returns the configured model name.
func (c *Client) Model() string { return c.cfg.Model }

// Concurrency returns the configured parallelism.
func (c *Client) Concurrency() int { return c.cfg.Concurrency }

// URL returns the chat-completions URL requests go to.
func (c *Client) URL() string { return c.shown }

// errRedirect marks a refused redirect (not retried).
var errRedirect = errors.New("endpoint redirected")

// ErrUnreachable marks a failure to connect at all (connection refused, no
// such host): the endpoint is down, so batches stop instead of retrying.
var ErrUnreachable = errors.New("endpoint unreachable")

// StatusError is a non-2xx reply.
type StatusError struct {
	URL  string // without credentials
	Code int
	Body string // first 200 bytes, secrets redacted
	// RetryAfter is the server's Retry-After in seconds, when given.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("chatapi: %s: HTTP %d: %s", e.URL, e.Code, e.Body)
}

// Complete sends one request and returns the first choice's content,
// retrying on 429, 5xx, timeouts and malformed bodies (a reply without
// content is malformed here).
func (c *Client) Complete(ctx context.Context, req Request) (string, error) {
	r, err := c.complete(ctx, req, false)
	return r.Content, err
}

// CompleteReply is Complete returning the whole first choice: content,
// reasoning and finish reason. A reply whose content is null but that has
// reasoning (a generation cut off inside its think block, as vLLM's
// reasoning parsers answer it) is a Reply with empty Content, not an error.
func (c *Client) CompleteReply(ctx context.Context, req Request) (Reply, error) {
	return c.complete(ctx, req, true)
}

func (c *Client) complete(ctx context.Context, req Request, reasoningOnly bool) (Reply, error) {
	fields := map[string]any{
		"model":       c.cfg.Model,
		"messages":    req.Messages,
		"temperature": req.Temperature,
		"max_tokens":  omitZero(req.MaxTokens),
	}
	if req.Think != nil {
		fields["chat_template_kwargs"] = map[string]any{"enable_thinking": *req.Think}
	}
	body, err := json.Marshal(fields)
	if err != nil {
		return Reply{}, fmt.Errorf("chatapi: encoding request: %w", err)
	}
	wait := c.cfg.Backoff
	var last error
	for attempt := 0; attempt <= c.cfg.MaxRetries; attempt++ {
		if attempt > 0 {
			var ra time.Duration
			var se *StatusError
			if errors.As(last, &se) {
				ra = se.RetryAfter
			}
			d := min(max(wait, ra), c.cfg.MaxBackoff)
			if c.cfg.OnRetry != nil {
				c.cfg.OnRetry(attempt, d, last)
			}
			select {
			case <-ctx.Done():
				return Reply{}, fmt.Errorf("chatapi: %s: %w (last error: %v)", c.shown, ctx.Err(), last)
			case <-time.After(d):
			}
			wait *= 2
		}
		out, err := c.once(ctx, body, reasoningOnly)
		err = c.redactErr(err)
		if err == nil {
			return out, nil
		}
		last = err
		if !retryable(err) || ctx.Err() != nil {
			return Reply{}, err
		}
	}
	return Reply{}, fmt.Errorf("chatapi: %s: giving up after %d attempts: %w", c.shown, c.cfg.MaxRetries+1, last)
}

func omitZero(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

type badBodyError struct{ error }

// once sends one attempt; reasoningOnly accepts a null content when the
// message has reasoning (CompleteReply).
func (c *Client) once(ctx context.Context, body []byte, reasoningOnly bool) (Reply, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Reply{}, fmt.Errorf("chatapi: %s: %w", c.shown, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	if c.cfg.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.cfg.HTTPClient.Do(hreq)
	if err != nil {
		if isDialError(err) {
			return Reply{}, fmt.Errorf("chatapi: %s: %w: %v", c.shown, ErrUnreachable, stripURL(err))
		}
		return Reply{}, fmt.Errorf("chatapi: %s: %w", c.shown, stripURL(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return Reply{}, fmt.Errorf("chatapi: %s: reading reply: %w", c.shown, err)
	}
	if resp.StatusCode/100 != 2 {
		se := &StatusError{URL: c.shown, Code: resp.StatusCode, Body: c.snippet(raw)}
		if s := resp.Header.Get("Retry-After"); s != "" {
			if secs, err := strconv.Atoi(s); err == nil && secs >= 0 {
				se.RetryAfter = time.Duration(secs) * time.Second
			}
		}
		return Reply{}, se
	}
	var r struct {
		Choices []struct {
			Message struct {
				Content          *string `json:"content"`
				ReasoningContent *string `json:"reasoning_content"`
				Reasoning        *string `json:"reasoning"`
			} `json:"message"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return Reply{}, badBodyError{fmt.Errorf("chatapi: %s: reply is not JSON: %v (%s)", c.shown, err, c.snippet(raw))}
	}
	if len(r.Choices) == 0 {
		return Reply{}, badBodyError{fmt.Errorf("chatapi: %s: reply has no choices[0].message.content (%s)", c.shown, c.snippet(raw))}
	}
	m, out := r.Choices[0].Message, Reply{}
	for _, p := range []*string{m.ReasoningContent, m.Reasoning} {
		if p != nil && out.Reasoning == "" {
			out.Reasoning = *p
		}
	}
	if m.Content == nil && !(reasoningOnly && out.Reasoning != "") {
		return Reply{}, badBodyError{fmt.Errorf("chatapi: %s: reply has no choices[0].message.content (%s)", c.shown, c.snippet(raw))}
	}
	if m.Content != nil {
		out.Content = *m.Content
	}
	if f := r.Choices[0].FinishReason; f != nil {
		out.Finish = *f
	}
	return out, nil
}

// snippet is the start of a reply body for an error, secrets redacted
// before it is cut (a cut key would no longer match).
func (c *Client) snippet(b []byte) string {
	s := c.redact(strings.TrimSpace(string(b)))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func retryable(err error) bool {
	if errors.Is(err, ErrUnreachable) || errors.Is(err, errRedirect) {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code == 429 || se.Code >= 500
	}
	var bb badBodyError
	if errors.As(err, &bb) {
		return true
	}
	// Timeouts and dropped connections.
	return true
}

func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.Is(err, syscall.ECONNREFUSED)
}

// redactErr redacts the text of an error that is not already redacted
// (transport errors quote addresses and, rarely, server text), keeping the
// error kinds callers test with errors.Is/As.
func (c *Client) redactErr(err error) error {
	if err == nil {
		return nil
	}
	if msg := err.Error(); c.redact(msg) != msg {
		return &redactedError{msg: c.redact(msg), err: err}
	}
	return err
}

// redactedError shows a redacted message but unwraps to the original
// (whose kind, not whose text, callers inspect).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// stripURL drops the *url.Error wrapper (its URL is already in our message).
func stripURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}
