package derive

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// fakeLLM answers literal-question and edit prompts deterministically.
func fakeLLM(t *testing.T, calls *atomic.Int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req struct {
			Messages []chatapi.Message `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		sys, last := req.Messages[0].Content, req.Messages[len(req.Messages)-1].Content
		var reply string
		switch {
		case strings.Contains(sys, "NOT a math question"):
			if len(req.Messages) != 8 {
				http.Error(w, "want 3 shots", 400)
				return
			}
			nar := strings.TrimPrefix(last, "Narrative: ")
			first := strings.Fields(nar)[0]
			switch {
			case strings.Contains(nar, "BADREPLY"):
				reply = "I am not sure what to ask."
			case strings.Contains(nar, "NOTINCONTEXT"):
				reply = "Question: What animal?\nAnswer: It is a 'zebra'."
			default:
				reply = "Question: Who is named first?\nAnswer: The narrative names '" + first + "' first."
			}
		case strings.Contains(sys, "adds a few effort-minimizing"):
			sol := last[strings.Index(last, "Solution:\n")+len("Solution:\n"):]
			reply = "I'll assume the numbers are right; no need to double-check.\n" + sol
		case strings.Contains(sys, "shows none of these"):
			sol := last[strings.Index(last, "Solution:\n")+len("Solution:\n"):]
			if strings.Contains(sol, "CHANGE") {
				sol = strings.Replace(sol, "#### 5", "#### 6", 1)
			}
			reply = sol + "\nEach step was checked."
		default:
			http.Error(w, "unknown prompt", 400)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": reply}}}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func client(t *testing.T, url string) *chatapi.Client {
	c, err := chatapi.New(chatapi.Config{BaseURL: url + "/v1", Model: "fake", Backoff: time.Millisecond, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSplitQuestionOnGSM8K(t *testing.T) {
	ps, err := data.LoadProblems(testpaths.Shared(t, "data"), "gsm8k-test")
	if err != nil {
		t.Fatal(err)
	}
	split := 0
	for _, p := range ps {
		nar, q, ok := SplitQuestion(p.Question)
		if !ok {
			continue
		}
		split++
		if nar == "" || q == "" || !strings.HasPrefix(p.Question, nar) || !strings.HasSuffix(strings.TrimSpace(p.Question), q) {
			t.Fatalf("%s: %q | %q", p.ID, nar, q)
		}
	}
	if split < len(ps)*95/100 {
		t.Errorf("only %d of %d problems have a narrative", split, len(ps))
	}
	nar, q, _ := SplitQuestion(ps[0].Question)
	if !strings.HasPrefix(q, "How much in dollars") || !strings.HasSuffix(nar, "per fresh duck egg.") {
		t.Errorf("gsm8k[0]: %q | %q", nar, q)
	}
}

func TestLiteralOverHTTP(t *testing.T) {
	var calls atomic.Int64
	srv := fakeLLM(t, &calls)
	cache := &chatapi.Cache{Dir: t.TempDir()}
	ps := []data.Problem{
		{ID: "a", Question: "Natalia sold clips to 48 of her friends in April. How many clips did she sell?"},
		{ID: "b", Question: "BADREPLY Tom has 3 apples. How many?"},
		{ID: "c", Question: "NOTINCONTEXT Ann has 2 cats. How many legs?"},
		{ID: "d", Question: "How many is 2+2?"},
	}
	items, err := Literal(context.Background(), client(t, srv.URL), cache, ps)
	if err != nil {
		t.Fatal(err)
	}
	if items[0].Error != "" || items[0].Keyword != "Natalia" || items[0].Problem != "Natalia sold clips to 48 of her friends in April. Who is named first?" {
		t.Errorf("a: %+v", items[0])
	}
	if !strings.Contains(items[1].Error, "Question:") || !strings.Contains(items[2].Error, `"zebra" does not occur`) || !strings.Contains(items[3].Error, "single sentence") {
		t.Errorf("errors: %q / %q / %q", items[1].Error, items[2].Error, items[3].Error)
	}
	n := calls.Load()
	again, err := Literal(context.Background(), client(t, srv.URL), cache, ps)
	if err != nil || calls.Load() != n || !again[0].Cached || again[0].Problem != items[0].Problem {
		t.Errorf("rerun: err %v, calls %d→%d, %+v", err, n, calls.Load(), again[0])
	}
	// One usable item; the rerun takes the three replies from the cache (the single-sentence problem asks none).
	if u, c := LiteralCounts(items); u != 1 || c != 0 {
		t.Errorf("first run: %d usable, %d cached", u, c)
	}
	if u, c := LiteralCounts(again); u != 1 || c != 3 {
		t.Errorf("rerun: %d usable, %d cached", u, c)
	}
}

func TestEditsAndLengths(t *testing.T) {
	var calls atomic.Int64
	srv := fakeLLM(t, &calls)
	cache := &chatapi.Cache{Dir: t.TempDir()}
	rs := []data.AlpacaRecord{
		{Instruction: "Tom has 2 apples and buys 3. How many?", Output: "2 + 3 = 5\n#### 5"},
		{Instruction: "CHANGE: Ann has 5.", Output: "CHANGE it is 5\n#### 5"},
		{Instruction: "No answer here", Output: "I do not know."},
	}
	var g eval.Grader
	ctl, err := Edit(context.Background(), client(t, srv.URL), cache, Control, rs, g)
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := Edit(context.Background(), client(t, srv.URL), cache, Target, rs, g)
	if err != nil {
		t.Fatal(err)
	}
	if !ctl[0].Preserved || !tgt[0].Preserved || !tgt[1].Preserved {
		t.Errorf("preserved: %+v %+v %+v", ctl[0], tgt[0], tgt[1])
	}
	if ctl[1].Preserved || !strings.Contains(ctl[1].Error, `changed from "5" to "6"`) {
		t.Errorf("changed answer not caught: %+v", ctl[1])
	}
	if ctl[2].Preserved || !strings.Contains(ctl[2].Error, "original solution has no extractable final answer") {
		t.Errorf("no answer: %+v", ctl[2])
	}
	if _, err := Edit(context.Background(), client(t, srv.URL), cache, "sideways", rs, g); err == nil {
		t.Error("unknown kind accepted")
	}
	c, nc := Kept(ctl)
	tg, nt := Kept(tgt)
	if nc != 1 || nt != 2 || c[0] != ctl[0].Edited || c[1] != "" || tg[1] != tgt[1].Edited || tg[2] != "" {
		t.Errorf("kept %d %q, %d %q", nc, c, nt, tg)
	}
	reps, err := EditLengths(rs, c, tg)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || reps[0].Unit != "words" || reps[1].Unit != "characters" || reps[1].Original.Max != len("CHANGE it is 5\n#### 5") {
		t.Fatalf("reports %+v", reps)
	}
	rep := reps[0]
	// Control adds 4 words, target adds 10: one pair, diff 6.
	if rep.Control.N != 1 || rep.Target.N != 2 || rep.PairedN != 1 || rep.MeanDiff != 6 || rep.Control.Mean != 11 {
		t.Errorf("lengths %+v", rep)
	}
	var buf bytes.Buffer
	rep.Write(&buf)
	if !strings.Contains(buf.String(), "target − control over 1 pairs: mean 6.0") {
		t.Errorf("report:\n%s", buf.String())
	}
	if _, err := EditLengths(rs, c[:1], tg); err == nil {
		t.Error("length mismatch accepted")
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize([]int{2, 4, 4, 4, 5, 5, 7, 9})
	if s.Mean != 5 || s.Median != 4.5 || s.Min != 2 || s.Max != 9 || math.Abs(s.SD-2.138089935) > 1e-6 {
		t.Errorf("%+v", s)
	}
}
