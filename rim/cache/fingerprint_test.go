package cache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeModel(t *testing.T, dir string, weights []byte) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"qwen3"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "model.safetensors"), weights, 0o644)
}

func TestModelFingerprint(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	writeModel(t, a, []byte("weights-1"))
	writeModel(t, b, []byte("weights-1"))
	fa, err := ModelFingerprint(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, _ := ModelFingerprint(b)
	if fa != fb {
		t.Fatalf("same content, different fingerprints (path must not matter): %s %s", fa, fb)
	}
	writeModel(t, b, []byte("weights-2"))
	if fb2, _ := ModelFingerprint(b); fb2 == fa {
		t.Fatal("changed weights, same fingerprint")
	}
	// Files that describe the model (a card, a manifest, results) do not change it; its config does.
	before, _ := ModelFingerprint(b)
	for _, f := range []string{"card.json", "manifest.json", "recipe.json", "trainer_state.json", "README.txt"} {
		if err := os.WriteFile(filepath.Join(b, f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fb3, _ := ModelFingerprint(b)
	if fb3 != before {
		t.Fatal("a card.json, manifest.json, recipe.json or README.txt beside the model changed its fingerprint")
	}
	if err := os.WriteFile(filepath.Join(b, "config.json"), []byte(`{"changed": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if fb5, _ := ModelFingerprint(b); fb5 == fb3 {
		t.Fatal("changed config.json, same fingerprint")
	}
	// Large files are sampled: a change deep inside must still be seen.
	big := make([]byte, fullHashLimit+3<<20)
	writeModel(t, a, big)
	f1, _ := ModelFingerprint(a)
	region := (len(big)-sampleSize)/(sampleBlocks-1) + sampleSize // longer than the sampling stride
	for i := len(big) / 2; i < len(big)/2+region; i++ {
		big[i] = 1 // a whole region of a large checkpoint changes (fine-tuning)
	}
	writeModel(t, a, big)
	if f2, _ := ModelFingerprint(a); f2 == f1 {
		t.Fatal("large file: changed region not detected")
	}
	if _, err := ModelFingerprint(filepath.Join(root, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing dir: err = %v", err)
	}
	empty := filepath.Join(root, "empty")
	os.MkdirAll(empty, 0o755)
	if _, err := ModelFingerprint(empty); err == nil || !strings.Contains(err.Error(), "no config.json") {
		t.Fatalf("empty dir: err = %v", err)
	}
}

func TestHashFilesAndValue(t *testing.T) {
	d := t.TempDir()
	p := filepath.Join(d, "x.jsonl")
	os.WriteFile(p, []byte("a\n"), 0o644)
	h1, err := HashFiles(p)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, []byte("b\n"), 0o644)
	if h2, _ := HashFiles(p); h2 == h1 {
		t.Fatal("content change not seen")
	}
	if _, err := HashFiles(filepath.Join(d, "nope")); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("missing file: %v", err)
	}
	v1, _ := HashValue(map[string]int{"a": 1})
	v2, _ := HashValue(map[string]int{"a": 2})
	if v1 == v2 || len(v1) != 64 {
		t.Fatalf("HashValue: %s %s", v1, v2)
	}
	if _, err := HashValue(func() {}); err == nil {
		t.Fatal("HashValue(func) succeeded")
	}
}
