package generate

import (
	"strings"
	"testing"
)

func newFake(t *testing.T, m *fakeModel) *fakeStepper {
	return &fakeStepper{t: t, m: m, padID: tPad}
}

func run(t *testing.T, m *fakeModel, prompts [][]int, opt Options) ([]Output, *fakeStepper) {
	t.Helper()
	s := newFake(t, m)
	opt.PadID = tPad
	out, err := Run(s, fakeDecoder{}, prompts, opt)
	if err != nil {
		t.Fatal(err)
	}
	return out, s
}

// A batch of prompts of different lengths gives each row exactly what it
// gives alone: left padding and per-row finishing do not leak.
func TestBatchEqualsSingle(t *testing.T) {
	m := &fakeModel{}
	prompts := [][]int{{tWord, tWord + 1, tWord + 2, tWord + 3, tWord}, {tWord + 4}, {tWord + 2, tWord + 9, tWord}}
	m.force(prompts[1], tWord, tEOS) // row 1 ends early
	for _, sampling := range []Sampling{{}, {Temperature: 0.9, TopK: 8, TopP: 0.95, Seed: 5}} {
		opt := Options{MaxNewTokens: 12, EOS: []int{tEOS}, Sampling: sampling}
		batch, s := run(t, m, prompts, opt)
		if batch[1].Finish != FinishStop || len(batch[1].IDs) != 2 {
			t.Errorf("row 1: %+v, want EOS after 2 tokens", batch[1])
		}
		if s.used > len(prompts[0])+12 {
			t.Errorf("cache used %d slots", s.used)
		}
		for i, p := range prompts {
			// Row i alone must use row i's random stream: run it as row i of a
			// batch of copies of itself.
			alone := make([][]int, i+1)
			for j := range alone {
				alone[j] = p
			}
			single, _ := run(t, m, alone, opt)
			if !equalInts(single[i].IDs, batch[i].IDs) || single[i].Text != batch[i].Text {
				t.Errorf("%+v row %d: batch %v, alone %v", sampling, i, batch[i].IDs, single[i].IDs)
			}
			if batch[i].PromptTokens != len(p) {
				t.Errorf("row %d prompt tokens %d", i, batch[i].PromptTokens)
			}
		}
	}
}

// With RowOffset a prompt samples from the stream of its global index,
// so splitting a job into batches does not change its samples.
func TestRowOffsetStreams(t *testing.T) {
	m := &fakeModel{}
	prompts := [][]int{{tWord}, {tWord + 1, tWord}, {tWord + 2}}
	opt := Options{MaxNewTokens: 8, Sampling: Sampling{Temperature: 1.5, Seed: 9}}
	all, _ := run(t, m, prompts, opt)
	opt.RowOffset = 1
	tail, _ := run(t, m, prompts[1:], opt)
	for i := range tail {
		if !equalInts(tail[i].IDs, all[i+1].IDs) {
			t.Errorf("prompt %d: %v in a batch from 0, %v in a batch from 1", i+1, all[i+1].IDs, tail[i].IDs)
		}
	}
}

func TestMaxNewTokensAndContext(t *testing.T) {
	m := &fakeModel{}
	out, s := run(t, m, [][]int{{tWord, tWord}, {tWord + 1, tWord + 2, tWord + 3, tWord + 4}}, Options{MaxNewTokens: 5, ContextLen: 7})
	if len(out[0].IDs) != 5 || out[0].Finish != FinishLength {
		t.Errorf("row 0: %d tokens, %s; want 5, length", len(out[0].IDs), out[0].Finish)
	}
	if len(out[1].IDs) != 3 || out[1].Finish != FinishLength {
		t.Errorf("row 1 (4-token prompt, context 7): %d tokens, %s; want 3, length", len(out[1].IDs), out[1].Finish)
	}
	if s.capacity != 4+5 {
		t.Errorf("capacity %d, want 9", s.capacity)
	}
	if len(s.infos) != 4 {
		t.Errorf("%d decode steps for 5 tokens, want 4 (no step after the last token)", len(s.infos))
	}
}

func TestStopStringAcrossTokens(t *testing.T) {
	m := &fakeModel{}
	p := []int{tWord}
	m.force(p, tWord+1, tWord+5, tWord+6, tWord+2) // "b" "ST" "OP" "c"
	out, _ := run(t, m, [][]int{p}, Options{MaxNewTokens: 10, StopStrings: []string{"STOP"}})
	o := out[0]
	if o.Text != "b" || o.Finish != FinishStop || o.StopString != "STOP" || len(o.IDs) != 3 {
		t.Errorf("got text %q finish %s stop %q ids %v; want \"b\", stop, STOP, 3 ids", o.Text, o.Finish, o.StopString, o.IDs)
	}
}

