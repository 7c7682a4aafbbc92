package tokenize

// mergeTable is an open-addressing hash table from an id pair to its merge
// rule. BPE spends most of its time in these lookups; a flat table with a
// multiplicative hash is about twice as fast as a Go map with uint64 keys.
type mergeTable struct {
	keys  []uint64
	vals  []mergeRule
	shift uint
	n     int
}

const emptyKey = ^uint64(0)

func newMergeTable(n int) *mergeTable {
	size, shift := 16, uint(60)
	for size < 2*n {
		size *= 2
		shift--
	}
	t := &mergeTable{keys: make([]uint64, size), vals: make([]mergeRule, size), shift: shift}
	for i := range t.keys {
		t.keys[i] = emptyKey
	}
	return t
}

func (t *mergeTable) slot(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> t.shift) }

// set inserts or replaces (HF keeps the last duplicate merge).
func (t *mergeTable) set(k uint64, v mergeRule) {
	mask := len(t.keys) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			t.vals[i] = v
			return
		case emptyKey:
			t.keys[i], t.vals[i] = k, v
			t.n++
			return
		}
	}
}

func (t *mergeTable) get(k uint64) (mergeRule, bool) {
	mask := len(t.keys) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return t.vals[i], true
		case emptyKey:
			return mergeRule{}, false
		}
	}
}
