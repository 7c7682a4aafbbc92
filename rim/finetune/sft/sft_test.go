package sft

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/tokenize"
)

func qwen3(t *testing.T) (*chat.Template, *tokenize.Tokenizer) {
	t.Helper()
	dir := testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")
	tok, err := tokenize.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := chat.LoadTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl, tok
}

func parse(t *testing.T, s string) []Record {
	t.Helper()
	recs, err := readJSONL(strings.NewReader(s), "")
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// trainedText decodes the labelled tokens.
func trainedText(t *testing.T, tok *tokenize.Tokenizer, ex Example) string {
	var ids []int
	for _, l := range ex.Labels {
		if l != IgnoreIndex {
			ids = append(ids, l)
		}
	}
	s, err := tok.Decode(ids, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestQwen3Masking: with reasoning_content, the loss covers exactly
// "<think>\n…\n</think>\n\nanswer<|im_end|>" (what the model generates after
// "<|im_start|>assistant\n"), and nothing of the prompt; ExcludeThink keeps
// only the answer and the end token.
func TestQwen3Masking(t *testing.T) {
	tmpl, tok := qwen3(t)
	recs := parse(t, `{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is 2+3?"},{"role":"assistant","content":"5","reasoning_content":"2 plus 3 is 5."}]}`)
	exs, st, err := Build(recs, tmpl, chat.Wrap(tok), Options{})
	if err != nil {
		t.Fatal(err)
	}
	full, _ := tok.Decode(exs[0].IDs, false)
	got := trainedText(t, tok, exs[0])
	want := "<think>\n2 plus 3 is 5.\n</think>\n\n5<|im_end|>"
	if got != want {
		t.Fatalf("trained %q, want %q\nfull %q", got, want, full)
	}
	if !strings.HasSuffix(strings.TrimRight(full, "\n"), want) {
		t.Fatalf("trained tokens are not the end of %q", full)
	}
	// Labels equal ids where set, and form one contiguous run.
	first, last := -1, -1
	for i, l := range exs[0].Labels {
		if l != IgnoreIndex {
			if l != exs[0].IDs[i] {
				t.Fatalf("label %d != id %d at %d", l, exs[0].IDs[i], i)
			}
			if first < 0 {
				first = i
			}
			if last >= 0 && last != i-1 {
				t.Fatalf("labelled positions not contiguous at %d", i)
			}
			last = i
		}
	}
	if st.Examples != 1 || st.Trained != len(tok.Encode(want, false)) {
		t.Fatalf("stats %+v (want %d trained)", st, len(tok.Encode(want, false)))
	}
	exs, _, err = Build(recs, tmpl, chat.Wrap(tok), Options{ExcludeThink: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := trainedText(t, tok, exs[0]); got != "5<|im_end|>" {
		t.Fatalf("exclude think: trained %q", got)
	}
}

func TestMultiTurnAndFinalOnly(t *testing.T) {
	tmpl, tok := qwen3(t)
	recs := parse(t, `{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}]}`)
	exs, _, err := Build(recs, tmpl, chat.Wrap(tok), Options{})
	if err != nil {
		t.Fatal(err)
	}
	all := trainedText(t, tok, exs[0])
	if !strings.Contains(all, "Hello<|im_end|>") || !strings.HasSuffix(all, "4<|im_end|>") || strings.Contains(all, "Hi") {
		t.Fatalf("all turns: %q", all)
	}
	exs, _, err = Build(recs, tmpl, chat.Wrap(tok), Options{FinalOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := trainedText(t, tok, exs[0]); strings.Contains(got, "Hello") || !strings.HasSuffix(got, "4<|im_end|>") {
		t.Fatalf("final only: %q", got)
	}
}

func TestLengthPolicy(t *testing.T) {
	recs := parse(t, `{"input_ids":[1,2,3,4,5,6],"labels":[-100,-100,-100,4,5,6]}
{"input_ids":[1,2,3],"labels":[-100,2,3]}

{"input_ids":[7,8,9,10]}`)
	exs, st, err := Build(recs, nil, nil, Options{MaxLen: 4, Policy: "truncate"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Truncated != 1 || st.Dropped != 0 || len(exs) != 3 || !reflect.DeepEqual(exs[0].Labels, []int{-100, -100, -100, 4}) {
		t.Fatalf("truncate: %+v %v", st, exs)
	}
	if !reflect.DeepEqual(exs[2].Labels, []int{7, 8, 9, 10}) || exs[2].Line != 3 {
		t.Fatalf("default labels: %+v", exs[2])
	}
	_, st, err = Build(recs, nil, nil, Options{MaxLen: 3, Policy: "truncate"})
	if err != nil || st.Dropped != 1 || st.Truncated != 1 { // record 1 has nothing trainable in 3 tokens
		t.Fatalf("truncate to 3: %+v %v", st, err)
	}
	exs, st, err = Build(recs, nil, nil, Options{MaxLen: 4, Policy: "drop"})
	if err != nil || st.Dropped != 1 || len(exs) != 2 {
		t.Fatalf("drop: %+v %v", st, err)
	}
	if _, _, err := Build(recs, nil, nil, Options{MaxLen: 1, Policy: "drop"}); err == nil || !strings.Contains(err.Error(), "no example left") {
		t.Fatalf("all dropped: %v", err)
	}
	if _, _, err := Build(recs, nil, nil, Options{Policy: "cut"}); err == nil {
		t.Fatal("want policy error")
	}
}

func TestBadInput(t *testing.T) {
	tmpl, tok := qwen3(t)
	cases := []struct{ data, want string }{
		{"", "empty dataset"},
		{"\n\n", "empty dataset"},
		{`{"messages":[{"role":"user","content":"hi"}]}`, "record 1: conversation has no assistant turn"},
		{`{"input_ids":[1,2]}` + "\n" + `{"messages":[{"role":"assistant","content":"x"},{"role":"user","content":"hi"}]}`, "record 2: conversation must end with an assistant turn"},
		{`{"input_ids":[1,2],"labels":[1]}`, "1 labels for 2 input_ids"},
		{`{"input_ids":[1,2],"labels":[-100,-100]}`, "no trained token"},
		{`{}`, "line 1: neither"},
		{`{"foo":1}`, `line 1: json: unknown field "foo"`},
		{`{"input_ids":[1]}` + "\n" + `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a","reasoning":"r"}]}`, `line 2: message 2: unknown field "reasoning"`},
		{`{"input_ids":[1,2]}` + "\n" + `not json`, "line 2:"},
	}
	for _, c := range cases {
		recs, err := readJSONL(strings.NewReader(c.data), "")
		if err == nil {
			_, _, err = Build(recs, tmpl, chat.Wrap(tok), Options{})
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.data, err, c.want)
		}
	}
	recs := parse(t, `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"x"}]}`)
	if _, _, err := Build(recs, nil, nil, Options{}); err == nil || !strings.Contains(err.Error(), "chat template") {
		t.Errorf("no template: %v", err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "d.jsonl")
	os.WriteFile(p, []byte(`{"input_ids":[1,2,3]}`+"\n"), 0o644)
	if recs, err := ReadJSONL(p); err != nil || len(recs) != 1 {
		t.Fatalf("ReadJSONL: %v", err)
	}
	if _, err := ReadJSONL(filepath.Join(dir, "missing.jsonl")); err == nil || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestOrderAndPad(t *testing.T) {
	lengths := []int{5, 1, 9, 3, 7, 2, 8, 4, 6, 10}
	a, err := Order(lengths, 3, 2, 42, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Order(lengths, 3, 2, 42, 0)
	c, _ := Order(lengths, 3, 2, 42, 1)
	if !reflect.DeepEqual(a, b) || reflect.DeepEqual(a, c) {
		t.Fatal("order must be a function of (seed, epoch)")
	}
	seen := map[int]bool{}
	for _, bt := range a {
		for _, i := range bt {
			if seen[i] {
				t.Fatalf("index %d twice", i)
			}
			seen[i] = true
		}
	}
	if len(seen) != len(lengths) || len(a) != 4 {
		t.Fatalf("%d batches covering %d", len(a), len(seen))
	}
	if _, err := Order(nil, 3, 1, 1, 0); err == nil {
		t.Fatal("want empty error")
	}
	if _, err := Order(lengths, 0, 1, 1, 0); err == nil {
		t.Fatal("want batch error")
	}
	p := Pad([]Example{{IDs: []int{1, 2, 3}, Labels: []int{-100, 2, 3}}, {IDs: []int{4}, Labels: []int{4}}}, 0, 4, 0)
	if len(p.IDs[0]) != 4 || !reflect.DeepEqual(p.Labels[1], []int{4, -100, -100, -100}) || !reflect.DeepEqual(p.Mask[1], []int{1, 0, 0, 0}) || p.Trained != 2 {
		t.Fatalf("pad: %+v", p)
	}
}

// TestLlama3Masking: Llama-3's template has no think support, so the
// reasoning goes inline before the answer and is trained with it; the loss
// ends with <|eot_id|> and covers nothing of the header or the prompt.
func TestLlama3Masking(t *testing.T) {
	dir := testpaths.Shared(t, "fixtures", "tokenizers", "llama3")
	tok, err := tokenize.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := chat.LoadTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs := parse(t, `{"messages":[{"role":"user","content":"What is 2+3?"},{"role":"assistant","content":"5","reasoning_content":"2 plus 3 is 5."}]}`)
	exs, _, err := Build(recs, tmpl, chat.Wrap(tok), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := trainedText(t, tok, exs[0])
	if want := "<think>\n2 plus 3 is 5.\n</think>\n\n5<|eot_id|>"; got != want {
		full, _ := tok.Decode(exs[0].IDs, false)
		t.Fatalf("trained %q, want %q\nfull %q", got, want, full)
	}
	if _, _, err := Build(recs, tmpl, chat.Wrap(tok), Options{ExcludeThink: true}); err == nil || !strings.Contains(err.Error(), "needs a template with think regions") {
		t.Fatalf("exclude think on llama3: %v", err)
	}
}

// TestReadJSONLStrict: the repo's data files load; an unknown message field
// is an error naming file:line and the field.
func TestReadJSONLStrict(t *testing.T) {
	for _, f := range []string{"conversations.jsonl", "tiny.jsonl"} {
		recs, err := ReadJSONL(testpaths.TestData(t, "finetune", f))
		if err != nil || len(recs) == 0 {
			t.Fatalf("%s: %d records, %v", f, len(recs), err)
		}
		if f == "conversations.jsonl" && (recs[0].Messages[1].ReasoningContent == nil || *recs[0].Messages[1].ReasoningContent == "") {
			t.Errorf("reasoning_content lost: %+v", recs[0].Messages[1])
		}
	}
	p := filepath.Join(t.TempDir(), "d.jsonl")
	os.WriteFile(p, []byte(`{"input_ids":[1,2]}`+"\n\n"+`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a","reasoning":"r"}]}`+"\n"), 0o644)
	if _, err := ReadJSONL(p); err == nil || !strings.Contains(err.Error(), p+":3: message 2: unknown field \"reasoning\"") {
		t.Errorf("got %v", err)
	}
}
