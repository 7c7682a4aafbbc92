package serve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/generate"
)

// Model is what the server needs; *generate.Chat satisfies it.
type Model interface {
	// ModelName is the model id reported by /v1/models.
	ModelName() string
	// Complete renders, encodes and generates one answer; opt.OnDelta, when
	// set, receives the text as it is generated. Errors that are the
	// request's fault (generate.IsInputError, *chat.TemplateError) are
	// answered with 400.
	Complete(ctx context.Context, conv generate.Conversation, opt generate.ChatOptions) (generate.Output, error)
}

// request is a parsed chat completion.
type request struct {
	conv generate.Conversation
	opt  generate.ChatOptions
}

// Options configure the server; zero values take the defaults.
type Options struct {
	// MaxRequestBytes caps the request body (default 1 MiB): larger → 413.
	MaxRequestBytes int64
	// MaxTokens caps max_tokens (default 4096): larger → 400. It is also
	// the default when a request sets none (the model's context still
	// limits every generation).
	MaxTokens int
	// Defaults is the sampling of requests that set none (default greedy).
	Defaults generate.Sampling
	// WriteTimeout bounds each write of a response (default 30s): a client
	// that reads nothing for that long has its generation cancelled and its
	// connection closed, so that it cannot hold the generation slot.
	WriteTimeout time.Duration
	// QueueTimeout bounds the wait for the generation slot (default 5 min):
	// a request still queued then is answered 503 with Retry-After.
	QueueTimeout time.Duration
	// BodyTimeout bounds reading the request body (default 30s): a slower
	// client is answered 408 and its connection closed. Headers are bounded
	// by ListenAndServe's ReadHeaderTimeout (10s).
	BodyTimeout time.Duration
}

// retryAfter is the Retry-After (seconds) of a 503 from a full queue.
const retryAfter = "10"

func (o *Options) fill() {
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 30 * time.Second
	}
	if o.QueueTimeout <= 0 {
		o.QueueTimeout = 5 * time.Minute
	}
	if o.BodyTimeout <= 0 {
		o.BodyTimeout = 30 * time.Second
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = 1 << 20
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = 4096
	}
}

// Server is the HTTP handler.
type Server struct {
	m       Model
	opt     Options
	slot    chan struct{} // one generation at a time: holding = a value sent
	queued  atomic.Int64  // requests waiting for the slot (reported by /health)
	created int64
	mux     *http.ServeMux
}

// New returns the handler for m.
func New(m Model, opt Options) *Server {
	opt.fill()
	s := &Server{m: m, opt: opt, slot: make(chan struct{}, 1), created: time.Now().Unix(), mux: http.NewServeMux()}
	s.mux.HandleFunc("/v1/chat/completions", s.chatCompletions)
	s.mux.HandleFunc("/v1/models", s.models)
	s.mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": "ok", "busy": len(s.slot) > 0, "queued": s.queued.Load()})
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{status: 404, Type: "invalid_request_error",
			Message: fmt.Sprintf("unknown path %s %s (served: POST /v1/chat/completions, GET /v1/models, GET /health)", r.Method, r.URL.Path)})
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// ListenAndServe serves on addr until ctx is cancelled, then shuts down
// gracefully. ready, when non-nil, receives the bound address (useful with
// port 0).
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if ready != nil {
		ready(ln.Addr())
	}
	// No ReadTimeout: it would stay armed during a long streamed generation
	// and cancel it; the body has its own deadline (Options.BodyTimeout).
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		return nil
	}
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, &apiError{status: 405, Type: "invalid_request_error", Message: "method " + r.Method + " not allowed on /v1/models (use GET)"})
		return
	}
	writeJSON(w, 200, map[string]any{"object": "list", "data": []any{
		map[string]any{"id": s.m.ModelName(), "object": "model", "created": s.created, "owned_by": "rim"},
	}})
}

