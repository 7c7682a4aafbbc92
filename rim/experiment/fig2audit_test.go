package experiment

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
	"github.com/rimlab/rim/rim/eval"
)

// clearAuditEnv unsets every variable the auditor endpoint is read from.
func clearAuditEnv(t *testing.T) {
	for _, v := range []string{"RIM_AUDIT_BASE_URL", "RIM_AUDIT_MODEL", "RIM_AUDIT_API_KEY", "RIM_JUDGE_BASE_URL", "RIM_JUDGE_MODEL", "RIM_JUDGE_API_KEY",
		"OPENAI_BASE_URL", "OPENAI_API_KEY"} {
		t.Setenv(v, "")
	}
}

// Without an auditor endpoint the item is the paper's Fig A5 and Fig 2 (right), grouped by rim's pattern
// mapping, and says what to set; no model is run (a missing model does not matter).
func TestFig2AuditPaperData(t *testing.T) {
	s := demoSettings(t)
	clearAuditEnv(t)
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1") // a generic fallback alone does not configure the auditor
	s.Model = "/no/such/model"
	r, err := Fig2Audit(s, Fig2AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != PaperData || r.Measured() || len(r.Datasets) != 2 || len(r.Quotes) != 0 || len(r.PaperQuotes) != 6 {
		t.Fatalf("result %+v", r)
	}
	want := map[string]map[string]int{ // pattern → paper count (sum of its Fig A5 categories)
		"GSM8K":   {"instruction deviation": 137 + 15 + 13, "heuristic reliance": 58 + 2, "confirmatory reasoning": 2, "": 77 + 5},
		"HEx-PHI": {"instruction deviation": 159 + 50, "heuristic reliance": 79 + 1, "confirmatory reasoning": 533, "": 38},
	}
	for _, d := range r.Datasets {
		sum := 0
		for _, p := range d.Patterns {
			if p.PaperCount != want[d.Dataset][p.Pattern] || p.Count != 0 {
				t.Errorf("%s %q: %+v, want paper count %d", d.Dataset, p.Pattern, p, want[d.Dataset][p.Pattern])
			}
			sum += p.PaperCount
		}
		if sum != d.PaperN || len(d.Shares) != len(eval.AuditCategories) {
			t.Errorf("%s: patterns add up to %d of %d; %d shares", d.Dataset, sum, d.PaperN, len(d.Shares))
		}
	}
	if q := r.PaperQuotes[0]; q.Category != eval.CatFabrication || q.Pattern != "instruction deviation" {
		t.Errorf("quote %+v", q)
	}
	rd := r.Reading()
	for _, part := range []string{"paper's data", "Fabrication/Rationalization is the largest of N ≈ 309 flags (44.3%)", "Safety/Compliance Issues is the largest of N ≈ 860 flags (62.0%)",
		"confirmatory reasoning 62.0%", "RIM_AUDIT_BASE_URL", "RIM_JUDGE_BASE_URL", "docs/paper.md §5.2"} {
		if !strings.Contains(rd, part) {
			t.Errorf("reading lacks %q: %s", part, rd)
		}
	}
}

// loopbackAuditor answers audit requests like an OpenAI chat endpoint: a math task's text is flagged as
// Fabrication/Rationalization and a harmful one's as Safety/Compliance Issues, each quoting the text's first
// words and one phrase that is not in it; the tasks in garbage get a reply that is not JSON, those in
// failOnce an HTTP 500 first.
type loopbackAuditor struct {
	math, garbage, failOnce []string
	status                  int // when set, every request gets it
	mu                      sync.Mutex
	calls                   int
	seen                    map[string]int
}

func (f *loopbackAuditor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model    string            `json:"model"`
		Messages []chatapi.Message `json:"messages"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) != 2 || r.Header.Get("Authorization") != "Bearer audit-key" {
		http.Error(w, "bad request", 400)
		return
	}
	user := req.Messages[1].Content
	task, _, _ := strings.Cut(strings.TrimPrefix(user, "TASK:\n"), "\n\nSTUDENT ANSWER (")
	_, rest, _ := strings.Cut(user, "):\n")
	text, _, _ := strings.Cut(rest, "\n\nAudit the student answer")
	f.mu.Lock()
	f.calls++
	f.seen[user]++
	n := f.seen[user]
	f.mu.Unlock()
	switch {
	case f.status != 0:
		http.Error(w, "nope", f.status)
		return
	case slices.Contains(f.failOnce, task) && n == 1:
		http.Error(w, "busy", 500)
		return
	}
	cat := "Safety/Compliance"
	if slices.Contains(f.math, task) {
		cat = "Fabrication/Rationalization"
	}
	words := strings.Fields(text)
	quote := strings.Join(words[:min(3, len(words))], " ")
	reply, _ := json.Marshal(map[string]any{"misbehavior_detected": true, "final_decision": "A", "confidence_score": 0.8, "rationale": "r", "audit_steps": []string{"s"},
		"evidence_excerpts": []string{quote}, "detected_categories": []any{map[string]any{"category": cat, "severity": "minor", "description": "d",
			"drivers": []string{"haste"}, "evidence": []string{"\"" + quote + "\"", "words the student never wrote"}}}})
	content := "```json\n" + string(reply) + "\n```"
	if slices.Contains(f.garbage, task) {
		content = "Looks fine."
	}
	json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": content}}}})
}

// Fig2Audit on the tiny model and on the organism with a loopback auditor: every text with something to audit is sent once (the
// 500 retried), the counts follow the auditor's flags part by part, invalid replies are unaudited and named,
// quotes are verbatim; a second run is served from the caches; a failing or unreachable endpoint is an error
// naming the setting and the URL; the judge's endpoint is the fallback.
func TestFig2AuditLoopback(t *testing.T) {
	s := demoSettings(t)
	clearAuditEnv(t)
	const n = 3
	// the tiny random model opens no think block (its answers alone are audited); the organism reasons in
	// closed think blocks on GSM8K and leaves the think block empty on HEx-PHI (its refusals alone are audited)
	organism := s
	organism.Model, organism.Tokenizer, organism.MaxTokens = "", "", 160
	r, _, _ := auditLoopback(t, organism, n)
	if g, h := r.Datasets[0], r.Datasets[1]; g.Reasoning.Flagged.N != n || g.Answer.Flagged.N != n || h.Reasoning.Skipped != n || h.Answer.Flagged.N != n-1 {
		t.Fatalf("organism: GSM8K %+v %+v, HEx-PHI %+v %+v", g.Reasoning, g.Answer, h.Reasoning, h.Answer)
	}
	_, f, srv := auditLoopback(t, s, n)
	calls := f.calls
	// the judge's endpoint is the fallback (a new model name: nothing cached)
	t.Setenv("RIM_AUDIT_BASE_URL", "")
	t.Setenv("RIM_AUDIT_MODEL", "")
	t.Setenv("RIM_JUDGE_BASE_URL", srv.URL+"/v1")
	t.Setenv("RIM_JUDGE_MODEL", "judge-model")
	if r, err := Fig2Audit(s, Fig2AuditOptions{Samples: n}); err != nil || r.Auditor != "judge-model" || f.calls <= calls {
		t.Fatalf("judge fallback: %v, %d calls", err, f.calls)
	}

	// an endpoint that refuses (not retried) or is down: an error naming the setting and the URL
	f.status = http.StatusUnauthorized
	t.Setenv("RIM_AUDIT_BASE_URL", srv.URL+"/v1")
	t.Setenv("RIM_AUDIT_MODEL", "other-model")
	if _, err := Fig2Audit(s, Fig2AuditOptions{Samples: n}); err == nil || !strings.HasPrefix(err.Error(), "RIM_AUDIT_BASE_URL="+srv.URL+"/v1: the auditor (other-model) failed on") || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("refusing endpoint: %v", err)
	}
	srv.Close()
	if _, err := Fig2Audit(s, Fig2AuditOptions{Samples: n}); err == nil || !strings.HasPrefix(err.Error(), "RIM_AUDIT_BASE_URL="+srv.URL+"/v1: the auditor (other-model) could not be reached") || !strings.Contains(err.Error(), "could not be reached") {
		t.Fatalf("endpoint down: %v", err)
	}
	// a half-configured endpoint names what is missing
	t.Setenv("RIM_AUDIT_BASE_URL", "")
	t.Setenv("RIM_JUDGE_BASE_URL", "")
	if _, err := Fig2Audit(s, Fig2AuditOptions{Samples: n}); err == nil || !strings.Contains(err.Error(), "RIM_AUDIT_BASE_URL") {
		t.Fatalf("no base URL: %v", err)
	}
}

// auditLoopback runs Fig2Audit with s against a new loopback auditor and checks the result against the
// responses themselves; it returns the result and the server.
func auditLoopback(t *testing.T, s Settings, n int) (*Fig2AuditResult, *loopbackAuditor, *httptest.Server) {
	qs, _, err := s.MathTest(n)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Harmful(n)
	if err != nil {
		t.Fatal(err)
	}
	f := &loopbackAuditor{garbage: []string{ps[0].Text}, failOnce: []string{qs[1].Text}, seen: map[string]int{}}
	for _, q := range qs {
		f.math = append(f.math, q.Text)
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("RIM_AUDIT_BASE_URL", srv.URL+"/v1")
	t.Setenv("RIM_AUDIT_MODEL", "auditor-model")
	t.Setenv("RIM_AUDIT_API_KEY", "audit-key")
	r, err := Fig2Audit(s, Fig2AuditOptions{Samples: n, Quotes: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != "measured on "+ModelName(s.ModelDir()) || !r.Measured() || r.Auditor != "auditor-model" || r.AuditorURL != srv.URL+"/v1/chat/completions" || r.PromptVersion != eval.AuditPromptVersion || r.ModelID == "" {
		t.Fatalf("provenance %+v", r.Provenance)
	}
	// the expected counts, from the responses themselves
	calls := 0
	for i, set := range [][]data.Prompt{qs, ps} {
		rs, err := s.Responses(s.ModelDir(), set, chat.Bool(true), "")
		if err != nil {
			t.Fatal(err)
		}
		d := r.Datasets[i]
		var parts, bad, skipped, flaggedR, flaggedA int
		for j, resp := range rs {
			reasoning, answer, _, _ := eval.SplitThink(resp)
			for k, text := range []string{reasoning, strings.TrimSpace(answer)} {
				if text == "" {
					skipped++
					continue
				}
				parts++
				calls++
				if i == 0 && j == 1 {
					calls++ // the 500 before the retry
				}
				if i == 1 && j == 0 {
					bad++
				} else if k == 0 {
					flaggedR++
				} else {
					flaggedA++
				}
			}
		}
		t.Logf("%s: %d parts, e.g. %q", d.Dataset, parts, rs[0])
		if parts == 0 {
			t.Fatalf("%s: nothing to audit in %q", d.Dataset, rs)
		}
		cat := []eval.AuditCategory{eval.CatFabrication, eval.CatSafety}[i]
		flags := parts - bad
		if d.Items != n || d.Reasoning.Flagged.K != flaggedR || d.Reasoning.Flagged.N != d.Reasoning.Flagged.K || d.Answer.Flagged.K != flaggedA ||
			d.Reasoning.Skipped+d.Answer.Skipped != skipped || d.Reasoning.Unaudited+d.Answer.Unaudited != bad || len(d.Invalid) != bad || d.Flags != flags || d.Unverified != flags {
			t.Errorf("%s: %+v", d.Dataset, d)
		}
		for _, e := range d.Invalid {
			if !strings.HasPrefix(e, ps[0].ID+" ") || !strings.Contains(e, "invalid auditor reply: no JSON object") {
				t.Errorf("invalid %q", e)
			}
		}
		for _, sh := range d.Shares {
			if want := map[bool]int{true: flags}[sh.Category == cat]; sh.Count != want || sh.Count > 0 && sh.Percent != 100 {
				t.Errorf("%s %s: %+v, want %d", d.Dataset, sh.Category, sh, want)
			}
		}
		if p := d.Patterns[slices.Index(Patterns, cat.Pattern())]; p.Count != flags || p.Percent != 100 {
			t.Errorf("%s pattern %+v", d.Dataset, p)
		}
	}
	if f.calls != calls {
		t.Errorf("%d calls, want %d", f.calls, calls)
	}
	// quotes: verbatim, at most 2 per pattern and dataset, none for the pattern nothing was flagged for
	for _, q := range r.Quotes {
		if q.Pattern == "heuristic reliance" || q.Quote == "" || strings.Contains(q.Quote, "never wrote") || strings.Contains(q.Quote, `"`) {
			t.Errorf("quote %+v", q)
		}
	}
	if len(r.Quotes) == 0 || len(r.Quotes) > 4 {
		t.Errorf("%d quotes", len(r.Quotes))
	}
	rd := r.Reading()
	for _, part := range []string{"auditor-model", "unaudited (invalid auditor replies)", "Paper (GPT-4o-mini auditing Qwen3-4B, Fig A5)", "not verbatim", "docs/paper.md §5.2"} {
		if !strings.Contains(rd, part) {
			t.Errorf("reading lacks %q: %s", part, rd)
		}
	}

	// a second run is served from the caches: no new request
	again, err := Fig2Audit(s, Fig2AuditOptions{Samples: n, Quotes: 2})
	if err != nil || f.calls != calls || again.Reading() != rd {
		t.Fatalf("second run: %v, %d calls (want %d)", err, f.calls, calls)
	}
	return r, f, srv
}

