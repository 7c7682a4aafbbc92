package tokenize

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
	"golang.org/x/text/unicode/norm"
)

func caseTexts(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(testpaths.Shared(t, "fixtures", "tokenizers", name), "cases.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Text)
	}
	return out
}

func TestOffsetsExamples(t *testing.T) {
	type want struct {
		text    string
		special bool
		ids     []string // tokens
		offs    [][2]int
	}
	cases := map[string][]want{
		"qwen3": {
			{"Hello world", false, []string{"Hello", "Ġworld"}, [][2]int{{0, 5}, {5, 11}}},
			{"<|im_start|>user\nHi<|im_end|>", false, []string{"<|im_start|>", "user", "Ċ", "Hi", "<|im_end|>"},
				[][2]int{{0, 12}, {12, 16}, {16, 17}, {17, 19}, {19, 29}}},
			{"<think>\n\n</think>\n\n", false, []string{"<think>", "ĊĊ", "</think>", "ĊĊ"}, [][2]int{{0, 7}, {7, 9}, {9, 17}, {17, 19}}},
			// The emoji is split into three byte-level tokens; each covers the
			// whole character.
			{"a🫠", false, []string{"a", "ðŁ", "«", "ł"}, [][2]int{{0, 1}, {1, 5}, {1, 5}, {1, 5}}},
		},
		"mistral": {
			{"Hello <s>.", false, []string{"▁Hello", "▁", "<s>", "▁."}, [][2]int{{0, 5}, {5, 6}, {6, 9}, {9, 10}}},
			{"Hi", true, []string{"<s>", "▁Hi"}, [][2]int{{0, 0}, {0, 2}}},
		},
	}
	for name, list := range cases {
		tk := fixture(t, name)
		for _, c := range list {
			e := tk.EncodeWithOffsets(c.text, c.special)
			if got := tk.Tokens(e.IDs); !slices.Equal(got, c.ids) {
				t.Errorf("%s %q: tokens %q, want %q", name, c.text, got, c.ids)
				continue
			}
			if !slices.Equal(e.Offsets, c.offs) {
				t.Errorf("%s %q: offsets %v, want %v", name, c.text, e.Offsets, c.offs)
			}
		}
	}
}

// TestOffsetsCoverInput checks on every fixture string that the offsets are
// monotone, leave no gap and cover the whole input, and (byte-level, NFC-stable
// text) that a token that does not share a character with its neighbours
// decodes to exactly its slice of the input.
func TestOffsetsCoverInput(t *testing.T) {
	for _, name := range fixtureTokenizers {
		tk := fixture(t, name)
		for _, text := range caseTexts(t, name) {
			e := tk.EncodeWithOffsets(text, false)
			if !slices.Equal(e.IDs, tk.Encode(text, false)) {
				t.Fatalf("%s %q: EncodeWithOffsets ids differ from Encode", name, text)
			}
			if len(e.Offsets) != len(e.IDs) || len(e.Special) != len(e.IDs) {
				t.Fatalf("%s %q: %d ids, %d offsets, %d special flags", name, text, len(e.IDs), len(e.Offsets), len(e.Special))
			}
			if len(text) == 0 {
				if len(e.IDs) != 0 {
					t.Errorf("%s: empty text gave %v", name, e.IDs)
				}
				continue
			}
			o := e.Offsets
			// NFC composition drops the absorbed marks from every token (as HF
			// does), so gaps are allowed only where the text is not NFC-stable.
			stable := name == "mistral" || norm.NFC.IsNormalString(text)
			if stable && o[0][0] != 0 || o[len(o)-1][1] != len(text) {
				t.Errorf("%s %q: offsets %v do not span [0,%d)", name, text, o, len(text))
			}
			for i := range o {
				if o[i][0] > o[i][1] || (i > 0 && (o[i][0] < o[i-1][0] || (stable && o[i][0] > o[i-1][1]) || o[i][1] < o[i-1][1])) {
					t.Errorf("%s %q: offsets not monotone/contiguous at %d: %v", name, text, i, o)
					break
				}
			}
			if name == "mistral" || !stable {
				continue
			}
			for i := range o {
				shared := (i > 0 && o[i-1][1] > o[i][0]) || (i+1 < len(o) && o[i+1][0] < o[i][1])
				if shared {
					continue
				}
				got, err := tk.DecodeWith(e.IDs[i:i+1], false, false)
				if err != nil {
					t.Fatal(err)
				}
				if got != text[o[i][0]:o[i][1]] {
					t.Errorf("%s %q: token %d decodes to %q but covers %q", name, text, i, got, text[o[i][0]:o[i][1]])
				}
			}
		}
	}
}
