package tokenize

import (
	"bytes"
	"fmt"
	"sync"
	"unicode/utf8"
)

// tok is one model token of a pre-token: its id and its length in bytes of the
// (normalised) pre-token, from which offsets are recovered.
type tok struct{ id, n int32 }

type mergeRule struct{ rank, id int32 }

// bpe is the BPE model of tokenizer.json. Merges are a map from the id pair to
// (rank, merged id); a word is merged lowest-rank-first with a binary heap over
// a linked list of symbols, exactly the order of HF's Word::merge_all.
type bpe struct {
	vocab        map[string]int32
	merges       *mergeTable
	byteLevel    bool       // symbols are bytes mapped through the GPT-2 byte→char table
	byteIDs      [256]int32 // byte-level: id of each byte's char; -1 if absent
	fallbackIDs  [256]int32 // byte fallback: id of "<0xNN>"; -1 if absent
	byteFallback bool
	fuseUnk      bool
	ignoreMerges bool
	unk          int32 // -1: none
	// spmSplit: no merge joins a symbol ending in a non-"▁" character to one
	// starting with "▁", so a SentencePiece-style word can be cut before every
	// such "▁" and the parts merged (and cached) separately with the same
	// result. Without a pre-tokenizer (Llama-2/Mistral) the "word" is the
	// whole text, and this turns an O(n log n) merge over it into cached
	// word-sized pieces.
	spmSplit bool

	mu    sync.RWMutex
	cache map[string][]tok
}

// cacheCap bounds the word cache; words longer than cacheMaxWord bytes (whole
// texts when there is no pre-tokenizer, as for Llama-2/Mistral) are not cached.
const (
	cacheCap     = 1 << 17
	cacheMaxWord = 256
)

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// byteToChar is GPT-2's bytes_to_unicode table: printable Latin-1 bytes map to
// themselves, the others to U+0100 onwards in byte order.
var byteToChar, charToByte = func() ([256]rune, map[rune]byte) {
	var b2c [256]rune
	c2b := make(map[rune]byte, 256)
	n := 0
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			b2c[b] = rune(b)
		} else {
			b2c[b] = rune(256 + n)
			n++
		}
		c2b[b2c[b]] = byte(b)
	}
	return b2c, c2b
}()

func (m *bpe) init() {
	for b := 0; b < 256; b++ {
		m.byteIDs[b], m.fallbackIDs[b] = -1, -1
		if id, ok := m.vocab[string(byteToChar[b])]; ok {
			m.byteIDs[b] = id
		}
		if id, ok := m.vocab[fmt.Sprintf("<0x%02X>", b)]; ok {
			m.fallbackIDs[b] = id
		}
	}
	m.cache = make(map[string][]tok)
}

const metaspaceChar = "▁"

// encode returns the tokens of one pre-token (raw UTF-8 bytes; byte-level
// tokenizers map each byte to its char here). The result may be shared: do
// not modify it.
func (m *bpe) encode(w []byte) []tok {
	if m.spmSplit && !m.byteLevel && len(w) > 32 {
		var out []tok
		start := 0
		for i := 1; i < len(w); i++ {
			if w[i] == metaspaceChar[0] && bytes.HasPrefix(w[i:], []byte(metaspaceChar)) && !bytes.HasSuffix(w[:i], []byte(metaspaceChar)) {
				out = append(out, m.encodeWord(w[start:i])...)
				start = i
			}
		}
		if start > 0 {
			return append(out, m.encodeWord(w[start:])...)
		}
	}
	return m.encodeWord(w)
}

// encodeWord is encode without the SentencePiece split, through the cache.
func (m *bpe) encodeWord(w []byte) []tok {
	if len(w) == 0 {
		return nil
	}
	if len(w) > cacheMaxWord {
		return m.encodeUncached(w)
	}
	m.mu.RLock()
	r, ok := m.cache[string(w)]
	m.mu.RUnlock()
	if ok {
		return r
	}
	r = m.encodeUncached(w)
	m.mu.Lock()
	if len(m.cache) >= cacheCap {
		clear(m.cache)
	}
	m.cache[string(w)] = r
	m.mu.Unlock()
	return r
}

type symbol struct {
	id, n      int32
	prev, next int32
}

// mergeCand is a queued merge of the symbol at pos with its right neighbour;
// it is stale unless the two symbols are still left and right.
type mergeCand struct {
	key             uint64 // rank<<32 | pos: HF's order (lowest rank, then leftmost)
	id, left, right int32
}

