package tokenize

import (
	"fmt"
	"strings"
	"testing"
)

// TestParseRejectsOutOfRangeIDs: an id far beyond the vocabulary used to size
// the id table (2^31-1 overflowed int32 and panicked in makeslice; 1e9 asked
// for a 16 GB slice). It must be a clear error naming the token.
func TestParseRejectsOutOfRangeIDs(t *testing.T) {
	for _, id := range []int64{2147483647, 1_000_000_000, 5} {
		js := fmt.Sprintf(`{"model":{"type":"BPE","vocab":{"a":0,"b":1,"big":%d},"merges":[]}}`, id)
		_, err := Parse([]byte(js), nil)
		if err == nil || !strings.Contains(err.Error(), `"big"`) || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("id %d: err = %v, want an out-of-range error naming the token", id, err)
		}
	}
}

// TestParseAcceptsHoleFilledByAddedToken: a vocab hole that an added token
// fills (id below len(vocab)+len(added_tokens)) stays accepted.
func TestParseAcceptsHoleFilledByAddedToken(t *testing.T) {
	js := `{"added_tokens":[{"id":1,"content":"<s>","special":true}],
		"model":{"type":"BPE","vocab":{"a":0,"b":2},"merges":[]}}`
	tk, err := Parse([]byte(js), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tk.DecodeWith([]int{0}, false, false); err != nil || got != "a" {
		t.Errorf("decode = %q, %v", got, err)
	}
}

// FuzzParse: any tokenizer.json must load or fail with an error, never panic
// or allocate by a size read from the file.
func FuzzParse(f *testing.F) {
	f.Add(`{"model":{"type":"BPE","vocab":{"a":0,"b":2147483647},"merges":[]}}`)
	f.Add(`{"model":{"type":"BPE","vocab":{"a":0,"b":1000000000},"merges":[]}}`)
	f.Add(`{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}}`)
	f.Add(`{"added_tokens":[{"id":99999999,"content":"<x>"}],"model":{"vocab":{"a":0}}}`)
	f.Fuzz(func(t *testing.T, js string) {
		tk, err := Parse([]byte(js), nil)
		if err != nil {
			return
		}
		if n := len(tk.idToToken); n > len(js) {
			t.Fatalf("id table has %d entries for a %d-byte file", n, len(js))
		}
		tk.Encode("ab", true)
	})
}
