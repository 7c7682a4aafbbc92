package generate

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
)

// Test vocabulary: a few special and tag tokens, the three UTF-8 bytes of
// "€" as separate tokens, and words.
const (
	tPad = iota
	tEOS
	tOpen
	tClose
	tNL
	tE2 // first byte of "€"
	t82
	tAC
	tWord // first word id
)

var words = []string{"a", "b", "c", " the", " end", "ST", "OP", "STOP", "x", "yz", " ", "\n\n"}

const testVocab = tWord + 12

// fakeDecoder decodes the test vocabulary: specials are skipped when asked,
// bytes are joined and invalid UTF-8 becomes U+FFFD (like a byte-level BPE
// decoder does).
type fakeDecoder struct{}

func (fakeDecoder) Decode(ids []int, skip bool) (string, error) {
	var b []byte
	for _, id := range ids {
		switch {
		case id == tPad || id == tEOS:
			if !skip {
				b = append(b, []string{"<pad>", "<eos>"}[id]...)
			}
		case id == tOpen:
			b = append(b, "<think>"...)
		case id == tClose:
			b = append(b, "</think>"...)
		case id == tNL:
			b = append(b, '\n')
		case id == tE2:
			b = append(b, 0xE2)
		case id == t82:
			b = append(b, 0x82)
		case id == tAC:
			b = append(b, 0xAC)
		case id >= tWord && id < testVocab:
			b = append(b, words[id-tWord]...)
		default:
			return "", fmt.Errorf("id %d out of range", id)
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

var testTags = &ThinkTags{Open: "<think>", Close: "</think>", OpenID: tOpen, CloseID: tClose}

// fakeModel gives logits that depend only on a row's real tokens: a
// scripted continuation when one matches, pseudo-random otherwise.
type fakeModel struct {
	// script maps a history (as a string of ids) to the forced next token.
	script map[string]int
}

func key(h []int) string { return fmt.Sprint(h) }

// force makes the model continue prompt with seq (then pseudo-random).
func (m *fakeModel) force(prompt []int, seq ...int) {
	if m.script == nil {
		m.script = map[string]int{}
	}
	h := append([]int(nil), prompt...)
	for _, t := range seq {
		m.script[key(h)] = t
		h = append(h, t)
	}
}

func (m *fakeModel) logits(h []int) []float32 {
	f := fnv.New64a()
	for _, v := range h {
		fmt.Fprintf(f, "%d,", v)
	}
	r := rand.New(rand.NewPCG(f.Sum64(), 7))
	out := make([]float32, testVocab)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	out[tPad] = -10 // a real model rarely predicts padding
	force := -1
	if m.script != nil {
		if t, ok := m.script[key(h)]; ok {
			force = t
		}
	}
	if force >= 0 {
		out[force] = 100
	}
	return out
}

// fakeStepper runs fakeModel over each row's real history and checks the
// protocol: left padding, capacity, pads fed to finished rows.
type fakeStepper struct {
	t        *testing.T
	m        *fakeModel
	hist     [][]int
	capacity int
	used     int
	infos    []StepInfo
	padID    int
}

func (s *fakeStepper) Prefill(ids, mask [][]int, capacity int) ([][]float32, error) {
	s.hist = make([][]int, len(ids))
	s.capacity = capacity
	out := make([][]float32, len(ids))
	for i := range ids {
		if len(ids[i]) != len(ids[0]) || len(mask[i]) != len(ids[i]) {
			s.t.Fatalf("prefill: ragged batch")
		}
		seenReal := false
		for j, m := range mask[i] {
			if m == 1 {
				seenReal = true
				s.hist[i] = append(s.hist[i], ids[i][j])
			} else if seenReal {
				s.t.Fatalf("prefill: row %d is not left-padded: %v", i, mask[i])
			} else if ids[i][j] != s.padID {
				s.t.Fatalf("prefill: row %d pads with %d, want %d", i, ids[i][j], s.padID)
			}
		}
		out[i] = s.m.logits(s.hist[i])
	}
	s.used = len(ids[0])
	return out, nil
}

func (s *fakeStepper) Step(next []int, info StepInfo) ([][]float32, error) {
	s.used++
	if s.used > s.capacity {
		s.t.Fatalf("step %d: cache capacity %d exceeded", info.Step, s.capacity)
	}
	s.infos = append(s.infos, info)
	out := make([][]float32, len(next))
	for i, tok := range next {
		if info.Done[i] {
			if tok != s.padID {
				s.t.Fatalf("step %d: finished row %d fed %d, want pad %d", info.Step, i, tok, s.padID)
			}
		} else {
			s.hist[i] = append(s.hist[i], tok)
		}
		out[i] = s.m.logits(s.hist[i])
	}
	return out, nil
}
