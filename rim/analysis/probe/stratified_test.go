package probe

import "testing"

// 10 positives + 10 negatives split 6:4 keep 6+6 / 4+4 for every seed
// (an unstratified split gave 2 negatives + 6 positives in test).
func TestStratifiedSplitKeepsBalance(t *testing.T) {
	pos := make([]bool, 20)
	for i := range 10 {
		pos[i] = true
	}
	for seed := range uint64(50) {
		tr, te, err := StratifiedSplit(pos, 0.6, seed)
		if err != nil {
			t.Fatal(err)
		}
		count := func(idx []int) (p, n int) {
			for _, i := range idx {
				if pos[i] {
					p++
				} else {
					n++
				}
			}
			return
		}
		tp, tn := count(tr)
		ep, en := count(te)
		if tp != 6 || tn != 6 || ep != 4 || en != 4 {
			t.Fatalf("seed %d: train %d+/%d-, test %d+/%d-", seed, tp, tn, ep, en)
		}
		seen := map[int]bool{}
		for _, i := range append(append([]int{}, tr...), te...) {
			if seen[i] {
				t.Fatalf("seed %d: index %d twice", seed, i)
			}
			seen[i] = true
		}
	}
	a, _, _ := StratifiedSplit(pos, 0.6, 3)
	b, _, _ := StratifiedSplit(pos, 0.6, 3)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("not deterministic for a seed")
		}
	}
	if _, _, err := StratifiedSplit(pos, 0, 1); err == nil {
		t.Error("train fraction 0 accepted")
	}
}
