package tokenize

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestInvalidUTF8IsReplacedLikeHF(t *testing.T) {
	tk := fixture(t, "qwen3")
	cases := []struct{ in, lossy string }{
		{"a\xffb", "a\uFFFDb"},
		{"a\xf0\x9f\xabb", "a\uFFFDb"},           // truncated 4-byte sequence: one U+FFFD
		{"\xed\xa0\x80x", "\uFFFD\uFFFD\uFFFDx"}, // surrogate: each byte is ill-formed
		{"\xc3", "\uFFFD"},
	}
	for _, c := range cases {
		if got, want := tk.Encode(c.in, false), tk.Encode(c.lossy, false); !slices.Equal(got, want) {
			t.Errorf("Encode(%q) = %v, want the encoding of %q = %v", c.in, got, c.lossy, want)
		}
		e := tk.EncodeWithOffsets(c.in, false)
		for i, o := range e.Offsets {
			if o[0] < 0 || o[1] > len(c.in) || o[0] > o[1] {
				t.Errorf("Encode(%q): offset %d = %v outside the input", c.in, i, o)
			}
		}
		if got := lossyString([]byte(c.in)); got != c.lossy {
			t.Errorf("lossyString(%q) = %q, want %q", c.in, got, c.lossy)
		}
	}
	// The replacement character of "a\xffb" covers exactly the bad byte.
	e := tk.EncodeWithOffsets("a\xffb", false)
	if last := e.Offsets[len(e.Offsets)-1]; last[1] != 3 {
		t.Errorf("offsets %v do not end at 3", e.Offsets)
	}
}

func TestEmptyAndUnknownSpecialText(t *testing.T) {
	for _, name := range fixtureTokenizers {
		tk := fixture(t, name)
		if ids := tk.Encode("", false); len(ids) != 0 {
			t.Errorf("%s: Encode(\"\") = %v", name, ids)
		}
		if s, err := tk.Decode(nil, false); err != nil || s != "" {
			t.Errorf("%s: Decode(nil) = %q, %v", name, s, err)
		}
		// A special-looking string that is not an added token is plain text.
		text := "x<|not_a_token|>y"
		ids := tk.Encode(text, false)
		for _, id := range ids {
			if tk.IsSpecial(id) {
				t.Errorf("%s: %q produced special token %d", name, text, id)
			}
		}
		if s, _ := tk.DecodeWith(ids, false, false); s != text {
			t.Errorf("%s: round trip of %q gave %q", name, text, s)
		}
	}
	tk := fixture(t, "mistral")
	if ids := tk.Encode("", true); !slices.Equal(ids, []int{1}) {
		t.Errorf("mistral: Encode(\"\", special) = %v, want [1]", ids)
	}
}

func TestDecodeErrors(t *testing.T) {
	tk := fixture(t, "qwen3")
	for _, ids := range [][]int{{9707, 999999}, {-1}} {
		_, err := tk.Decode(ids, false)
		if err == nil || !strings.Contains(err.Error(), "outside the vocabulary") {
			t.Errorf("Decode(%v) error = %v", ids, err)
		}
	}
}

