package tokenize

import (
	"encoding/json"
	"os"
	"path/filepath"
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
//
// Without shared/ (a checkout elsewhere, RIM_SHARED unset) it runs on the
// Qwen3-format tokenizer of testdata/model/tiny-qwen3 instead of failing at
// set-up, and says so.
func FuzzRoundTrip(f *testing.F) {
	addSeeds(f)
	q, l, m := roundTripTokenizers(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, tk := range []*Tokenizer{q, l, m} {
			if tk == nil {
				continue
			}
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
		if l != nil {
			check("llama3", l)
		}
		if norm.NFC.IsNormalString(s) {
			check("qwen3", q)
		}
		if m != nil && !strings.Contains(s, "▁") && !strings.HasPrefix(s, " ") && !strings.Contains(s, "<s>") &&
			!strings.Contains(s, "</s>") && !strings.Contains(s, "<unk>") {
			check("mistral", m)
		}
	})
}

// roundTripTokenizers returns the shared fixtures' Qwen3, Llama-3 and
// Mistral tokenizers, or, when shared/ is absent, testdata's tiny Qwen3-format
// tokenizer and nil for the others.
func roundTripTokenizers(f testing.TB) (q, l, m *Tokenizer) {
	if p, err := testpaths.LookupShared(f, "fixtures", "tokenizers"); err != nil {
		f.Logf("FuzzRoundTrip: %s is missing (%v): fuzzing testdata/model/tiny-qwen3's tokenizer only; put shared/ beside the checkout or set RIM_SHARED for Qwen3, Llama-3 and Mistral", p, err)
		tk, err := Load(testpaths.TestData(f, "model", "tiny-qwen3"))
		if err != nil {
			f.Fatal(err)
		}
		return tk, nil, nil
	}
	return fixture(f, "qwen3"), fixture(f, "llama3"), fixture(f, "mistral")
}

// TestRoundTripWithoutShared: FuzzRoundTrip's set-up used to fail unless
// shared/ was found; it now falls back to testdata's tokenizer.
func TestRoundTripWithoutShared(t *testing.T) {
	t.Setenv("RIM_SHARED", filepath.Join(t.TempDir(), "no-shared"))
	q, l, m := roundTripTokenizers(t)
	if q == nil || l != nil || m != nil {
		t.Fatalf("tokenizers %v %v %v", q != nil, l != nil, m != nil)
	}
	for _, s := range []string{"Hello world", "a  b\n\n\tc", "<|im_start|>user\nHi<|im_end|>", "\u4f60\u597d"} {
		if got, err := q.DecodeWith(q.Encode(s, false), false, false); err != nil || got != s {
			t.Errorf("decode(encode(%q)) = %q, %v", s, got, err)
		}
	}
}
