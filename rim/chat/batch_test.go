package chat

import (
	"strings"
	"testing"
)

// Regions survive left padding: every row's positions and spans point at
// the same tokens after padding as before.
func TestBatchLeftPadding(t *testing.T) {
	tp := qwen3Template(t)
	tk, _ := fixtureTokenizer(t, "qwen3")
	pad, err := PadID(tk)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := tk.SpecialID("<|endoftext|>"); pad != want {
		t.Errorf("qwen3 pad id %d, want <|endoftext|> %d", pad, want)
	}
	ltk, _ := fixtureTokenizer(t, "llama3") // no pad_token: eos
	if lp, err := PadID(ltk); err != nil || decodeOne(t, "llama3", lp) != "<|end_of_text|>" {
		t.Errorf("llama3 pad id %d %v", lp, err)
	}
	convs := [][]Message{
		{{Role: "user", Content: "Hi"}},
		{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Give me a detailed and hands-on tutorial on something long."}},
		{{Role: "user", Content: "What is 2+2?"}, {Role: "assistant", Content: "4"}, {Role: "user", Content: "And 3+3?"}},
	}
	var items []*Encoded
	for _, m := range convs {
		e, err := tp.Encode(Wrap(tk), m, Options{AddGenerationPrompt: true, EnableThinking: Bool(false)})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, e)
	}
	for _, side := range []Side{Left, Right} {
		b, err := NewBatch(items, pad, side)
		if err != nil {
			t.Fatal(err)
		}
		seq := len(b.IDs[0])
		for i, e := range items {
			row := b.Rows[i]
			if len(b.IDs[i]) != seq || len(b.Mask[i]) != seq {
				t.Fatalf("row %d has length %d, want %d", i, len(b.IDs[i]), seq)
			}
			wantPad := 0
			if side == Left {
				wantPad = seq - len(e.IDs)
			}
			if b.Pad[i] != wantPad {
				t.Errorf("side %d row %d pad %d, want %d", side, i, b.Pad[i], wantPad)
			}
			ones := 0
			for j, m := range b.Mask[i] {
				ones += m
				if (m == 0) != (b.IDs[i][j] == pad && (j < b.Pad[i] || j >= b.Pad[i]+len(e.IDs))) {
					t.Errorf("row %d token %d: mask %d id %d", i, j, m, b.IDs[i][j])
				}
			}
			if ones != len(e.IDs) {
				t.Errorf("row %d mask has %d ones, want %d", i, ones, len(e.IDs))
			}
			for name, p := range e.Positions {
				if b.IDs[i][row.Positions[name]] != e.IDs[p] || row.Positions[name] != p+b.Pad[i] {
					t.Errorf("row %d position %s moved wrongly", i, name)
				}
			}
			for k, s := range e.Spans {
				rs := row.Spans[k]
				if rs.Len() != s.Len() || rs.Start != s.Start+b.Pad[i] {
					t.Errorf("row %d span %v became %v", i, s, rs)
				}
			}
			// the original is untouched
			if e.Positions[PosRole] == row.Positions[PosRole] && b.Pad[i] != 0 {
				t.Errorf("row %d: Shift changed the original", i)
			}
		}
		if side == Left {
			// left padding aligns the prompts' ends: the empty think token
			// is at the same column in every row.
			th, err := b.Final(KindThink)
			if err != nil {
				t.Fatal(err)
			}
			for i := range th {
				if th[i].Start != seq-3 {
					t.Errorf("row %d empty think at %d, want %d", i, th[i].Start, seq-3)
				}
			}
			pos, err := b.Pos(PosUserEnd)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range pos {
				if b.IDs[i][p] != b.IDs[0][pos[0]] {
					t.Errorf("row %d user_end id %d", i, b.IDs[i][p])
				}
			}
		}
		ids, mask := b.Flat()
		if len(ids) != len(items)*seq || len(mask) != len(ids) {
			t.Errorf("flat lengths %d %d", len(ids), len(mask))
		}
	}
	if _, err := NewBatch(nil, pad, Left); err == nil {
		t.Error("empty batch: no error")
	}
	if _, err := NewBatch(items, -1, Left); err == nil || !strings.Contains(err.Error(), "pad id") {
		t.Errorf("negative pad: %v", err)
	}
	b, _ := NewBatch(items, pad, Left)
	if _, err := b.Pos("nonexistent"); err == nil {
		t.Error("unknown position: no error")
	}
}