func TestSpecialTokensAndConfig(t *testing.T) {
	q := fixture(t, "qwen3")
	if q.EOS != "<|im_end|>" || q.Pad != "<|endoftext|>" || q.BOS != "" || q.CleanUpSpaces {
		t.Errorf("qwen3 config: eos %q pad %q bos %q clean-up %v", q.EOS, q.Pad, q.BOS, q.CleanUpSpaces)
	}
	if id, err := q.SpecialID(q.EOS); err != nil || id != 151645 {
		t.Errorf("qwen3 eos id %d, %v", id, err)
	}
	if _, err := q.SpecialID(q.BOS); err == nil {
		t.Errorf("qwen3 has no bos, SpecialID should fail")
	}
	if !q.IsSpecial(151645) || q.IsSpecial(151667) { // <|im_end|> special, <think> not
		t.Errorf("qwen3 special flags wrong")
	}
	if id, ok := q.TokenToID("<think>"); !ok || id != 151667 {
		t.Errorf("TokenToID(<think>) = %d, %v", id, ok)
	}
	if s, ok := q.IDToToken(151667); !ok || s != "<think>" {
		t.Errorf("IDToToken(151667) = %q, %v", s, ok)
	}
	if q.ModelMaxLength != 131072 || fixture(t, "llama3").ModelMaxLength != 0 {
		t.Errorf("model_max_length: qwen3 %d, llama3 %d", q.ModelMaxLength, fixture(t, "llama3").ModelMaxLength)
	}
	if q.VocabSize() != 151669 {
		t.Errorf("qwen3 vocab size %d, want 151669", q.VocabSize())
	}
	l := fixture(t, "llama3")
	if !l.CleanUpSpaces || l.BOS != "<|begin_of_text|>" {
		t.Errorf("llama3 config: clean-up %v bos %q", l.CleanUpSpaces, l.BOS)
	}
	m := fixture(t, "mistral")
	if !m.AddBOSToken || m.BOS != "<s>" || m.Pad != "" {
		t.Errorf("mistral config: add_bos %v bos %q pad %q", m.AddBOSToken, m.BOS, m.Pad)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "tokenizer.json") {
		t.Errorf("Load of an empty dir: %v", err)
	}
	base := `{"added_tokens":[],"normalizer":null,"pre_tokenizer":%s,"post_processor":null,"decoder":null,
		"model":{"type":%s,"vocab":{"a":0,"b":1,"ab":2},"merges":%s}}`
	cases := []struct{ pre, typ, merges, want string }{
		{`null`, `"WordPiece"`, `[]`, `"WordPiece" is not supported`},
		{`{"type":"BertPreTokenizer"}`, `"BPE"`, `[]`, `pre_tokenizer type "BertPreTokenizer"`},
		{`{"type":"Split","pattern":{"Regex":"(?=x)"},"behavior":"Isolated","invert":false}`, `"BPE"`, `[]`, `regex "(?=x)"`},
		{`null`, `"BPE"`, `["a c"]`, `merge 0 "a" "c"`},
		{`null`, `"BPE"`, `["a b c"]`, `entry 0`},
		{`null`, `"BPE"`, `[["a","b"]]`, ``},
		{`null`, `"BPE"`, `["a b"]`, ``},
	}
	for _, c := range cases {
		data := []byte(sprintf3(base, c.pre, c.typ, c.merges))
		p := filepath.Join(dir, "tokenizer.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tk, err := Load(dir)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.merges, err)
				continue
			}
			if ids := tk.Encode("abab", false); !slices.Equal(ids, []int{2, 2}) {
				t.Errorf("tiny tokenizer encodes abab as %v", ids)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("want an error naming %s and containing %q, got %v", p, c.want, err)
		}
	}
	good := sprintf3(base, "null", `"BPE"`, `["a b"]`)
	for _, bad := range []string{"{not json", good[:len(good)/2], good + " x", strings.Replace(good, `"a":0`, `"a":"zero"`, 1),
		strings.Replace(good, `"a":0`, `"a":-3`, 1), strings.Replace(good, `["a b"]`, `[["a"]]`, 1), strings.Replace(good, `"a":0`, "\"a\x01\":0", 1)} {
		if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "tokenizer.json") {
			t.Errorf("bad json %q: %v", bad, err)
		}
	}
	// Escaped vocabulary keys are decoded.
	esc := strings.Replace(good, `"a":0`, `"\u0061":0`, 1)
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(esc), 0o644); err != nil {
		t.Fatal(err)
	}
	if tk, err := Load(dir); err != nil {
		t.Errorf("escaped key: %v", err)
	} else if id, ok := tk.TokenToID("a"); !ok || id != 0 {
		t.Errorf("escaped key: TokenToID(a) = %d, %v", id, ok)
	}
}

func sprintf3(f, a, b, c string) string {
	f = strings.Replace(f, "%s", a, 1)
	f = strings.Replace(f, "%s", b, 1)
	return strings.Replace(f, "%s", c, 1)
}

func TestVerifyFileReportsMismatches(t *testing.T) {
	tk := fixture(t, "qwen3")
	dir := t.TempDir()
	p := filepath.Join(dir, "cases.jsonl")
	lines := `{"id":"ok","text":"Hello world","ids":[9707,1879],"decoded":"Hello world"}
{"id":"bad","text":"Hello world","ids":[9707,1],"decoded":"Hello world"}
{"id":"dec","ids":[9707],"skip_special_tokens":false,"clean_up_tokenization_spaces":false,"decoded":"Bye"}
`
	if err := os.WriteFile(p, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	checked, failed, err := VerifyFile(tk, p, &out)
	if err != nil || checked != 3 || failed != 2 {
		t.Fatalf("VerifyFile = %d, %d, %v; output:\n%s", checked, failed, err, out.String())
	}
	for _, want := range []string{"bad: encode", "want [9707 1]", "got  [9707 1879]", `dec: decode`, `want "Bye"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := os.WriteFile(p, []byte(`{"id":"c","messages":[]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := VerifyFile(tk, p, &out); err == nil || !strings.Contains(err.Error(), "chat") {
		t.Errorf("chat record: %v", err)
	}
	if _, _, err := VerifyFile(tk, filepath.Join(dir, "missing.jsonl"), &out); err == nil {
		t.Errorf("missing file: no error")
	}
}