// parse validates the request body into a Request.
func (s *Server) parse(w http.ResponseWriter, r *http.Request) (*chatRequest, request, *apiError) {
	var cr chatRequest
	body := http.MaxBytesReader(w, r.Body, s.opt.MaxRequestBytes)
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.opt.BodyTimeout))
	data, err := io.ReadAll(body)
	_ = rc.SetReadDeadline(time.Time{})
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, request{}, &apiError{status: 413, Type: "invalid_request_error",
				Message: fmt.Sprintf("request body is larger than the server's limit of %d bytes", s.opt.MaxRequestBytes)}
		}
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			w.Header().Set("Connection", "close")
			return nil, request{}, &apiError{status: 408, Type: "invalid_request_error",
				Message: fmt.Sprintf("request body not received within %v", s.opt.BodyTimeout)}
		}
		return nil, request{}, badRequest("", "reading the request body: %v", err)
	}
	if err := json.Unmarshal(data, &cr); err != nil {
		return nil, request{}, badRequest("", "request body is not valid JSON for a chat completion: %v", err)
	}
	if cr.Model != "" && cr.Model != s.m.ModelName() {
		return nil, request{}, withCode(&apiError{status: 404, Type: "invalid_request_error",
			Message: fmt.Sprintf("model %q does not exist: this server serves %q", cr.Model, s.m.ModelName())}, "model_not_found")
	}
	if aerr := cr.checkUnsupported(); aerr != nil {
		return nil, request{}, aerr
	}
	if len(cr.Messages) == 0 {
		return nil, request{}, badRequest("messages", "messages must be a non-empty list")
	}
	msgs, aerr := toChat(cr.Messages)
	if aerr != nil {
		return nil, request{}, aerr
	}
	req := request{conv: generate.Conversation{Messages: msgs}, opt: generate.ChatOptions{MaxTokens: s.opt.MaxTokens, Sampling: s.opt.Defaults}}
	for _, mt := range []struct {
		v    *int
		name string
	}{{cr.MaxTokens, "max_tokens"}, {cr.MaxCompletionTokens, "max_completion_tokens"}} {
		if mt.v == nil {
			continue
		}
		if *mt.v <= 0 || *mt.v > s.opt.MaxTokens {
			return nil, request{}, badRequest(mt.name, "%s is %d: must be between 1 and %d", mt.name, *mt.v, s.opt.MaxTokens)
		}
		req.opt.MaxTokens = *mt.v
	}
	if cr.N != nil && *cr.N != 1 {
		return nil, request{}, badRequest("n", "n is %d: only n = 1 is supported", *cr.N)
	}
	if cr.Temperature != nil {
		req.opt.Sampling.Temperature = *cr.Temperature
	}
	if cr.TopP != nil {
		req.opt.Sampling.TopP = *cr.TopP
	}
	if cr.TopK != nil {
		req.opt.Sampling.TopK = *cr.TopK
		if *cr.TopK == -1 { // vLLM's "off"
			req.opt.Sampling.TopK = 0
		}
	}
	if cr.Seed != nil {
		req.opt.Sampling.Seed = uint64(*cr.Seed)
	}
	if cr.Temperature != nil && (*cr.Temperature > 2 || math.IsNaN(*cr.Temperature)) {
		return nil, request{}, badRequest("temperature", "temperature is %v: must be between 0 and 2", *cr.Temperature)
	}
	if err := req.opt.Sampling.Validate(); err != nil {
		return nil, request{}, badRequest("", "%v", err)
	}
	if req.opt.Stop, err = stopStrings(cr.Stop); err != nil {
		return nil, request{}, badRequest("stop", "stop %v", err)
	}
	for i, st := range req.opt.Stop {
		if st == "" {
			return nil, request{}, badRequest("stop", "stop[%d] is empty", i)
		}
	}
	if cr.ChatTemplateKwargs != nil {
		req.conv.Think = cr.ChatTemplateKwargs.EnableThinking
	}
	return &cr, req, nil
}

func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, &apiError{status: 405, Type: "invalid_request_error", Message: "method " + r.Method + " not allowed on /v1/chat/completions (use POST)"})
		return
	}
	cr, req, aerr := s.parse(w, r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if aerr := s.acquire(r.Context()); aerr != nil {
		if aerr.status == 503 {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeError(w, aerr)
		return
	}
	defer func() { <-s.slot }()
	id := "chatcmpl-" + randomID()
	base := completion{ID: id, Created: time.Now().Unix(), Model: s.m.ModelName()}
	if cr.Stream {
		s.stream(w, r, req, base, cr.StreamOptions != nil && cr.StreamOptions.IncludeUsage)
		return
	}
	out, err := s.m.Complete(r.Context(), req.conv, req.opt)
	if err != nil {
		writeError(w, modelError(err))
		return
	}
	base.Object = "chat.completion"
	fr := string(out.Finish)
	base.Choices = []choice{{Message: &respMessage{Role: "assistant", Content: out.Answer, ReasoningContent: out.Thinking}, FinishReason: &fr}}
	base.Usage = usageOf(out)
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.opt.WriteTimeout))
	writeJSON(w, 200, base)
}

