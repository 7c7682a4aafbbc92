package finetune

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPrepareRemovesUnfinishedCheckpoints: a run killed inside Save leaves a
// .tmp-checkpoint-N-* directory (a full copy of the weights) that nothing
// used to remove. Prepare removes it on a fresh start and on resume, and
// leaves finished checkpoints and other files alone.
func TestPrepareRemovesUnfinishedCheckpoints(t *testing.T) {
	tr, err := New(load(t, fixtureDir(t, "llama")), tinyData(4, 512), 0, loraCfg())
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	leave := func(name string) string {
		p := filepath.Join(out, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "adapter_model.safetensors"), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := leave(".tmp-checkpoint-3-123456")
	kept := []string{leave("checkpoint-2"), leave(".tmp-notes"), leave("tmp-checkpoint-9")}
	if _, err := tr.Prepare(out, false, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("fresh start: %s still present (%v)", stale, err)
	}
	stale = leave(".tmp-checkpoint-5-987")
	if _, err := tr.Prepare(out, true, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("resume: %s still present (%v)", stale, err)
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
}
