package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Files up to this size are hashed completely; larger ones are sampled.
const (
	fullHashLimit = 64 << 20
	sampleBlocks  = 32
	sampleSize    = 64 << 10
)

// ModelFingerprint identifies a model directory by content, for Key.Model:
// the SHA-256 over config.json, generation_config.json, tokenizer files,
// chat templates and every *.safetensors / index file. Files up to 64 MiB are
// hashed whole; larger weight files contribute their size, their first 1 MiB
// (the safetensors header with names, shapes and offsets) and 32 evenly spaced
// 64 KiB blocks, so a fine-tuned checkpoint (all weights change) gets a new
// fingerprint while a 60 GB model is fingerprinted in well under a second.
// A path alone is not used: the same path may hold a different revision.
func ModelFingerprint(dir string) (string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("cache: model dir %s: %w", dir, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("cache: model dir %s: not a directory", dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("cache: model dir %s: %w", dir, err)
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		if modelFile(n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("cache: model dir %s: no config.json, tokenizer or safetensors files", dir)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00", n)
		if err := hashFile(h, filepath.Join(dir, n)); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// modelJSON are the JSON files that define a model and its tokenizer; other
// JSON beside them (a model card's card.json or manifest.json, recipe.json,
// trainer_state.json, results) describes the model and must not change its
// fingerprint.
var modelJSON = map[string]bool{
	"config.json": true, "generation_config.json": true, "adapter_config.json": true,
	"tokenizer.json": true, "tokenizer_config.json": true, "special_tokens_map.json": true,
	"added_tokens.json": true, "vocab.json": true, "chat_template.json": true,
}

// modelFile reports whether a file of a model dir enters its fingerprint:
// weights (*.safetensors and their index), the modelJSON files, chat
// templates (*.jinja), SentencePiece models and BPE merges.
func modelFile(n string) bool {
	switch {
	case strings.HasSuffix(n, ".safetensors"), strings.HasSuffix(n, ".safetensors.index.json"),
		strings.HasSuffix(n, ".jinja"), strings.HasSuffix(n, ".model"), n == "merges.txt":
		return true
	}
	return modelJSON[n]
}

// HashFiles is the hex SHA-256 over the names and full contents of the given
// files, for Key.Data.
func HashFiles(paths ...string) (string, error) {
	h := sha256.New()
	for _, p := range paths {
		fmt.Fprintf(h, "%s\x00", filepath.Base(p))
		f, err := os.Open(p)
		if err != nil {
			return "", fmt.Errorf("cache: hashing %s: %w", p, err)
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("cache: hashing %s: %w", p, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cache: hashing %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cache: hashing %s: %w", path, err)
	}
	size := st.Size()
	binary.Write(h, binary.LittleEndian, size)
	if size <= fullHashLimit {
		if _, err := io.Copy(h, f); err != nil {
			return fmt.Errorf("cache: hashing %s: %w", path, err)
		}
		return nil
	}
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<20)); err != nil {
		return fmt.Errorf("cache: hashing %s: %w", path, err)
	}
	step := (size - sampleSize) / (sampleBlocks - 1)
	for i := int64(0); i < sampleBlocks; i++ {
		if _, err := io.Copy(h, io.NewSectionReader(f, i*step, sampleSize)); err != nil {
			return fmt.Errorf("cache: hashing %s: %w", path, err)
		}
	}
	return nil
}
