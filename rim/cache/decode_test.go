package cache

import (
	"encoding/binary"
	"errors"
	"os"
	"testing"
)

// hugeLength cuts an entry to keep bytes after its payload length field and
// sets that field to 2^64-32+keep, so that length+32 wraps around to keep.
func hugeLength(data []byte, keep int) []byte {
	kl := int(binary.LittleEndian.Uint32(data[len(magic):]))
	off := len(magic) + 4 + kl
	out := append([]byte(nil), data[:off+8+keep]...)
	binary.LittleEndian.PutUint64(out[off:], ^uint64(0)-31+uint64(keep))
	return out
}

// TestHugeLengthFieldIsCorrupt: such an entry used to panic Cached and
// `rim cache info -verify` (slice bounds out of range) until a reset.
func TestHugeLengthFieldIsCorrupt(t *testing.T) {
	c, _ := Open(t.TempDir())
	if err := c.Put(testKey(7), []float32{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(testKey(8), []float32{3}); err != nil {
		t.Fatal(err)
	}
	p := c.path(testKey(7).Hash())
	data, _ := os.ReadFile(p)
	for _, keep := range []int{0, 5, 31} {
		if _, err := decodeEntry(hugeLength(data, keep), nil); !errors.Is(err, ErrCorrupt) {
			t.Errorf("keep %d: err = %v, want ErrCorrupt", keep, err)
		}
	}
	if err := os.WriteFile(p, hugeLength(data, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := c.Verify()
	if err != nil || st.Entries != 1 || st.Corrupt != 1 {
		t.Fatalf("verify = %+v, %v; want 1 good, 1 corrupt", st, err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("corrupt entry not removed: %v", err)
	}
}

// FuzzDecodeEntry: any file content is an entry or ErrCorrupt, never a panic.
func FuzzDecodeEntry(f *testing.F) {
	good := encodeEntry([]byte("k"), []byte("payload"))
	f.Add(good)
	f.Add(hugeLength(good, 0))
	f.Add(hugeLength(good, 31))
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		payload, err := decodeEntry(data, nil)
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v is not ErrCorrupt", err)
		}
		if err == nil && len(payload) > len(data) {
			t.Fatalf("payload longer than the entry")
		}
	})
}
