package finetune

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// TestSaveRefusesNonFinite: weights holding a NaN are never saved, so they
// cannot become the "latest" resume point; the error names the step.
func TestSaveRefusesNonFinite(t *testing.T) {
	m := load(t, fixtureDir(t, "llama"))
	cfg := loraCfg()
	cfg.MaxSteps, cfg.SaveEvery = 2, 1
	tr, err := New(m, tinyData(8, 512), 0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := tr.Prepare(out, false, false); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Step(); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Save(out); err != nil {
		t.Fatal(err)
	}
	ps := tr.params()
	flat := tensors.MustCopyFlatData[float32](ps.values[1])
	flat[3] = float32(math.NaN())
	ps.values[1] = tensors.FromFlatDataAndDimensions(flat, ps.values[1].Shape().Dimensions...)
	tr.State.Step = 2
	_, err = tr.Save(out)
	if err == nil || !strings.Contains(err.Error(), "step 2") || !strings.Contains(err.Error(), ps.names[1]+" is not finite") {
		t.Fatalf("got %v", err)
	}
	latest, _ := os.ReadFile(filepath.Join(out, LatestFile))
	if strings.TrimSpace(string(latest)) != "checkpoint-1" {
		t.Errorf("latest %q", latest)
	}
	if _, err := os.Stat(filepath.Join(out, "checkpoint-2")); !os.IsNotExist(err) {
		t.Errorf("checkpoint-2 written: %v", err)
	}
}
