package bpetrain

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/tokenize"
)

// corpus returns about n bytes of real text (GSM8K train + Alpaca-libre)
// from shared/data.
func corpus(t *testing.T, n int) []byte {
	t.Helper()
	var b []byte
	for _, p := range []string{"gsm8k/train.jsonl", "alpaca_libre/alpaca_libre_tasks_v1.jsonl"} {
		data, err := os.ReadFile(testpaths.Shared(t, "data", p))
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, data[:min(len(data), n/2)]...)
	}
	return b
}

func train(t *testing.T, docs [][]byte, vocab int) (*Result, string) {
	t.Helper()
	res, err := Train(docs, Options{VocabSize: vocab})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := res.Write(dir); err != nil {
		t.Fatal(err)
	}
	return res, dir
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func keys(m map[string]any) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

// TestSchemaMatchesQwen3 compares the written files with Qwen3's real
// tokenizer.json and tokenizer_config.json: same keys, same pipeline
// objects, same added tokens and flags (ids shifted), same chat template.
func TestSchemaMatchesQwen3(t *testing.T) {
	qdir := testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")
	res, dir := train(t, [][]byte{corpus(t, 200_000)}, 1000)
	if res.VocabSize != 1000 {
		t.Fatalf("vocab %d, want 1000", res.VocabSize)
	}
	q, m := readJSON(t, filepath.Join(qdir, "tokenizer.json")), readJSON(t, filepath.Join(dir, "tokenizer.json"))
	if !slices.Equal(keys(q), keys(m)) {
		t.Fatalf("top-level keys %v, Qwen3 has %v", keys(m), keys(q))
	}
	for _, k := range []string{"version", "truncation", "padding", "normalizer", "pre_tokenizer", "post_processor", "decoder"} {
		if !reflect.DeepEqual(q[k], m[k]) {
			t.Errorf("%s = %v, Qwen3 has %v", k, m[k], q[k])
		}
	}
	qm, mm := q["model"].(map[string]any), m["model"].(map[string]any)
	if !slices.Equal(keys(qm), keys(mm)) {
		t.Fatalf("model keys %v, Qwen3 has %v", keys(mm), keys(qm))
	}
	for k := range qm {
		if k != "vocab" && k != "merges" && !reflect.DeepEqual(qm[k], mm[k]) {
			t.Errorf("model.%s = %v, Qwen3 has %v", k, mm[k], qm[k])
		}
	}
	if n := len(mm["vocab"].(map[string]any)); n != 1000-len(Qwen3Added) {
		t.Errorf("model.vocab has %d entries, want %d", n, 1000-len(Qwen3Added))
	}
	// Ids 0..255 are the byte symbols in Qwen3's own order.
	qv, mv := qm["vocab"].(map[string]any), mm["vocab"].(map[string]any)
	for s, id := range qv {
		if id.(float64) < 256 && mv[s] != id {
			t.Errorf("byte symbol %q: id %v, Qwen3 has %v", s, mv[s], id)
		}
	}
	qa, ma := q["added_tokens"].([]any), m["added_tokens"].([]any)
	if len(qa) != len(ma) {
		t.Fatalf("%d added tokens, Qwen3 has %d", len(ma), len(qa))
	}
	for i := range qa {
		a, b := qa[i].(map[string]any), ma[i].(map[string]any)
		if b["id"].(float64) != float64(1000-len(qa)+i) {
			t.Errorf("added token %d has id %v", i, b["id"])
		}
		delete(a, "id")
		delete(b, "id")
		if !reflect.DeepEqual(a, b) {
			t.Errorf("added token %d = %v, Qwen3 has %v", i, b, a)
		}
	}
	qc, mc := readJSON(t, filepath.Join(qdir, "tokenizer_config.json")), readJSON(t, filepath.Join(dir, "tokenizer_config.json"))
	if !slices.Equal(keys(qc), keys(mc)) {
		t.Fatalf("config keys %v, Qwen3 has %v", keys(mc), keys(qc))
	}
	for k := range qc {
		if k == "added_tokens_decoder" {
			var qd, md []any
			for _, v := range qc[k].(map[string]any) {
				qd = append(qd, v)
			}
			for id, v := range mc[k].(map[string]any) {
				if mv := v.(map[string]any); mv["content"] != ma[mustAtoi(t, id)-(1000-len(qa))].(map[string]any)["content"] {
					t.Errorf("added_tokens_decoder[%s] = %v", id, mv["content"])
				}
				md = append(md, v)
			}
			byContent := func(x []any) func(i, j int) bool {
				return func(i, j int) bool {
					return x[i].(map[string]any)["content"].(string) < x[j].(map[string]any)["content"].(string)
				}
			}
			sort.Slice(qd, byContent(qd))
			sort.Slice(md, byContent(md))
			if !reflect.DeepEqual(qd, md) {
				t.Errorf("added_tokens_decoder entries differ from Qwen3's")
			}
			continue
		}
		if !reflect.DeepEqual(qc[k], mc[k]) {
			t.Errorf("tokenizer_config %s = %v, Qwen3 has %v", k, mc[k], qc[k])
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	var n int
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRoundTrip checks decode(encode(x)) == x on corpus lines and on unseen
// text, that the vocabulary compresses the corpus, and that added tokens are
// single tokens.
func TestRoundTrip(t *testing.T) {
	text := corpus(t, 400_000)
	res, dir := train(t, [][]byte{text}, 2048)
	tok, err := tokenize.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() != res.VocabSize {
		t.Fatalf("loaded vocab %d, trained %d", tok.VocabSize(), res.VocabSize)
	}
	lines := strings.Split(string(text), "\n")
	unseen := []string{
		"Thé quick brown fox — jumps over 12,345 lazy dogs!\n\n  indented\ttab",
		"日本語のテキストと中文混合，还有emoji 🙂👍🏽 and Ελληνικά.",
		"def f(x):\n    return x**2  # comment\r\n",
		"   leading and trailing spaces   ",
		"<|im_start|>user\nhi<|im_end|>\n<think>\nstep\n</think>\n\nanswer",
		"",
		"\u00e9 composed, Hangul 한국어, Devanagari हिन्दी, Arabic العربية",
	}
	var ids, chars int
	for _, s := range append(lines, unseen...) {
		enc := tok.Encode(s, false)
		got, err := tok.Decode(enc, false)
		if err != nil {
			t.Fatal(err)
		}
		if want := norm.NFC.String(s); got != want {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
		ids += len(enc)
		chars += len(s)
	}
	if r := float64(chars) / float64(ids); r < 2.5 {
		t.Errorf("%.2f bytes per token: the merges do not compress the corpus", r)
	} else {
		t.Logf("%.2f bytes per token (vocab %d, %d merges, %d words)", r, res.VocabSize, res.Merges, res.Words)
	}
	// Text that is not NFC comes back NFC (the Qwen3 normaliser).
	if got, _ := tok.Decode(tok.Encode("e\u0301", false), false); got != "\u00e9" {
		t.Errorf("decomposed é decoded as %q", got)
	}
	for _, a := range Qwen3Added {
		if ids := tok.Encode("x"+a.Content+"y", false); len(ids) != 3 {
			t.Errorf("%s: %d tokens in x%sy, want 3", a.Content, len(ids), a.Content)
		}
	}
}

// TestDeterministic trains twice (documents also in another order of
// workers) and wants identical bytes.
func TestDeterministic(t *testing.T) {
	text := corpus(t, 300_000)
	a, err := Train([][]byte{text}, Options{VocabSize: 1500})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train([][]byte{text}, Options{VocabSize: 1500})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.TokenizerJSON, b.TokenizerJSON) || !bytes.Equal(a.ConfigJSON, b.ConfigJSON) {
		t.Fatal("two runs on the same corpus gave different files")
	}
	// Cut into chunks differently: the counted words, so the result, must not change.
	half := bytes.IndexByte(text[len(text)/2:], '\n') + len(text)/2 + 1
	c, err := Train([][]byte{text[:half], text[half:]}, Options{VocabSize: 1500})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.TokenizerJSON, c.TokenizerJSON) {
		t.Fatal("splitting the corpus at a line start changed the result")
	}
}

// TestKnownMerges checks a corpus small enough to do by hand: words "ab",
// " ab" ×2, " abc" give (a,b)=4, then (Ġ,ab)=3, then only pairs of count 1.
func TestKnownMerges(t *testing.T) {
	res, err := Train([][]byte{[]byte("ab ab ab abc")}, Options{VocabSize: 4000, WholeWords: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Model struct{ Merges [][2]string }
	}
	if err := json.Unmarshal(res.TokenizerJSON, &f); err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"a", "b"}, {"Ġ", "ab"}}
	if !reflect.DeepEqual(f.Model.Merges, want) {
		t.Fatalf("merges %v, want %v", f.Model.Merges, want)
	}
	if res.VocabSize != 256+2+len(Qwen3Added) {
		t.Fatalf("vocab %d, want %d (stopped at min frequency 2)", res.VocabSize, 256+2+len(Qwen3Added))
	}
}

// TestMatchesNaiveTrainer compares the incremental trainer with a direct
// one that recounts every pair after each merge (same tie rule).
func TestMatchesNaiveTrainer(t *testing.T) {
	text := corpus(t, 60_000)
	pre, err := preTokenizer()
	if err != nil {
		t.Fatal(err)
	}
	counts := countWords(pre, [][]byte{text})
	fast := newTrainer(counts)
	fast.train(256+300, 2)

	slow := newTrainer(counts) // reuse the initial state, then merge naively
	for len(slow.tokens) < 256+300 {
		pc := map[[2]int32]int64{}
		for _, w := range slow.words {
			for i := 0; i+1 < len(w.syms); i++ {
				pc[[2]int32{w.syms[i], w.syms[i+1]}] += w.count
			}
		}
		var best [2]int32
		var bc int64
		for p, c := range pc {
			if c > bc || c == bc && (p[0] < best[0] || p[0] == best[0] && p[1] < best[1]) {
				best, bc = p, c
			}
		}
		if bc < 2 {
			break
		}
		merged := string(slow.tokens[best[0]]) + string(slow.tokens[best[1]])
		n, ok := slow.ids[merged]
		if !ok {
			n = int32(len(slow.tokens))
			slow.tokens = append(slow.tokens, []byte(merged))
			slow.ids[merged] = n
		}
		slow.merges = append(slow.merges, best)
		for i := range slow.words {
			s := slow.words[i].syms
			var out []int32
			for j := 0; j < len(s); {
				if j+1 < len(s) && s[j] == best[0] && s[j+1] == best[1] {
					out = append(out, n)
					j += 2
				} else {
					out = append(out, s[j])
					j++
				}
			}
			slow.words[i].syms = out
		}
	}
	if !reflect.DeepEqual(fast.merges, slow.merges) {
		for i := range min(len(fast.merges), len(slow.merges)) {
			if fast.merges[i] != slow.merges[i] {
				t.Fatalf("merge %d: incremental %v, naive %v", i, fast.merges[i], slow.merges[i])
			}
		}
		t.Fatalf("%d merges incremental, %d naive", len(fast.merges), len(slow.merges))
	}
}

// TestChatRegions renders the Qwen3 chat fixtures with the trained
// tokenizer directory and with the real Qwen3 one: same text, same region
// kinds and turns in the same order, same named positions on the same
// special tokens.
func TestChatRegions(t *testing.T) {
	qdir := testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")
	_, dir := train(t, [][]byte{corpus(t, 200_000)}, 1200)
	mine, err := tokenize.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	real, err := tokenize.Load(qdir)
	if err != nil {
		t.Fatal(err)
	}
	mt, err := chat.LoadTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	qt, err := chat.LoadTemplate(qdir)
	if err != nil {
		t.Fatal(err)
	}
	if mt.Family != qt.Family {
		t.Fatalf("template family %s, Qwen3's is %s", mt.Family, qt.Family)
	}
	cases, err := chat.ReadCases(filepath.Join(qdir, "chat.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, c := range cases {
		if c.Rendered == nil {
			continue
		}
		msgs, err := c.Conversation()
		if err != nil {
			t.Fatal(err)
		}
		opt, err := c.Options()
		if err != nil {
			t.Fatal(err)
		}
		me, err := mt.Encode(chat.Wrap(mine), msgs, opt)
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		qe, err := qt.Encode(chat.Wrap(real), msgs, opt)
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		if me.Text != *c.Rendered || me.Approx {
			t.Errorf("%s: rendered %q (approx %v), want %q", c.ID, me.Text, me.Approx, *c.Rendered)
		}
		kinds := func(e *chat.Encoded) []string {
			var k []string
			for _, s := range e.Spans {
				k = append(k, string(s.Kind)+"/"+string(rune('0'+s.Turn)))
			}
			return k
		}
		if !slices.Equal(kinds(me), kinds(qe)) {
			t.Errorf("%s: regions %v, Qwen3 %v", c.ID, kinds(me), kinds(qe))
		}
		for name, qp := range qe.Positions {
			mp, ok := me.Positions[name]
			if !ok {
				t.Errorf("%s: no position %s", c.ID, name)
				continue
			}
			ms, _ := mine.IDToToken(me.IDs[mp])
			qs, _ := real.IDToToken(qe.IDs[qp])
			if ms != qs {
				t.Errorf("%s: position %s is %q, Qwen3 %q", c.ID, name, ms, qs)
			}
		}
		if len(me.Positions) != len(qe.Positions) {
			t.Errorf("%s: %d positions, Qwen3 %d", c.ID, len(me.Positions), len(qe.Positions))
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d chat cases checked", checked)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := Train(nil, Options{VocabSize: 1000}); err == nil || !strings.Contains(err.Error(), "empty corpus") {
		t.Errorf("no documents: err %v", err)
	}
	if _, err := Train([][]byte{{}, []byte("")}, Options{VocabSize: 1000}); err == nil || !strings.Contains(err.Error(), "empty corpus") {
		t.Errorf("empty documents: err %v", err)
	}
	_, err := Train([][]byte{[]byte("some text")}, Options{VocabSize: 281})
	if err == nil || !strings.Contains(err.Error(), "vocab 281") || !strings.Contains(err.Error(), "282") {
		t.Errorf("vocab 281: err %v", err)
	}
	if _, err := TrainFiles([]string{filepath.Join(t.TempDir(), "missing.txt")}, Options{VocabSize: 1000}); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing file: err %v", err)
	}
	if _, err := TrainFiles(nil, Options{VocabSize: 1000}); err == nil {
		t.Error("no files: no error")
	}
	// The smallest vocabulary is valid: bytes and added tokens only.
	res, err := Train([][]byte{[]byte("aaaa bbbb")}, Options{VocabSize: MinVocab, WholeWords: []string{}})
	if err != nil || res.VocabSize != MinVocab || res.Merges != 0 {
		t.Errorf("vocab %d: %v, %+v", MinVocab, err, res)
	}
}

// TestWholeWords: role names become single tokens even when the corpus
// never has them, and the vocabulary still has the size asked for.
func TestWholeWords(t *testing.T) {
	res, dir := train(t, [][]byte{corpus(t, 100_000)}, 330)
	if res.VocabSize != 330 {
		t.Fatalf("vocab %d, want 330", res.VocabSize)
	}
	tok, err := tokenize.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range DefaultWholeWords {
		if ids := tok.Encode(w, false); len(ids) != 1 {
			t.Errorf("%q encodes as %d tokens", w, len(ids))
		}
	}
	if _, err := Train([][]byte{[]byte("x")}, Options{VocabSize: MinVocab}); err == nil || !strings.Contains(err.Error(), "no room") {
		t.Errorf("vocab %d with whole words: err %v", MinVocab, err)
	}
}

func TestChatTemplateIsQwen3s(t *testing.T) {
	data, err := os.ReadFile(testpaths.Shared(t, "fixtures", "tokenizers", "qwen3", "chat_template.jinja"))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != ChatTemplate {
		t.Fatal("embedded chat template differs from Qwen3's")
	}
}
