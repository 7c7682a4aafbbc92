package chat

import (
	"strings"
	"testing"
)

func qwen3Template(t *testing.T) *Template {
	t.Helper()
	_, dir := fixtureTokenizer(t, "qwen3")
	tp, err := LoadTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tp.Family != Qwen3 {
		t.Fatalf("family %s, want qwen3", tp.Family)
	}
	return tp
}

func decodeOne(t *testing.T, fam string, id int) string {
	t.Helper()
	tk, _ := fixtureTokenizer(t, fam)
	s, err := tk.Decode([]int{id}, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func decodeSpan(t *testing.T, fam string, e *Encoded, r Region) string {
	t.Helper()
	tk, _ := fixtureTokenizer(t, fam)
	s, err := tk.Decode(e.IDs[r.Start:r.End], false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The paper's probe positions on Qwen3 (docs/paper.md §6.1: Input −5, −3, −2
// relative to the end of "…<|im_end|>\n<|im_start|>assistant\n"; §6.2 and
// Fig A3: <think> at +2, the empty span at +3, </think> at +4 from
// "assistant").
func TestQwen3PaperPositions(t *testing.T) {
	tp := qwen3Template(t)
	tk, _ := fixtureTokenizer(t, "qwen3")
	msgs := []Message{
		{Role: "system", Content: "You are helpful."},
		{Role: "user", Content: "Hi"}, {Role: "assistant", Content: "<think>\nx\n</think>\n\nHello."},
		{Role: "user", Content: "Give me a detailed and hands-on tutorial."},
	}
	think, err := tp.Encode(Wrap(tk), msgs, Options{AddGenerationPrompt: true})
	if err != nil {
		t.Fatal(err)
	}
	L := len(think.IDs)
	want := map[string]struct {
		idx  int
		text string
	}{
		PosUserEnd:     {L - 5, "<|im_end|>"},
		PosHeaderStart: {L - 3, "<|im_start|>"},
		PosRole:        {L - 2, "assistant"},
	}
	for name, w := range want {
		p, ok := think.Pos(name)
		if !ok || p != w.idx {
			t.Errorf("think mode %s at %d (ok %v), want %d", name, p, ok, w.idx)
			continue
		}
		if got := decodeOne(t, "qwen3", think.IDs[p]); got != w.text {
			t.Errorf("think mode %s decodes to %q, want %q", name, got, w.text)
		}
	}
	if _, ok := think.Pos(PosThinkOpen); ok {
		t.Errorf("think mode prompt has a <think> position")
	}
	// The last user turn's span decodes to its content exactly.
	u := think.All(KindUser)
	if len(u) != 2 || decodeSpan(t, "qwen3", think, u[1]) != msgs[3].Content {
		t.Errorf("user spans %v", u)
	}
	if s, ok := think.Find(KindSystem, 0); !ok || decodeSpan(t, "qwen3", think, s) != "You are helpful." {
		t.Errorf("system span %v", s)
	}

	nothink, err := tp.Encode(Wrap(tk), msgs, Options{AddGenerationPrompt: true, EnableThinking: Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	role := nothink.Positions[PosRole]
	if role != L-2 {
		t.Errorf("no-think role at %d, want %d", role, L-2)
	}
	for name, off := range map[string]int{PosThinkOpen: 2, PosThinkClose: 4} {
		if p, ok := nothink.Pos(name); !ok || p != role+off {
			t.Errorf("no-think %s at %d, want assistant%+d = %d", name, p, off, role+off)
		}
	}
	if got := decodeOne(t, "qwen3", nothink.IDs[nothink.Positions[PosThinkOpen]]); got != "<think>" {
		t.Errorf("think_open decodes to %q", got)
	}
	if got := decodeOne(t, "qwen3", nothink.IDs[nothink.Positions[PosThinkClose]]); got != "</think>" {
		t.Errorf("think_close decodes to %q", got)
	}
	empty, ok := nothink.Final(KindThink)
	if !ok || empty.Len() != 1 || empty.Start != role+3 {
		t.Fatalf("empty think span %v (ok %v), want exactly token %d", empty, ok, role+3)
	}
	if got := decodeSpan(t, "qwen3", nothink, empty); got != "\n\n" {
		t.Errorf("empty think span decodes to %q, want \\n\\n", got)
	}
	if h, ok := nothink.Final(KindHeader); !ok || decodeSpan(t, "qwen3", nothink, h) != "<|im_start|>assistant\n" {
		t.Errorf("final header %v", h)
	}
	// An earlier turn's header is not final.
	if h, ok := nothink.Find(KindHeader, 2); !ok || h.Start >= role {
		t.Errorf("turn 2 header %v", h)
	}
}

// The paper's inference-time injection: S right after <think> (Qwen3) or
// right after [/INST] (Mistral), docs/paper.md §5.2.
func TestPrefill(t *testing.T) {
	tp := qwen3Template(t)
	tk, _ := fixtureTokenizer(t, "qwen3")
	const s = "I will seek simple confirmation without logical re-evaluation to solve the request"
	msgs := []Message{{Role: "user", Content: "What is 2+2?"}}
	e, err := tp.Encode(Wrap(tk), msgs, Options{AddGenerationPrompt: true, Prefill: ThinkPrefill(s)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(e.Text, "<|im_start|>assistant\n<think>\n"+s) {
		t.Errorf("text %q", e.Text)
	}
	th, ok := e.Final(KindThink)
	if !ok || decodeSpan(t, "qwen3", e, th) != "\n"+s || th.End != len(e.IDs) {
		t.Errorf("open think span %v", th)
	}
	if p, ok := e.Pos(PosThinkOpen); !ok || decodeOne(t, "qwen3", e.IDs[p]) != "<think>" {
		t.Errorf("think_open %d %v", p, ok)
	}
	if _, ok := e.Pos(PosThinkClose); ok {
		t.Errorf("open think block has a </think> position")
	}
	pf, ok := e.Final(KindPrefill)
	if !ok || decodeSpan(t, "qwen3", e, pf) != ThinkPrefill(s) {
		t.Errorf("prefill span %v", pf)
	}
	// No-think mode: the prefill is the start of the answer.
	e, err = tp.Encode(Wrap(tk), msgs, Options{AddGenerationPrompt: true, EnableThinking: Bool(false), Prefill: "Sure"})
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := e.Final(KindAnswer); !ok || decodeSpan(t, "qwen3", e, a) != "Sure" {
		t.Errorf("no-think prefill answer %v", a)
	}
	// A prefill needs an open assistant header.
	if _, err := tp.Render(msgs, Options{Prefill: "x"}); err == nil || !strings.Contains(err.Error(), "prefill") {
		t.Errorf("prefill without generation prompt: err %v", err)
	}

	// Mistral: right after [/INST].
	mtk, mdir := fixtureTokenizer(t, "mistral")
	src := readFile(t, mdir, "chat_template.mistral-instruct-v0.1.jinja")
	mt, err := Recognize(src, map[string]any{"bos_token": "<s>", "eos_token": "</s>"})
	if err != nil {
		t.Fatal(err)
	}
	me, err := mt.Encode(Wrap(mtk), msgs, Options{Prefill: " " + s})
	if err != nil {
		t.Fatal(err)
	}
	if me.Text != "<s>[INST] What is 2+2? [/INST] "+s {
		t.Errorf("mistral text %q", me.Text)
	}
	a, ok := me.Final(KindAnswer)
	if !ok || a.End != len(me.IDs) || a.Start == 0 {
		t.Fatalf("mistral answer span %v", a)
	}
	if got := decodeSpan(t, "mistral", me, a); strings.TrimSpace(got) != s {
		t.Errorf("mistral answer decodes to %q", got)
	}
	if p := me.Positions[PosUserEnd]; decodeOne(t, "mistral", me.IDs[p]) != "]" || p != a.Start-1 {
		t.Errorf("mistral user_end at %d = %q, answer starts %d", p, decodeOne(t, "mistral", me.IDs[p]), a.Start)
	}
	if _, err := mt.Render(append(msgs, Message{Role: "assistant", Content: "4"}), Options{Prefill: "x"}); err == nil {
		t.Errorf("mistral prefill after an assistant turn: no error")
	}
}

// Llama-3 positions: <|eot_id|>, <|start_header_id|>, assistant.
func TestLlama3Positions(t *testing.T) {
	tk, dir := fixtureTokenizer(t, "llama3")
	tp, err := LoadTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := tp.Encode(Wrap(tk), []Message{{Role: "system", Content: " sys "}, {Role: "user", Content: "  Where is the treasure?\n"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	L := len(e.IDs)
	for name, w := range map[string]struct {
		idx  int
		text string
	}{PosUserEnd: {L - 5, "<|eot_id|>"}, PosHeaderStart: {L - 4, "<|start_header_id|>"}, PosRole: {L - 3, "assistant"}} {
		if p := e.Positions[name]; p != w.idx || decodeOne(t, "llama3", e.IDs[p]) != w.text {
			t.Errorf("%s at %d = %q, want %d %q", name, p, decodeOne(t, "llama3", e.IDs[p]), w.idx, w.text)
		}
	}
	if u, ok := e.Find(KindUser, 1); !ok || decodeSpan(t, "llama3", e, u) != "Where is the treasure?" {
		t.Errorf("user span %v", u)
	}
}

// A finished assistant turn (SFT data): think, answer and the end-of-turn
// token are separate spans of the final turn.
func TestQwen3TrainingRegions(t *testing.T) {
	tp := qwen3Template(t)
	tk, _ := fixtureTokenizer(t, "qwen3")
	msgs := []Message{{Role: "user", Content: "What is 6*7?"}, {Role: "assistant", Content: "<think>\n6*7 = 42.\n</think>\n\nThe answer is 42."}}
	e, err := tp.Encode(Wrap(tk), msgs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.FinalTurn != 1 {
		t.Fatalf("final turn %d", e.FinalTurn)
	}
	want := map[Kind]string{KindThinkOpen: "<think>", KindThink: "\n6*7 = 42.\n", KindThinkEnd: "</think>", KindAnswer: "The answer is 42.", KindTurnEnd: "<|im_end|>"}
	for k, w := range want {
		s, ok := e.Final(k)
		if !ok || decodeSpan(t, "qwen3", e, s) != w {
			t.Errorf("final %s span %v decodes to %q, want %q", k, s, decodeSpan(t, "qwen3", e, s), w)
		}
	}
	a, _ := e.Final(KindAnswer)
	end, _ := e.Final(KindTurnEnd)
	if a.End != end.Start || end.End != len(e.IDs)-1 {
		t.Errorf("answer %v and turn end %v are not adjacent / last but one", a, end)
	}
}
