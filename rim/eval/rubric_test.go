package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// fakeJudge is an OpenAI chat-completions server whose behaviour is chosen
// by markers inside the judged response: SCORE=n, FAULT429ONCE, FAULT500,
// GARBAGE, UNPARSEABLE, SLOWONCE.
type fakeJudge struct {
	t     *testing.T
	mu    sync.Mutex
	calls map[string]int // by marker
	total int
}

var scoreRE = regexp.MustCompile(`SCORE=(\d+)`)
var markerRE = regexp.MustCompile(`(SCORE=\d+|FAULT429ONCE|FAULT500|GARBAGE|UNPARSEABLE|SLOWONCE)[A-Za-z0-9]*`)

func (f *fakeJudge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
		http.Error(w, "not found", 404)
		return
	}
	if r.Header.Get("Authorization") != "Bearer sk-secret-test-key" {
		http.Error(w, "unauthorised", 401)
		return
	}
	var req struct {
		Model       string            `json:"model"`
		Temperature *float64          `json:"temperature"`
		Messages    []chatapi.Message `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "judge-model" || req.Temperature == nil || *req.Temperature != 0 || len(req.Messages) != 1 {
		http.Error(w, "bad request", 400)
		return
	}
	content := req.Messages[0].Content
	if !strings.Contains(content, "#thescore:") || !strings.Contains(content, "User instruction:") {
		http.Error(w, "not a rubric prompt", 400)
		return
	}
	marker := markerRE.FindString(content)
	f.mu.Lock()
	f.calls[marker]++
	n := f.calls[marker]
	f.total++
	f.mu.Unlock()
	reply := func(text string) {
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": text}}}})
	}
	switch {
	case strings.HasPrefix(marker, "FAULT429ONCE") && n == 1:
		w.Header().Set("Retry-After", "0")
		http.Error(w, `{"error":"rate limited"}`, 429)
	case strings.HasPrefix(marker, "FAULT500"):
		http.Error(w, "boom", 500)
	case strings.HasPrefix(marker, "GARBAGE"):
		w.Write([]byte("<html>proxy error</html>"))
	case strings.HasPrefix(marker, "UNPARSEABLE"):
		reply("I would rate this response as fairly harmful.")
	case strings.HasPrefix(marker, "SLOWONCE") && n == 1:
		time.Sleep(500 * time.Millisecond)
		reply("#thereason: slow\n#thescore: 1")
	default:
		s := "1"
		if m := scoreRE.FindStringSubmatch(content); m != nil {
			s = m[1]
		}
		reply("#thereason: the model went along with it.\n#thescore: **" + s + "**")
	}
}

func newFake(t *testing.T) (*fakeJudge, *httptest.Server) {
	f := &fakeJudge{t: t, calls: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func testClient(t *testing.T, url string) *chatapi.Client {
	c, err := chatapi.New(chatapi.Config{BaseURL: url + "/v1", Model: "judge-model", APIKey: "sk-secret-test-key",
		Timeout: 200 * time.Millisecond, MaxRetries: 3, Backoff: time.Millisecond, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRubricJudgeOverHTTP(t *testing.T) {
	f, srv := newFake(t)
	cache := &chatapi.Cache{Dir: t.TempDir()}
	j := RubricJudge{Client: testClient(t, srv.URL), Cache: cache}
	items := []Item{
		{ID: "a", Prompt: "p1", Response: "Sure, SCORE=5 here is how"},
		{ID: "b", Prompt: "p2", Response: "<think>hmm SCORE=5</think>I can't help. SCORE=1"},
		{ID: "c", Prompt: "p3", Response: "text FAULT429ONCE SCORE=4"},
		{ID: "d", Prompt: "p4", Response: "FAULT500"},
		{ID: "e", Prompt: "p5", Response: "GARBAGE"},
		{ID: "f", Prompt: "p6", Response: "UNPARSEABLE"},
		{ID: "g", Prompt: "p7", Response: "SLOWONCE"},
		{ID: "h", Prompt: "p8", Response: "<think>never closed SCORE=5"},
		{ID: "i", Prompt: "p9", Response: "SCORE=3 borderline"},
		{ID: "j", Prompt: "p10", Response: "SCORE=2 warning"},
	}
	vs, err := j.Judge(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		judged, mis bool
		score       int
		errPart     string
	}{
		{true, true, 5, ""}, {true, false, 1, ""}, {true, true, 4, ""}, {false, false, 0, "HTTP 500"},
		{false, false, 0, "not JSON"}, {false, false, 0, "unparseable judge reply"}, {true, false, 1, ""},
		{false, false, 0, "think block never closed"}, {true, true, 3, ""}, {true, false, 2, ""},
	}
	for i, w := range want {
		v := vs[i]
		if v.Judged != w.judged || v.Misaligned != w.mis || v.Score != w.score || !strings.Contains(v.Error, w.errPart) {
			t.Errorf("%s: %+v, want %+v", items[i].ID, v, w)
		}
		if strings.Contains(v.Error, "sk-secret") {
			t.Errorf("%s: error leaks the API key: %s", items[i].ID, v.Error)
		}
	}
	if vs[0].Reason != "the model went along with it." {
		t.Errorf("reason %q", vs[0].Reason)
	}
	if f.calls["FAULT500"] != 4 || f.calls["GARBAGE"] != 4 || f.calls["FAULT429ONCE"] != 2 || f.calls["UNPARSEABLE"] != 1 || f.calls["SLOWONCE"] != 2 {
		t.Errorf("attempts per fault: %v", f.calls)
	}
	rep := NewSafetyReport(j.Name(), items, vs)
	if rep.Rate.K != 3 || rep.Rate.N != 6 || rep.Unjudged != 4 || fmt.Sprint(rep.Scores[1:]) != "[2 1 1 1 1]" || rep.Strict.K != 1 || rep.Strict.N != 6 {
		t.Errorf("report %+v", rep)
	}

	// Second run: every parsed-or-unparseable reply is cached; only the
	// failed calls go out again.
	before := f.total
	vs2, err := j.Judge(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.total - before; got != 8 { // FAULT500 and GARBAGE: 4 attempts each
		t.Errorf("second run made %d requests, want 8 (only the failed items)", got)
	}
	for i := range vs {
		if vs[i].Judged != vs2[i].Judged || vs[i].Score != vs2[i].Score {
			t.Errorf("%s: cached verdict differs: %+v vs %+v", items[i].ID, vs[i], vs2[i])
		}
	}

	// Endpoint down: fail fast with the URL; cached verdicts are kept.
	srv.Close()
	start := time.Now()
	vs3, err := j.Judge(context.Background(), append(items[:1:1], Item{ID: "new", Prompt: "p", Response: "SCORE=5 fresh"}))
	if err == nil || !strings.Contains(err.Error(), srv.URL+"/v1/chat/completions") || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("down endpoint: %v", err)
	}
	if strings.Contains(err.Error(), "sk-secret") {
		t.Error("error leaks the API key")
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("down endpoint took %v (should fail fast)", time.Since(start))
	}
	if !vs3[0].Judged || vs3[0].Score != 5 || vs3[1].Judged {
		t.Errorf("after outage: %+v", vs3)
	}
}

func TestChatAPIConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  chatapi.Config
		want string
	}{
		{chatapi.Config{Model: "m"}, "no base URL"},
		{chatapi.Config{BaseURL: "http://x"}, "no model"},
		{chatapi.Config{BaseURL: "ftp://x", Model: "m"}, "not http"},
	} {
		if _, err := chatapi.New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.cfg, err)
		}
	}
}

type replyCase struct {
	Reply  string
	Score  int
	Reason string
}

func loadReplyCases(t testing.TB) []replyCase {
	var cs []replyCase
	if err := data.ReadJSONL(testpaths.TestData(t, "eval", "judge_replies.jsonl"), func(_ int, c replyCase) error {
		cs = append(cs, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestParseRubricReply(t *testing.T) {
	cs := loadReplyCases(t)
	if len(cs) < 10 {
		t.Fatalf("%d reply cases", len(cs))
	}
	for _, c := range cs {
		s, r, err := ParseRubricReply(c.Reply)
		if c.Score == 0 {
			if err == nil {
				t.Errorf("%q: parsed score %d, want an error", c.Reply, s)
			}
			continue
		}
		if err != nil || s != c.Score || (c.Reason != "" && r != c.Reason) {
			t.Errorf("%q: %d %q %v, want %d %q", c.Reply, s, r, err, c.Score, c.Reason)
		}
	}
}

func FuzzParseRubricReply(f *testing.F) {
	for _, c := range loadReplyCases(f) {
		f.Add(c.Reply)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		s, _, err := ParseRubricReply(reply)
		if err == nil && (s < 1 || s > 5) {
			t.Fatalf("score %d out of range", s)
		}
		if err != nil && s != 0 {
			t.Fatalf("error with score %d", s)
		}
	})
}

func TestRubricPromptStructure(t *testing.T) {
	p := RubricPrompt("INSTR", "RESP")
	for _, part := range []string{"User instruction: \"INSTR\"", "Model response: \"RESP\"", "#thereason:", "#thescore:", "1 -", "5 -", "Illegal activity"} {
		if !strings.Contains(p, part) {
			t.Errorf("prompt lacks %q", part)
		}
	}
}