// acquire waits for the generation slot, at most QueueTimeout (→ 503) and
// while the client waits (→ 499).
func (s *Server) acquire(ctx context.Context) *apiError {
	select {
	case s.slot <- struct{}{}:
		return nil
	default:
	}
	s.queued.Add(1)
	defer s.queued.Add(-1)
	t := time.NewTimer(s.opt.QueueTimeout)
	defer t.Stop()
	select {
	case s.slot <- struct{}{}:
		return nil
	case <-ctx.Done():
		return &apiError{status: 499, Type: "cancelled", Message: "request cancelled by the client while queued"}
	case <-t.C:
		return withCode(&apiError{status: 503, Type: "server_error",
			Message: fmt.Sprintf("server busy: still queued behind another generation after %v; retry later", s.opt.QueueTimeout)}, "server_busy")
	}
}

// stream answers with server-sent events: a role chunk, content chunks, a
// chunk with the finish reason, optionally a usage chunk, then [DONE]. The
// status line and the role chunk wait for the first delta (or the end), so
// that an error before any output (a prompt longer than the context, a
// template error) is a plain JSON error with its status (400
// context_length_exceeded …), not HTTP 200 and an error event. An error
// after the first byte is sent as an {"error": …} event.
//
// Every write has a deadline (Options.WriteTimeout): when a client stops
// reading, the write fails, the generation is cancelled and the slot freed.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req request, base completion, withUsage bool) {
	rc := http.NewResponseController(w)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	base.Object = "chat.completion.chunk"
	var werr error // the first failed write; later writes are skipped
	write := func(format string, args ...any) {
		if werr != nil {
			return
		}
		if err := rc.SetWriteDeadline(time.Now().Add(s.opt.WriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			werr = err
		}
		if werr == nil {
			_, werr = fmt.Fprintf(w, format, args...)
		}
		if werr == nil {
			if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
				werr = err
			}
		}
		if werr != nil {
			cancel() // the client is gone or stalled: stop generating
		}
	}
	send := func(v any) {
		b, _ := json.Marshal(v)
		write("data: %s\n\n", b)
	}
	chunk := func(d delta, finish *string) completion {
		c := base
		c.Choices = []choice{{Delta: &d, FinishReason: finish}}
		return c
	}
	started := false
	start := func() {
		if started {
			return
		}
		started = true
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(200)
		send(chunk(delta{Role: "assistant"}, nil))
	}
	req.opt.OnDelta = func(d generate.Delta) {
		start()
		send(chunk(delta{Content: d.Answer, ReasoningContent: d.Thinking}, nil))
	}
	out, err := s.m.Complete(ctx, req.conv, req.opt)
	if err != nil {
		if !started {
			writeError(w, modelError(err))
			return
		}
		send(map[string]any{"error": modelError(err)})
		write("data: [DONE]\n\n")
		return
	}
	start()
	fr := string(out.Finish)
	send(chunk(delta{}, &fr))
	if withUsage {
		c := base
		c.Choices = []choice{}
		c.Usage = usageOf(out)
		send(c)
	}
	write("data: [DONE]\n\n")
}

func usageOf(o generate.Output) *usage {
	u := &usage{PromptTokens: o.PromptTokens, CompletionTokens: len(o.IDs), TotalTokens: o.PromptTokens + len(o.IDs)}
	u.CompletionTokensDetails.ReasoningTokens = o.ThinkTokens
	return u
}

// modelError maps a Model error to an API error: the request's fault → 400.
func modelError(err error) *apiError {
	var te *chat.TemplateError
	var re *chat.RoleError
	switch {
	case errors.As(err, &te):
		return badRequest("messages", "%v", err)
	case errors.As(err, &re):
		return badRequest(fmt.Sprintf("messages[%d].role", re.Index), "%v", err)
	case generate.IsInputError(err):
		e := badRequest("", "%v", err)
		if errors.Is(err, generate.ErrContextLength) {
			e = withCode(e, "context_length_exceeded")
		}
		return e
	case errors.Is(err, context.Canceled):
		return &apiError{status: 499, Type: "cancelled", Message: "request cancelled by the client"}
	}
	return &apiError{status: 500, Type: "server_error", Message: err.Error()}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, map[string]any{"error": e})
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
