package experiment

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// batches records Answer's progress calls.
type batches [][2]int

func (b *batches) on(done, total int) { *b = append(*b, [2]int{done, total}) }

// Answer in rim's engine equals Respond on the loaded model and reports each batch; through a server
// (rim serve over the same model) it gives the same responses; a prefill to a server and a max tokens of
// 0 are errors before any model is read.
func TestAnswerEngineAndServer(t *testing.T) {
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	m, _ := tiny(t)
	o := RespondOptions{Think: chat.Bool(false), MaxTokens: 6, Batch: 2}
	want, err := Respond(context.Background(), m, dir, prompts, o)
	if err != nil {
		t.Fatal(err)
	}
	var b batches
	got, err := Answer(context.Background(), dir, "", prompts, o, b.on)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("engine: %q %v, want %q", got, err, want)
	}
	if !slices.Equal(b, batches{{0, 3}, {2, 3}, {3, 3}}) {
		t.Errorf("engine progress %v", b)
	}
	o.Server = rimServe(t, dir)
	b = nil
	got, err = Answer(context.Background(), dir, "", prompts, o, b.on)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("server: %q %v, want %q", got, err, want)
	}
	if !slices.Equal(b, batches{{0, 3}}) {
		t.Errorf("server progress %v", b)
	}
	o.Prefill = "<think>\nI will hurry."
	if _, err := Answer(context.Background(), "/nonexistent", "", prompts, o, nil); err == nil || !strings.HasPrefix(err.Error(), "RIM_GEN_BASE_URL is set") || !strings.Contains(err.Error(), "prefill") {
		t.Errorf("prefill to a server: %v", err)
	}
	if _, err := Answer(context.Background(), "/nonexistent", "", prompts, RespondOptions{MaxTokens: 0, Batch: 1}, nil); err == nil || !strings.Contains(err.Error(), "max tokens 0") {
		t.Errorf("max tokens 0: %v", err)
	}
}

// MathRecords answers the first Limit problems of a real set, question + suffix, and records the gold
// answers and ids the set gives.
func TestMathRecords(t *testing.T) {
	root := testpaths.Shared(t, "data")
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	ps, err := data.LoadProblems(root, "math500")
	if err != nil {
		t.Fatal(err)
	}
	o := RespondOptions{Think: chat.Bool(false), MaxTokens: 4, Batch: 2}
	recs, err := MathRecords(context.Background(), MathJob{Model: dir, Data: root, Set: "math500", Suffix: " Put the answer in \\boxed{}.", Limit: 2, Respond: o})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Answer(context.Background(), dir, "", []string{ps[0].Question + " Put the answer in \\boxed{}.", ps[1].Question + " Put the answer in \\boxed{}."}, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		if r.ID != ps[i].ID || r.Prompt != ps[i].Question+" Put the answer in \\boxed{}." || *r.Gold != ps[i].Answer || r.Category != ps[i].Subject || *r.Response != want[i] {
			t.Errorf("record %d: %+v (response %q, want %q)", i, r, *r.Response, want[i])
		}
	}
	if r := recs[0]; r.Category == "" {
		t.Errorf("math500 record without its subject: %+v", r)
	}
	if _, err := MathRecords(context.Background(), MathJob{Model: dir, Data: root, Set: "math500", Limit: -1, Respond: o}); err == nil || !strings.Contains(err.Error(), "limit -1") {
		t.Errorf("limit -1: %v", err)
	}
	if _, err := MathRecords(context.Background(), MathJob{Model: dir, Data: root, Set: "harmbench", Respond: o}); err == nil || !strings.Contains(err.Error(), "not a math set") {
		t.Errorf("prompt set: %v", err)
	}
}

// SafetyRecords answers HEx-PHI-MI-style prompts after the Table A8 statement prefill: each response
// continues the prefill; a bad variant is the prompt set's *data.SettingError, before any model is read.
func TestSafetyRecords(t *testing.T) {
	root := testpaths.Shared(t, "data")
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	sp := data.SafetyPrompts{Root: root, Set: "harmbench", Intent: true, Statement: "calculation error", Variant: "dark", Style: "think"}
	recs, err := SafetyRecords(context.Background(), SafetyJob{Model: dir, Prompts: sp, Limit: 3, Respond: RespondOptions{MaxTokens: 4, Batch: 3}})
	if err != nil {
		t.Fatal(err)
	}
	ps, prefill, err := sp.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		if r.ID != ps[i].ID || !strings.HasSuffix(r.ID, "-mi") || r.Prompt != ps[i].Text || r.Category != ps[i].Category || r.Gold != nil ||
			!strings.HasPrefix(*r.Response, prefill) || len(*r.Response) == len(prefill) {
			t.Errorf("record %d: %+v, response %q", i, r, *r.Response)
		}
	}
	sp.Variant = "grey"
	_, err = SafetyRecords(context.Background(), SafetyJob{Model: "/nonexistent", Prompts: sp, Respond: RespondOptions{MaxTokens: 4, Batch: 3}})
	var se *data.SettingError
	if !errors.As(err, &se) || se.Setting != "variant" {
		t.Errorf("grey variant: %v", err)
	}
}
