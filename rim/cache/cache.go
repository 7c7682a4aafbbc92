// Package cache is rim's content-addressed on-disk cache. GoNB re-runs the whole
// program for every notebook cell, so expensive results (activations, probe
// fits, generations, judge verdicts) are kept on disk under a Key that names
// what produced them (model fingerprint, data, intervention spec, seed, code
// version) and are recomputed only when one of those changes.
//
//	c, _ := cache.Default()                 // $RIM_CACHE_DIR or <user cache dir>/rim
//	acts, err := cache.Cached(c, key, func() ([]float32, error) { ... })
//
// Entries are one file each, written atomically (rim/fileio: temp file +
// rename), so concurrent writers never expose a half-written entry: the last
// complete write wins and every write of the same key holds the same value.
// Each entry carries a SHA-256 over its key and payload; a corrupted entry is
// detected on read, removed and recomputed. Values are encoded with
// encoding/gob (types implementing encoding.BinaryMarshaler control their own
// bytes).
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rimlab/rim/rim/fileio"
)

// EnvDir is the environment variable that overrides the cache directory.
const EnvDir = "RIM_CACHE_DIR"

const (
	magic  = "RIMCACHE1\n"
	suffix = ".rimc"
)

// Cache is a directory of entries. A nil *Cache caches nothing (Cached then
// always computes), which lets code take an optional cache.
type Cache struct {
	dir string
	// Log, when set, receives one line per hit, miss and recomputed corrupt
	// entry (e.g. fmt.Printf in a notebook).
	Log func(format string, args ...any)
}

// Dir is the default cache directory: $RIM_CACHE_DIR if set, else
// os.UserCacheDir()/rim (~/.cache/rim on Linux).
func Dir() (string, error) {
	if d := strings.TrimSpace(os.Getenv(EnvDir)); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cache: no user cache dir (set %s): %w", EnvDir, err)
	}
	return filepath.Join(base, "rim"), nil
}

// Default opens the cache at Dir().
func Default() (*Cache, error) {
	d, err := Dir()
	if err != nil {
		return nil, err
	}
	return Open(d)
}

// Open opens (creating if needed) a cache rooted at dir.
func Open(dir string) (*Cache, error) {
	if dir == "" {
		return nil, fmt.Errorf("cache: empty directory name")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cache: %s: %w", dir, err)
	}
	return &Cache{dir: abs}, nil
}

// Dir returns the cache's root directory.
func (c *Cache) Dir() string { return c.dir }

// path is <dir>/<hash[:2]>/<hash>.rimc.
func (c *Cache) path(hash string) string {
	return filepath.Join(c.dir, hash[:2], hash+suffix)
}

func (c *Cache) logf(format string, args ...any) {
	if c.Log != nil {
		c.Log(format, args...)
	}
}

// ErrCorrupt marks an entry whose checksum, length or header is wrong.
var ErrCorrupt = errors.New("corrupt cache entry")

// Get decodes the entry for key into out (a pointer). It reports false with
// a nil error when there is no entry; a corrupted entry is removed and
// reported as an error wrapping ErrCorrupt.
func (c *Cache) Get(key Key, out any) (bool, error) {
	if err := key.validate(); err != nil {
		return false, err
	}
	p := c.path(key.Hash())
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cache: reading %s: %w", p, err)
	}
	payload, err := decodeEntry(data, key.canonical())
	if err == nil {
		if derr := gob.NewDecoder(bytes.NewReader(payload)).Decode(out); derr != nil {
			err = fmt.Errorf("%w: decoding into %T: %v", ErrCorrupt, out, derr)
		}
	}
	if err != nil {
		os.Remove(p)
		return false, fmt.Errorf("cache: %s (%s): %w", key, p, err)
	}
	return true, nil
}

// Put stores v under key, atomically replacing any previous entry.
func (c *Cache) Put(key Key, v any) error {
	if err := key.validate(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return fmt.Errorf("cache: %s: encoding %T: %w", key, v, err)
	}
	p := c.path(key.Hash())
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	entry := encodeEntry(key.canonical(), buf.Bytes())
	return fileio.WriteFileAtomic(p, entry, 0o644)
}

// Remove deletes key's entry if present.
func (c *Cache) Remove(key Key) error {
	err := os.Remove(c.path(key.Hash()))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// Cached returns the value cached under key, or computes it with compute,
// stores it and returns it. Errors of compute are returned and not cached. A
// corrupted entry is recomputed (and logged). With a nil cache it just computes.
func Cached[T any](c *Cache, key Key, compute func() (T, error)) (T, error) {
	var v T
	if c == nil {
		return compute()
	}
	if err := key.validate(); err != nil {
		return v, err
	}
	ok, err := c.Get(key, &v)
	switch {
	case ok:
		c.logf("cache: hit %s\n", key)
		return v, nil
	case err != nil && errors.Is(err, ErrCorrupt):
		c.logf("cache: recomputing: %v\n", err)
	case err != nil:
		return v, err
	default:
		c.logf("cache: miss %s\n", key)
	}
	var zero T
	v, err = compute()
	if err != nil {
		return zero, err
	}
	if err := c.Put(key, v); err != nil {
		return v, err
	}
	return v, nil
}

// encodeEntry lays out: magic | u32 len(key) | key | u64 len(payload) | payload | sha256(key|payload).
func encodeEntry(key, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	binary.Write(&b, binary.LittleEndian, uint32(len(key)))
	b.Write(key)
	binary.Write(&b, binary.LittleEndian, uint64(len(payload)))
	b.Write(payload)
	h := sha256.New()
	h.Write(key)
	h.Write(payload)
	b.Write(h.Sum(nil))
	return b.Bytes()
}

// decodeEntry checks an entry and returns its payload. If wantKey is non-nil
// the stored key must equal it.
func decodeEntry(data, wantKey []byte) (payload []byte, err error) {
	rest, ok := bytes.CutPrefix(data, []byte(magic))
	if !ok {
		return nil, fmt.Errorf("%w: bad header", ErrCorrupt)
	}
	if len(rest) < 4 {
		return nil, fmt.Errorf("%w: truncated", ErrCorrupt)
	}
	kl := uint64(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if uint64(len(rest)) < kl+8 {
		return nil, fmt.Errorf("%w: truncated key", ErrCorrupt)
	}
	key := rest[:kl]
	pl := binary.LittleEndian.Uint64(rest[kl:])
	rest = rest[kl+8:]
	// Compare without pl+sha256.Size: a length near 2^64 would wrap around
	// to the bytes present and pass, then slicing panics.
	if pl > uint64(len(rest)) || uint64(len(rest))-pl != sha256.Size {
		return nil, fmt.Errorf("%w: payload length field %d does not match the %d bytes after it", ErrCorrupt, pl, len(rest))
	}
	payload = rest[:pl]
	h := sha256.New()
	h.Write(key)
	h.Write(payload)
	if !bytes.Equal(h.Sum(nil), rest[pl:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	if wantKey != nil && !bytes.Equal(key, wantKey) {
		return nil, fmt.Errorf("%w: entry holds another key %s", ErrCorrupt, key)
	}
	return payload, nil
}
