package modeltest

import (
	"testing"

	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
)

// Every architecture writes a directory that loads and runs, with finite logits.
func TestEveryArchitectureLoadsAndRuns(t *testing.T) {
	for _, mt := range model.SupportedTypes() {
		t.Run(mt, func(t *testing.T) {
			dir := t.TempDir()
			if err := Write(dir, Spec{ModelType: mt, Vocab: 97, Hidden: 32, Heads: 4, KVHeads: 2, Intermediate: 48, Seed: 1}); err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(dir, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			r, err := m.Forward(model.Input{InputIDs: [][]int{{1, 5, 9, 11}}}, model.Capture(hook.Logits))
			if err != nil {
				t.Fatal(err)
			}
			lg, shape, _ := r.Logits()
			if shape[2] != 97 {
				t.Fatalf("shape %v", shape)
			}
			for _, v := range lg {
				if v != v {
					t.Fatal("NaN logits")
				}
			}
		})
	}
}

// The committed demo model (testdata/model/tiny-qwen3) loads.
func TestCommittedTinyQwen3(t *testing.T) {
	m, err := model.Load(testpaths.TestData(t, "model", "tiny-qwen3"), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Config.ModelType != "qwen3" {
		t.Fatal(m.Config.ModelType)
	}
}
