package tokenize

import (
	"slices"
	"strings"
	"testing"
)

func TestEncodeBatchPadding(t *testing.T) {
	tk := fixture(t, "qwen3")
	texts := []string{"Hello world", "Hi", "The quick brown fox"}
	for _, left := range []bool{false, true} {
		b, err := tk.EncodeBatch(texts, BatchOptions{PadLeft: left})
		if err != nil {
			t.Fatal(err)
		}
		width := len(b.IDs[0])
		for i, s := range texts {
			e := tk.EncodeWithOffsets(s, false)
			n := len(e.IDs)
			if len(b.IDs[i]) != width || len(b.Mask[i]) != width || b.Lengths[i] != n || b.Pads[i] != width-n {
				t.Fatalf("row %d: shapes %d/%d, length %d pads %d", i, len(b.IDs[i]), len(b.Mask[i]), b.Lengths[i], b.Pads[i])
			}
			at := 0
			if left {
				at = b.Pads[i]
			}
			if !slices.Equal(b.IDs[i][at:at+n], e.IDs) || !slices.Equal(b.Offsets[i][at:at+n], e.Offsets) {
				t.Errorf("row %d (left=%v): %v does not hold %v at %d", i, left, b.IDs[i], e.IDs, at)
			}
			for j := range width {
				real := j >= at && j < at+n
				if (b.Mask[i][j] == 1) != real {
					t.Errorf("row %d mask %v", i, b.Mask[i])
					break
				}
				if !real && (b.IDs[i][j] != 151643 || b.Offsets[i][j] != [2]int{-1, -1}) {
					t.Errorf("row %d: padding %d/%v", i, b.IDs[i][j], b.Offsets[i][j])
				}
			}
		}
	}
	m := fixture(t, "mistral")
	if _, err := m.EncodeBatch(texts, BatchOptions{}); err == nil || !strings.Contains(err.Error(), "pad_token") {
		t.Errorf("mistral without pad: %v", err)
	}
	pad := 2
	b, err := m.EncodeBatch(texts, BatchOptions{PadID: &pad, AddSpecialTokens: true, PadLeft: true})
	if err != nil {
		t.Fatal(err)
	}
	if b.IDs[1][b.Pads[1]] != 1 || b.IDs[1][0] != 2 {
		t.Errorf("mistral left-padded row %v", b.IDs[1])
	}
	if _, err := tk.EncodeBatch(texts, BatchOptions{MaxLength: 2}); err == nil || !strings.Contains(err.Error(), "maximum length 2") {
		t.Errorf("MaxLength: %v", err)
	}
	if _, err := tk.EncodeBatch(nil, BatchOptions{}); err == nil {
		t.Errorf("empty batch: no error")
	}
	bad := -5
	if _, err := tk.EncodeBatch(texts, BatchOptions{PadID: &bad}); err == nil {
		t.Errorf("bad pad id: no error")
	}
}
