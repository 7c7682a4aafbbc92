// Package fileio writes files atomically: the content goes to a temporary file
// in the destination's directory, is synced, and is renamed over the
// destination only when complete. A reader therefore sees either the old file
// or the new one, never a half-written one, even if the writer is killed or the
// disk fills up mid-write.
package fileio

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteAtomic creates or replaces path with what write produces. If write or
// any step of the commit fails, path is left as it was and the temporary file
// is removed.
func WriteAtomic(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("fileio: %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err = write(bw); err != nil {
		return fmt.Errorf("fileio: writing %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("fileio: writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("fileio: syncing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("fileio: closing %s: %w", path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("fileio: %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("fileio: committing %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// WriteFileAtomic is WriteAtomic for a byte slice, with the given permissions.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}); err != nil {
		return err
	}
	return os.Chmod(path, perm)
}

// syncDir makes a rename durable on filesystems that need the directory
// synced; errors are ignored because some filesystems do not support it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
