package tokenize

import (
	"slices"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// TestSPMSplitIsExact checks that cutting SentencePiece words before "▁"
// (bpe.spmSplit) gives the same tokens as merging the whole text at once.
func TestSPMSplitIsExact(t *testing.T) {
	split := fixture(t, "mistral")
	if !split.model.spmSplit {
		t.Fatal("mistral: spmSplit should be on (no merge crosses a \"▁\" boundary)")
	}
	whole, err := Load(testpaths.Shared(t, "fixtures", "tokenizers", "mistral"))
	if err != nil {
		t.Fatal(err)
	}
	whole.model.spmSplit = false
	texts, _ := gsm8kTexts(t)
	texts = append(texts[:400], caseTexts(t, "mistral")...)
	for _, s := range texts {
		a, b := split.EncodeWithOffsets(s, true), whole.EncodeWithOffsets(s, true)
		if !slices.Equal(a.IDs, b.IDs) || !slices.Equal(a.Offsets, b.Offsets) {
			t.Fatalf("%q: split %v, whole %v", s, a.IDs, b.IDs)
		}
	}
	if q := fixture(t, "qwen3"); q.model.spmSplit {
		t.Errorf("qwen3 (byte-level, no ▁ token) must not use spmSplit")
	}
}