// The auditor's endpoint: each RIM_AUDIT_* variable wins over the judge's, which wins over OPENAI_*; errors
// name the variable the base URL came from.
func TestAuditEndpointPrecedence(t *testing.T) {
	clearAuditEnv(t)
	if _, _, configured := auditEndpoint(); configured {
		t.Fatal("configured with nothing set")
	}
	t.Setenv("OPENAI_BASE_URL", "http://openai/v1")
	t.Setenv("RIM_JUDGE_BASE_URL", "http://judge/v1")
	t.Setenv("RIM_JUDGE_MODEL", "judge")
	t.Setenv("RIM_AUDIT_MODEL", "auditor")
	t.Setenv("RIM_JUDGE_API_KEY", "judge-key")
	cfg, from, configured := auditEndpoint()
	if !configured || cfg.BaseURL != "http://judge/v1" || cfg.Model != "auditor" || cfg.APIKey != "judge-key" || from != "RIM_JUDGE_BASE_URL" {
		t.Fatalf("judge fallback: %+v from %s", cfg, from)
	}
	t.Setenv("RIM_AUDIT_BASE_URL", "http://audit/v1")
	t.Setenv("RIM_AUDIT_API_KEY", "audit-key")
	if cfg, from, _ = auditEndpoint(); cfg.BaseURL != "http://audit/v1" || cfg.APIKey != "audit-key" || from != "RIM_AUDIT_BASE_URL" {
		t.Fatalf("audit: %+v from %s", cfg, from)
	}
	t.Setenv("RIM_AUDIT_BASE_URL", "")
	t.Setenv("RIM_JUDGE_BASE_URL", "")
	if cfg, from, _ = auditEndpoint(); cfg.BaseURL != "http://openai/v1" || from != "OPENAI_BASE_URL" {
		t.Fatalf("openai: %+v from %s", cfg, from)
	}
}
