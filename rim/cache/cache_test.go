package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

type result struct {
	Name  string
	Acts  []float32
	Shape []int
}

func testKey(seed int64) Key {
	return Key{Kind: "test/acts", Model: "m1", Data: "d1", Intervention: `{"site":"blocks.0.attn.hook_z"}`, Seed: seed, Code: "v1",
		Params: map[string]string{"layer": "3"}}
}

func TestCachedComputesOnceAndRoundTrips(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	compute := func() (result, error) {
		calls++
		return result{Name: "x", Acts: []float32{1, -2.5, 3e-8}, Shape: []int{1, 3}}, nil
	}
	a, err := Cached(c, testKey(1), compute)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Cached(c, testKey(1), compute)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("compute called %d times, want 1", calls)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) || b.Acts[2] != 3e-8 {
		t.Fatalf("round trip: got %v, want %v", b, a)
	}
	// Any field of the key changes the address.
	if _, err := Cached(c, testKey(2), compute); err != nil || calls != 2 {
		t.Fatalf("new seed: calls=%d err=%v, want 2 calls", calls, err)
	}
	k := testKey(1)
	k.Params = map[string]string{"layer": "4"}
	if _, err := Cached(c, k, compute); err != nil || calls != 3 {
		t.Fatalf("new param: calls=%d err=%v, want 3 calls", calls, err)
	}
	st, err := c.Stats()
	if err != nil || st.Entries != 3 || st.Bytes <= 0 {
		t.Fatalf("stats = %+v, %v; want 3 entries", st, err)
	}
}

func TestComputeErrorIsNotCached(t *testing.T) {
	c, _ := Open(t.TempDir())
	boom := errors.New("boom")
	if _, err := Cached(c, testKey(1), func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	v, err := Cached(c, testKey(1), func() (int, error) { return 7, nil })
	if err != nil || v != 7 {
		t.Fatalf("got %d, %v; want 7", v, err)
	}
}

func TestCorruptEntryIsRecomputed(t *testing.T) {
	for _, damage := range []string{"flip", "truncate", "header", "empty", "hugelen"} {
		t.Run(damage, func(t *testing.T) {
			c, _ := Open(t.TempDir())
			var logs []string
			c.Log = func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }
			calls := 0
			compute := func() ([]float32, error) { calls++; return []float32{1, 2, 3, 4}, nil }
			if _, err := Cached(c, testKey(1), compute); err != nil {
				t.Fatal(err)
			}
			p := c.path(testKey(1).Hash())
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			switch damage {
			case "flip":
				data[len(data)-40] ^= 0x01 // inside the payload
			case "truncate":
				data = data[:len(data)-5]
			case "header":
				data[0] = 'X'
			case "empty":
				data = nil
			case "hugelen": // issue 15: pl+32 wrapped around and slicing panicked
				data = hugeLength(data, 5)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			var out []float32
			if ok, err := c.Get(testKey(1), &out); ok || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Get on damaged entry: ok=%v err=%v, want ErrCorrupt", ok, err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil { // Get removed it; damage again
				t.Fatal(err)
			}
			v, err := Cached(c, testKey(1), compute)
			if err != nil || calls != 2 || len(v) != 4 {
				t.Fatalf("after damage: v=%v calls=%d err=%v; want recompute", v, calls, err)
			}
			if !strings.Contains(strings.Join(logs, ""), "recomputing") {
				t.Fatalf("no recompute log line in %q", logs)
			}
			if ok, err := c.Get(testKey(1), &out); !ok || err != nil {
				t.Fatalf("entry not rewritten: ok=%v err=%v", ok, err)
			}
		})
	}
}