func TestThinkOutputAndStepInfo(t *testing.T) {
	m := &fakeModel{}
	think := []int{tWord, tWord + 1} // prompt in think mode (model opens the block)
	nothink := []int{tWord + 2, tOpen, tWord + 11, tClose, tWord + 11}
	prefill := []int{tWord + 3, tOpen, tNL, tWord}
	m.force(think, tOpen, tNL, tWord, tWord+3, tNL, tClose, tWord+11, tWord+2, tEOS)
	m.force(nothink, tWord+2, tWord+4, tEOS)
	m.force(prefill, tWord+1, tWord+1, tWord+1, tWord+1, tWord+1, tWord+1, tWord+1, tWord+1, tWord+1, tWord+1)
	var deltas [3]struct{ th, ans strings.Builder }
	steps := 0
	out, s := run(t, m, [][]int{think, nothink, prefill}, Options{
		MaxNewTokens: 9, EOS: []int{tEOS}, Think: testTags,
		OnDelta: func(d Delta) { deltas[d.Row].th.WriteString(d.Thinking); deltas[d.Row].ans.WriteString(d.Answer) },
		OnStep:  func(step, active int) { steps = step },
	})
	want := []struct {
		think, answer string
		closed        bool
		nt, na        int
	}{
		{"a the", "c", true, 6, 3},
		{"", "c end", true, 0, 3}, // closed in the prompt (no-think mode or a prefill with </think>)
		{"bbbbbbbbb", "", false, 9, 0},
	}
	for i, w := range want {
		o := out[i]
		if o.Thinking != w.think || o.Answer != w.answer || o.ThinkClosed != w.closed || o.ThinkTokens != w.nt || o.AnswerTokens != w.na {
			t.Errorf("row %d: thinking %q answer %q closed %v tokens %d+%d; want %q %q %v %d+%d",
				i, o.Thinking, o.Answer, o.ThinkClosed, o.ThinkTokens, o.AnswerTokens, w.think, w.answer, w.closed, w.nt, w.na)
		}
		if deltas[i].th.String() != o.Thinking || deltas[i].ans.String() != o.Answer {
			t.Errorf("row %d: streamed %q / %q", i, deltas[i].th.String(), deltas[i].ans.String())
		}
	}
	if steps != 9 {
		t.Errorf("OnStep last step %d, want 9", steps)
	}
	// InThink of the fed tokens: row 0 feeds <think> \n a the \n </think> (in
	// the block) then "\n\n" "c" (answer); row 2 is inside from the prompt.
	wantRow0 := []bool{true, true, true, true, true, true, false, false}
	for k, info := range s.infos {
		if info.InThink[0] != wantRow0[k] {
			t.Errorf("step %d: row 0 InThink %v, want %v", info.Step, info.InThink[0], wantRow0[k])
		}
		if !info.InThink[2] || info.InThink[1] {
			t.Errorf("step %d: InThink rows 1, 2 = %v, %v; want false, true", info.Step, info.InThink[1], info.InThink[2])
		}
	}
}

func TestRunErrors(t *testing.T) {
	m := &fakeModel{}
	for _, c := range []struct {
		prompts [][]int
		opt     Options
		want    string
	}{
		{nil, Options{MaxNewTokens: 1}, "no prompts"},
		{[][]int{{1}, {}}, Options{MaxNewTokens: 1}, "prompt 1 is empty"},
		{[][]int{{1}}, Options{MaxNewTokens: 0}, "max new tokens 0"},
		{[][]int{{1}}, Options{MaxNewTokens: -3}, "max new tokens -3"},
		{[][]int{{tWord, tWord, tWord}}, Options{MaxNewTokens: 4, ContextLen: 3}, "prompt 0 has 3 tokens, the model's context is 3"},
		{[][]int{{1}}, Options{MaxNewTokens: 1, StopStrings: []string{""}}, "stop string 0 is empty"},
		{[][]int{{1}}, Options{MaxNewTokens: 1, Sampling: Sampling{Temperature: -1}}, "temperature -1"},
	} {
		_, err := Run(newFake(t, m), fakeDecoder{}, c.prompts, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) || !IsInputError(err) {
			t.Errorf("%v %+v: error %v, want %q", c.prompts, c.opt, err, c.want)
		}
	}
}

func TestLeftPad(t *testing.T) {
	ids, mask := LeftPad([][]int{{5, 6, 7}, {8}}, 0)
	if !equalInts(ids[1], []int{0, 0, 8}) || !equalInts(mask[1], []int{0, 0, 1}) || !equalInts(mask[0], []int{1, 1, 1}) {
		t.Errorf("LeftPad: %v %v", ids, mask)
	}
}
