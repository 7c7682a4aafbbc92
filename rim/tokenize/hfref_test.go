package tokenize

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// The files in testdata/tokenize/hfref are references made with the Rust
// tokenizers library (see gen.js there) for variants of the fixture
// tokenizers: other pre-tokenizers (Metaspace, GPT-2 ByteLevel regex),
// post-processors, BPE flags and added-token flags, on a pool of edge-case,
// random and GSM8K strings. Offsets there are in code points (what the Node
// binding returns), so ours are converted before comparing.

type variant struct {
	Name       string                     `json:"name"`
	Base       string                     `json:"base"`
	Patch      map[string]json.RawMessage `json:"patch"`
	ModelPatch map[string]json.RawMessage `json:"model_patch"`
	Added      []json.RawMessage          `json:"added"`
}

// patchedTokenizer applies a variant's changes to its base tokenizer.json.
func patchedTokenizer(t *testing.T, v variant) *Tokenizer {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testpaths.Shared(t, "fixtures", "tokenizers", v.Base), "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Patch) == 0 && len(v.ModelPatch) == 0 && len(v.Added) == 0 {
		tk, err := Parse(data, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	for k, val := range v.Patch {
		top[k] = val
	}
	if len(v.ModelPatch) > 0 {
		var model map[string]json.RawMessage
		if err := json.Unmarshal(top["model"], &model); err != nil {
			t.Fatal(err)
		}
		for k, val := range v.ModelPatch {
			model[k] = val
		}
		if top["model"], err = json.Marshal(model); err != nil {
			t.Fatal(err)
		}
	}
	if len(v.Added) > 0 {
		var added []json.RawMessage
		if err := json.Unmarshal(top["added_tokens"], &added); err != nil {
			t.Fatal(err)
		}
		if top["added_tokens"], err = json.Marshal(append(added, v.Added...)); err != nil {
			t.Fatal(err)
		}
	}
	patched, err := json.Marshal(top)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := Parse(patched, nil)
	if err != nil {
		t.Fatalf("%s: %v", v.Name, err)
	}
	return tk
}

// charOffsets converts byte offsets to code-point offsets the way the Rust
// library's BytesToCharOffsetConverter does (the references store those): a
// byte maps to the index of the character holding it; an end at the end of
// the text maps to the character count.
func charOffsets(text string, offs [][2]int) [][2]int {
	charAt := make([]int, len(text)+1)
	n := 0
	for i := range text {
		for j := i; j < len(text) && (j == i || !utf8.RuneStart(text[j])); j++ {
			charAt[j] = n
		}
		n++
	}
	charAt[len(text)] = n
	out := make([][2]int, len(offs))
	for i, o := range offs {
		out[i] = [2]int{charAt[o[0]], charAt[o[1]]}
		if o[1] == len(text) && o[1] > 0 && o[0] < o[1] {
			out[i][1] = charAt[o[1]-1] + 1
		}
	}
	return out
}

func TestHFReferenceVariants(t *testing.T) {
	dir := testpaths.TestData(t, "tokenize", "hfref")
	var variants []variant
	var texts []string
	for name, dst := range map[string]any{"variants.json": &variants, "texts.json": &texts} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, dst); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, v := range variants {
		t.Run(v.Name, func(t *testing.T) {
			tk := patchedTokenizer(t, v)
			f, err := os.Open(filepath.Join(dir, v.Name+".jsonl.gz"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(zr)
			sc.Buffer(nil, 1<<22)
			n, bad := 0, 0
			for sc.Scan() {
				var r struct {
					I                  int
					IDs                []int    `json:"ids"`
					Offsets            [][2]int `json:"offsets"`
					IDsWithSpecial     []int    `json:"ids_with_special"`
					OffsetsWithSpecial [][2]int `json:"offsets_with_special"`
					Decoded            string   `json:"decoded"`
					DecodedSkipSpecial string   `json:"decoded_skip_special"`
				}
				if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
					t.Fatal(err)
				}
				text := texts[r.I]
				n++
				var msgs []string
				e := tk.EncodeWithOffsets(text, false)
				if !slices.Equal(e.IDs, r.IDs) {
					msgs = append(msgs, fmt.Sprintf("ids\n  want %v %q\n  got  %v %q", r.IDs, tk.Tokens(r.IDs), e.IDs, tk.Tokens(e.IDs)))
				} else if got := charOffsets(text, e.Offsets); !slices.Equal(got, r.Offsets) {
					msgs = append(msgs, fmt.Sprintf("offsets\n  want %v\n  got  %v", r.Offsets, e.Offsets))
				}
				es := tk.EncodeWithOffsets(text, true)
				if !slices.Equal(es.IDs, r.IDsWithSpecial) {
					msgs = append(msgs, fmt.Sprintf("ids with special\n  want %v\n  got  %v", r.IDsWithSpecial, es.IDs))
				} else if r.OffsetsWithSpecial != nil && !slices.Equal(charOffsets(text, es.Offsets), r.OffsetsWithSpecial) {
					msgs = append(msgs, fmt.Sprintf("offsets with special\n  want %v\n  got  %v", r.OffsetsWithSpecial, es.Offsets))
				}
				if g, err := tk.DecodeWith(r.IDs, false, false); err != nil || g != r.Decoded {
					msgs = append(msgs, fmt.Sprintf("decode\n  want %q\n  got  %q (%v)", r.Decoded, g, err))
				}
				if g, err := tk.DecodeWith(r.IDsWithSpecial, true, false); err != nil || g != r.DecodedSkipSpecial {
					msgs = append(msgs, fmt.Sprintf("decode skip special\n  want %q\n  got  %q (%v)", r.DecodedSkipSpecial, g, err))
				}
				if len(msgs) > 0 {
					bad++
					if bad <= 8 {
						for _, m := range msgs {
							t.Errorf("text %d %q: %s", r.I, text, m)
						}
					}
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if n != len(texts) {
				t.Errorf("%d records for %d texts", n, len(texts))
			}
			if bad > 0 {
				t.Errorf("%d/%d texts differ from the Rust tokenizers library", bad, n)
			}
		})
	}
}