func cand(rank, pos, id, left, right int32) mergeCand {
	return mergeCand{uint64(uint32(rank))<<32 | uint64(uint32(pos)), id, left, right}
}

func (m *bpe) encodeUncached(w []byte) []tok {
	if m.ignoreMerges {
		var key string
		if m.byteLevel {
			buf := make([]byte, 0, 2*len(w))
			for _, b := range w {
				buf = utf8.AppendRune(buf, byteToChar[b])
			}
			key = string(buf)
		} else {
			key = string(w)
		}
		if id, ok := m.vocab[key]; ok {
			return []tok{{id, int32(len(w))}}
		}
	}
	syms := make([]symbol, 0, len(w))
	add := func(id, n int32) {
		syms = append(syms, symbol{id: id, n: n, prev: int32(len(syms)) - 1, next: int32(len(syms)) + 1})
	}
	if m.byteLevel {
		for _, b := range w {
			if id := m.byteIDs[b]; id >= 0 {
				add(id, 1)
			}
		}
	} else {
		unkN := int32(0) // pending unknown bytes (fuse_unk)
		for i := 0; i < len(w); {
			_, n := utf8.DecodeRune(w[i:])
			if id, ok := m.vocab[string(w[i:i+n])]; ok {
				if unkN > 0 {
					add(m.unk, unkN)
					unkN = 0
				}
				add(id, int32(n))
				i += n
				continue
			}
			if m.byteFallback {
				all := true
				for k := i; k < i+n; k++ {
					all = all && m.fallbackIDs[w[k]] >= 0
				}
				if all {
					// HF adds byte tokens without flushing a pending unk first.
					for k := i; k < i+n; k++ {
						add(m.fallbackIDs[w[k]], 1)
					}
					i += n
					continue
				}
			}
			if m.unk >= 0 {
				if unkN > 0 && !m.fuseUnk {
					add(m.unk, unkN)
					unkN = 0
				}
				unkN += int32(n)
			}
			i += n
		}
		if unkN > 0 {
			add(m.unk, unkN)
		}
	}
	if len(syms) == 0 {
		return nil
	}
	syms[len(syms)-1].next = -1

	var heap []mergeCand
	push := func(c mergeCand) {
		heap = append(heap, c)
		for i := len(heap) - 1; i > 0; {
			p := (i - 1) / 2
			if heap[i].key >= heap[p].key {
				break
			}
			heap[i], heap[p] = heap[p], heap[i]
			i = p
		}
	}
	down := func(i, last int) {
		for {
			l, r, s := 2*i+1, 2*i+2, i
			if l < last && heap[l].key < heap[s].key {
				s = l
			}
			if r < last && heap[r].key < heap[s].key {
				s = r
			}
			if s == i {
				break
			}
			heap[i], heap[s] = heap[s], heap[i]
			i = s
		}
	}
	pop := func() mergeCand {
		top := heap[0]
		last := len(heap) - 1
		heap[0] = heap[last]
		heap = heap[:last]
		down(0, last)
		return top
	}
	heap = make([]mergeCand, 0, len(syms))
	for i := 0; i+1 < len(syms); i++ {
		if mr, ok := m.merges.get(pairKey(syms[i].id, syms[i+1].id)); ok {
			heap = append(heap, cand(mr.rank, int32(i), mr.id, syms[i].id, syms[i+1].id))
		}
	}
	for i := len(heap)/2 - 1; i >= 0; i-- { // heapify in O(n)
		down(i, len(heap))
	}
	for len(heap) > 0 {
		c := pop()
		pos := int32(uint32(c.key))
		cur := &syms[pos]
		if cur.n == 0 || cur.next < 0 {
			continue
		}
		right := syms[cur.next]
		if cur.id != c.left || right.id != c.right {
			continue
		}
		cur.id = c.id
		cur.n += right.n
		syms[cur.next].n = 0
		cur.next = right.next
		if right.next >= 0 {
			syms[right.next].prev = pos
		}
		if cur.prev >= 0 {
			if mr, ok := m.merges.get(pairKey(syms[cur.prev].id, cur.id)); ok {
				push(cand(mr.rank, cur.prev, mr.id, syms[cur.prev].id, cur.id))
			}
		}
		if cur.next >= 0 {
			if mr, ok := m.merges.get(pairKey(cur.id, syms[cur.next].id)); ok {
				push(cand(mr.rank, pos, mr.id, cur.id, syms[cur.next].id))
			}
		}
	}
	out := make([]tok, 0, len(syms))
	for i := int32(0); i >= 0; i = syms[i].next {
		out = append(out, tok{syms[i].id, syms[i].n})
	}
	return out
}
