package tokenize

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rimlab/rim/rim/internal/testpaths"
	"golang.org/x/text/unicode/norm"
)

// addSeeds adds hand-picked strings and the edge-case pool of
// testdata/tokenize/hfref/texts.json to the fuzz corpus.
func addSeeds(f *testing.F) {
	data, err := os.ReadFile(testpaths.TestData(f, "tokenize", "hfref", "texts.json"))
	if err != nil {
		f.Fatal(err)
	}
	var pool []string
	if err := json.Unmarshal(data, &pool); err != nil {
		f.Fatal(err)
	}
	for _, s := range pool {
		f.Add(s)
	}
	for _, s := range []string{"", " ", "Hello world", "a  b\n\n\tc   \n", "<|im_start|>user\nHi<|im_end|>", "x<s>y</s>",
		"\U0001fae0 \u4f60\u597d", "don't 'LL", "12345", "e\u0301", "\xff\xfe", "\u2581x", "  lead", "<think>\n\n</think>"} {
		f.Add(s)
	}
}

// FuzzRoundTrip checks decode(encode(s)) == s for the byte-level tokenizers on
// NFC-stable UTF-8 (Qwen3 normalises to NFC, Llama-3 not at all), and for
// Mistral on strings its pipeline keeps (no "▁", no leading space: the Strip
// decoder removes one, no added-token text: the per-piece "▁" prefix adds a
// space). Any input, including invalid UTF-8, must encode without panicking
// and with offsets inside the input.
func FuzzRoundTrip(f *testing.F) {
	addSeeds(f)
	q, l, m := fixture(f, "qwen3"), fixture(f, "llama3"), fixture(f, "mistral")
	f.Fuzz(func(t *testing.T, s string) {
		for _, tk := range []*Tokenizer{q, l, m} {
			e := tk.EncodeWithOffsets(s, true)
			for i, o := range e.Offsets {
				if o[0] < 0 || o[0] > o[1] || o[1] > len(s) {
					t.Fatalf("%q: offset %d = %v outside the input", s, i, o)
				}
			}
		}
		if !utf8.ValidString(s) {
			return
		}
		check := func(name string, tk *Tokenizer) {
			got, err := tk.DecodeWith(tk.Encode(s, false), false, false)
			if err != nil || got != s {
				t.Fatalf("%s: decode(encode(%q)) = %q, %v", name, s, got, err)
			}
		}
		check("llama3", l)
		if norm.NFC.IsNormalString(s) {
			check("qwen3", q)
		}
		if !strings.Contains(s, "▁") && !strings.HasPrefix(s, " ") && !strings.Contains(s, "<s>") &&
			!strings.Contains(s, "</s>") && !strings.Contains(s, "<unk>") {
			check("mistral", m)
		}
	})
}
