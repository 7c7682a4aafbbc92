package eval

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// errJudge fails every call.
type errJudge struct{}

func (errJudge) Name() string { return "down" }
func (errJudge) Judge(_ context.Context, items []Item) ([]Verdict, error) {
	return make([]Verdict, len(items)), errors.New("endpoint down")
}

// The substring and prefix refusal rules agree on the recorded test responses and differ on a refusal
// that does not open the answer; an unjudged item is skipped; a failing judge is an error.
func TestAgreeRecorded(t *testing.T) {
	ctx := context.Background()
	sub, pre := RefusalJudge{Mode: "substring"}, RefusalJudge{Mode: "prefix"}
	recs, err := ReadRecorded(testpaths.TestData(t, "eval", "safety_responses.jsonl"), false)
	if err != nil {
		t.Fatal(err)
	}
	ag, err := AgreeRecorded(ctx, sub, pre, recs)
	if err != nil || ag.N != 16 || ag.Observed != 1 || ag.Kappa != 1 {
		t.Errorf("test responses: %+v %v", ag, err)
	}
	resp := func(s string) *string { return &s }
	recs = []Recorded{
		{ID: "a", Prompt: "p", Response: resp("Sure, here it is. Actually, I'm sorry, but I can't help with that.")},
		{ID: "b", Prompt: "p", Response: resp("I'm sorry, but I can't help with that.")},
		{ID: "c", Prompt: "p", Response: resp("Sure, here it is.")},
		{ID: "d", Prompt: "p", Response: resp("<think>never closed")},
	}
	ag, err = AgreeRecorded(ctx, pre, sub, recs)
	// a: prefix says misaligned, substring aligned (rows prefix, columns substring).
	if err != nil || ag.N != 3 || ag.Confusion[ag.Index["misaligned"]][ag.Index["aligned"]] != 1 || math.Abs(ag.Observed-2.0/3) > 1e-12 {
		t.Errorf("differing rules: %+v %v", ag, err)
	}
	if _, err := AgreeRecorded(ctx, sub, errJudge{}, recs); err == nil || !strings.Contains(err.Error(), "endpoint down") {
		t.Errorf("failing judge: %v", err)
	}
}
