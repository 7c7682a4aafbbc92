package generate

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		text, think, answer string
		started, closed     bool
	}{
		{"<think>\nreason\n</think>\n\nanswer", "reason", "answer", false, true},
		{"<think>\n\n</think>\n\nanswer", "", "answer", false, true},
		// the prompt ended inside the block (prefill "<think>\n…")
		{"more reasoning\n</think>\n\nok", "more reasoning", "ok", true, true},
		// cut off inside the block
		{"<think>\nstill thinking\n", "still thinking\n", "", false, false},
		{"still thinking", "still thinking", "", true, false},
		// no-think: plain answer
		{"just an answer", "", "just an answer", false, false},
		{"\n\nanswer", "", "\n\nanswer", false, false},
		// Qwen3 rule: reasoning before the first close, answer after the last
		{"<think>a</think>b</think>\nc", "a", "c", false, true},
		{"x<think>a<think>b</think>c", "b", "c", false, true},
		// a tag later in the text does not open a block
		{"answer <think> text", "", "answer <think> text", false, false},
	} {
		th, ans, closed := testTags.Split(c.text, c.started)
		if th != c.think || ans != c.answer || closed != c.closed {
			t.Errorf("Split(%q, %v) = %q, %q, %v; want %q, %q, %v", c.text, c.started, th, ans, closed, c.think, c.answer, c.closed)
		}
	}
	var none *ThinkTags
	if th, ans, _ := none.Split("<think>x</think>y", false); th != "" || ans != "<think>x</think>y" {
		t.Errorf("nil tags split: %q %q", th, ans)
	}
}

func TestCountTokens(t *testing.T) {
	for _, c := range []struct {
		ids           []int
		started       bool
		think, answer int
	}{
		{[]int{tOpen, tWord, tNL, tClose, tNL, tWord, tEOS}, false, 4, 3},
		{[]int{tOpen, tWord, tWord}, false, 3, 0},
		{[]int{tWord, tWord}, true, 2, 0},
		{[]int{tWord, tClose, tWord}, true, 2, 1},
		{[]int{tWord, tWord}, false, 0, 2},
	} {
		th, ans := testTags.countTokens(c.ids, c.started)
		if th != c.think || ans != c.answer {
			t.Errorf("countTokens(%v, %v) = %d, %d; want %d, %d", c.ids, c.started, th, ans, c.think, c.answer)
		}
	}
}

func TestFindStopAndStableLen(t *testing.T) {
	stops := []string{"STOP", "\n\nUser:"}
	if at, s := findStop("abcST", stops, 3); at != -1 || s != "" {
		t.Errorf("partial stop matched at %d", at)
	}
	if at, s := findStop("abcSTOP", stops, 5); at != 3 || s != "STOP" {
		t.Errorf("stop across the boundary: at %d %q", at, s)
	}
	if at, _ := findStop("a\n\nUser: STOP", stops, 0); at != 1 {
		t.Errorf("earliest stop: at %d, want 1", at)
	}
	if n := stableLen("abcST", stops); n != 3 {
		t.Errorf("stableLen holds back %d, want 3", n)
	}
	if n := stableLen("ab\uFFFD", nil); n != 2 {
		t.Errorf("stableLen with an incomplete character: %d", n)
	}
	if n := stableLen("abc", stops); n != 3 {
		t.Errorf("stableLen without a partial stop: %d", n)
	}
}

// TestStreamerDeltasMatchFinalSplit streams random token sequences built
// like real generations (think block, cut off or closed, then an answer)
// and checks that the deltas add up to the final split and never need to
// be taken back.
func TestStreamerDeltasMatchFinalSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	piece := func() int {
		return []int{tNL, tNL, tE2, t82, tAC, tWord, tWord + 1, tWord + 3, tWord + 5, tWord + 6, tWord + 10, tWord + 11}[r.IntN(12)]
	}
	for trial := range 2000 {
		started := r.IntN(4) == 0
		var ids []int
		opened := started
		if !started && r.IntN(3) > 0 {
			ids, opened = append(ids, tOpen), true
		}
		for range r.IntN(10) {
			ids = append(ids, piece())
		}
		// A close tag only after an open block (a close tag in plain answer
		// text re-labels what came before it, which a stream cannot undo).
		if opened && r.IntN(3) > 0 {
			ids = append(ids, tClose)
			for range r.IntN(10) {
				ids = append(ids, piece())
			}
		}
		stops := []string{"STOP"}
		st := newStreamer(testTags, started, stops)
		var th, ans strings.Builder
		var text string
		for i := range ids {
			text, _ = fakeDecoder{}.Decode(ids[:i+1], true)
			if at, _ := findStop(text, stops, 0); at >= 0 {
				text = text[:at]
				d1, d2 := st.update(text, true)
				th.WriteString(d1)
				ans.WriteString(d2)
				break
			}
			d1, d2 := st.update(text, i == len(ids)-1)
			th.WriteString(d1)
			ans.WriteString(d2)
		}
		wantTh, wantAns, _ := testTags.Split(text, started)
		if th.String() != wantTh || ans.String() != wantAns {
			t.Fatalf("trial %d ids %v (started %v): streamed %q / %q, final %q / %q", trial, ids, started, th.String(), ans.String(), wantTh, wantAns)
		}
	}
}