func TestVerifyRemovesCorrupt(t *testing.T) {
	c, _ := Open(t.TempDir())
	for s := int64(0); s < 3; s++ {
		if err := c.Put(testKey(s), s); err != nil {
			t.Fatal(err)
		}
	}
	p := c.path(testKey(1).Hash())
	data, _ := os.ReadFile(p)
	data[len(data)-1] ^= 0xff
	os.WriteFile(p, data, 0o644)
	st, err := c.Verify()
	if err != nil || st.Entries != 2 || st.Corrupt != 1 {
		t.Fatalf("verify = %+v, %v; want 2 good, 1 corrupt", st, err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("corrupt entry still present: %v", err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := Open(dir) // separate handles, like separate processes
			if err != nil {
				errs <- err
				return
			}
			for i := 0; i < 20; i++ {
				k := testKey(int64(i % 5)) // writers collide on 5 keys
				want := make([]float32, 1000)
				for j := range want {
					want[j] = float32(i%5) + float32(j)
				}
				got, err := Cached(c, k, func() ([]float32, error) { return want, nil })
				if err != nil {
					errs <- err
					return
				}
				if got[999] != want[999] {
					errs <- fmt.Errorf("writer %d: key %d: got %v", w, i%5, got[999])
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c, _ := Open(dir)
	st, err := c.Verify()
	if err != nil || st.Entries != 5 || st.Corrupt != 0 {
		t.Fatalf("after concurrent writes: %+v %v; want 5 good entries", st, err)
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, "*", ".*tmp-*"))
	if len(tmps) != 0 {
		t.Fatalf("temp files left behind: %v", tmps)
	}
}

func TestResetOnlyTouchesEntries(t *testing.T) {
	dir := t.TempDir()
	c, _ := Open(dir)
	for s := int64(0); s < 4; s++ {
		c.Put(testKey(s), "v")
	}
	foreign := filepath.Join(dir, "notes.txt")
	os.WriteFile(foreign, []byte("keep me"), 0o644)
	os.MkdirAll(filepath.Join(dir, "ab"), 0o755)
	os.WriteFile(filepath.Join(dir, "ab", "other.bin"), []byte("keep"), 0o644)
	st, err := c.Reset()
	if err != nil || st.Entries != 4 {
		t.Fatalf("reset = %+v, %v; want 4 removed", st, err)
	}
	if after, _ := c.Stats(); after.Entries != 0 {
		t.Fatalf("entries after reset: %d", after.Entries)
	}
	for _, p := range []string{foreign, filepath.Join(dir, "ab", "other.bin")} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("reset removed foreign file %s", p)
		}
	}
}

func TestDirEnvAndErrors(t *testing.T) {
	d := t.TempDir()
	t.Setenv(EnvDir, d)
	got, err := Dir()
	if err != nil || got != d {
		t.Fatalf("Dir() = %q, %v; want %q", got, err, d)
	}
	c, err := Default()
	if err != nil || c.Dir() != d {
		t.Fatalf("Default() dir = %v, %v", c, err)
	}
	if _, err := Cached(c, Key{}, func() (int, error) { return 1, nil }); err == nil || !strings.Contains(err.Error(), "empty Kind") {
		t.Fatalf("empty key: err = %v", err)
	}
	if _, err := Open(""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
	// A nil cache just computes.
	if v, err := Cached[int](nil, testKey(1), func() (int, error) { return 5, nil }); v != 5 || err != nil {
		t.Fatalf("nil cache: %d %v", v, err)
	}
	// Put of a value gob cannot encode names the key.
	if err := c.Put(testKey(1), func() {}); err == nil || !strings.Contains(err.Error(), "test/acts") {
		t.Fatalf("put func: err = %v", err)
	}
}

func TestKeyString(t *testing.T) {
	s := testKey(3).String()
	for _, want := range []string{"test/acts", "seed=3", "layer=3", testKey(3).Hash()[:12]} {
		if !strings.Contains(s, want) {
			t.Errorf("Key.String() = %q, missing %q", s, want)
		}
	}
	if testKey(1).Hash() == testKey(2).Hash() {
		t.Fatal("different keys, same hash")
	}
}
