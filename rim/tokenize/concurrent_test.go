package tokenize

import (
	"slices"
	"sync"
	"testing"
)

// TestConcurrentEncode encodes from several goroutines (shared word cache,
// pooled scratch buffers) and compares with sequential results; run with -race.
func TestConcurrentEncode(t *testing.T) {
	for _, name := range fixtureTokenizers {
		tk := fixture(t, name)
		texts := caseTexts(t, name)
		want := make([][]int, len(texts))
		for i, s := range texts {
			want[i] = tk.Encode(s, true)
		}
		var wg sync.WaitGroup
		errs := make(chan string, 8)
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range texts {
					i := (k + g*7) % len(texts)
					if got := tk.Encode(texts[i], true); !slices.Equal(got, want[i]) {
						errs <- texts[i]
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for s := range errs {
			t.Errorf("%s: concurrent encoding of %q differs", name, s)
		}
	}
}
