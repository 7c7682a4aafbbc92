package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// entryName matches <64 hex>.rimc; only such files (and our temp files) are
// ever counted or deleted, so pointing the cache at a shared directory by
// mistake cannot delete anything else.
var entryName = regexp.MustCompile(`^[0-9a-f]{64}\.rimc$`)

// Stats is the size report of a cache directory.
type Stats struct {
	Dir     string
	Entries int
	Bytes   int64
	Corrupt int // filled by Verify only
}

func (s Stats) String() string {
	return fmt.Sprintf("%s: %d entries, %s", s.Dir, s.Entries, humanBytes(s.Bytes))
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// walk calls fn for every entry file (and, if temps, for leftover temp files).
func (c *Cache) walk(temps bool, fn func(path string, info fs.FileInfo) error) error {
	subs, err := os.ReadDir(c.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	for _, s := range subs {
		if !s.IsDir() || len(s.Name()) != 2 {
			continue
		}
		sub := filepath.Join(c.dir, s.Name())
		files, err := os.ReadDir(sub)
		if err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		for _, f := range files {
			n := f.Name()
			isTemp := strings.HasPrefix(n, ".") && strings.Contains(n, suffix+".tmp-")
			if !(entryName.MatchString(n) && strings.HasPrefix(n, s.Name())) && !(temps && isTemp) {
				continue
			}
			info, err := f.Info()
			if err != nil {
				continue // removed meanwhile by a concurrent Reset or writer
			}
			if err := fn(filepath.Join(sub, n), info); err != nil {
				return err
			}
		}
	}
	return nil
}

// Stats counts entries and their bytes.
func (c *Cache) Stats() (Stats, error) {
	s := Stats{Dir: c.dir}
	err := c.walk(false, func(_ string, info fs.FileInfo) error {
		s.Entries++
		s.Bytes += info.Size()
		return nil
	})
	return s, err
}

// Verify reads every entry, checks its checksum and removes corrupted ones;
// the result counts the valid entries and the removed corrupt ones.
func (c *Cache) Verify() (Stats, error) {
	s := Stats{Dir: c.dir}
	err := c.walk(false, func(p string, info fs.FileInfo) error {
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		if _, err := decodeEntry(data, nil); err != nil {
			s.Corrupt++
			os.Remove(p)
			return nil
		}
		s.Entries++
		s.Bytes += info.Size()
		return nil
	})
	return s, err
}

// Reset deletes every entry (and leftover temp files) and the emptied
// sub-directories; the cache directory itself and any foreign files stay.
// It returns what was removed.
func (c *Cache) Reset() (Stats, error) {
	s := Stats{Dir: c.dir}
	err := c.walk(true, func(p string, info fs.FileInfo) error {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cache: %w", err)
		}
		s.Entries++
		s.Bytes += info.Size()
		return nil
	})
	if err != nil {
		return s, err
	}
	subs, _ := os.ReadDir(c.dir)
	for _, sd := range subs {
		if sd.IsDir() && len(sd.Name()) == 2 {
			os.Remove(filepath.Join(c.dir, sd.Name())) // only succeeds when empty
		}
	}
	return s, nil
}
