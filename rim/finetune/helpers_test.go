package finetune

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/optim"
	"github.com/rimlab/rim/rim/safetensors"
)

func fixtureDir(t *testing.T, name string) string {
	return testpaths.Shared(t, "fixtures", "hf-tiny", name)
}

func load(t *testing.T, dir string) *model.Model {
	t.Helper()
	m, err := model.Load(dir, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// fixtureTrain reads the fixture's training example (train.input_ids /
// train.labels), its listed parameters and optimiser.
type fixtureTrain struct {
	Example sft.Example
	Params  []string
	Opt     optim.AdamW
	Ref     *safetensors.File
}

func readFixtureTrain(t *testing.T, dir string) fixtureTrain {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Train struct {
			Optimizer string   `json:"optimizer"`
			Params    []string `json:"params"`
		} `json:"train"`
	}
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	opt, err := optim.ParseTorchAdamW(js.Train.Optimizer)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := safetensors.Open(filepath.Join(dir, "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	ids, _, err := ref.Int64("train.input_ids")
	if err != nil {
		t.Fatal(err)
	}
	labels, _, err := ref.Int64("train.labels")
	if err != nil {
		t.Fatal(err)
	}
	var ex sft.Example
	for i := range ids {
		ex.IDs = append(ex.IDs, int(ids[i]))
		ex.Labels = append(ex.Labels, int(labels[i]))
	}
	return fixtureTrain{Example: ex, Params: js.Train.Params, Opt: opt, Ref: ref}
}

// tinyData makes n pre-tokenised examples of a repeated pattern (learnable).
func tinyData(n, vocab int) []sft.Example {
	var out []sft.Example
	for i := 0; i < n; i++ {
		L := 8 + i%5
		ex := sft.Example{Line: i + 1}
		for j := 0; j < L; j++ {
			id := 3 + (i*7+j*j*3)%(vocab-3)
			if j > 2 {
				id = 3 + (ex.IDs[j-1]*5+ex.IDs[j-2])%(vocab-3) // a deterministic rule the model can learn
			}
			ex.IDs = append(ex.IDs, id)
			lab := id
			if j < 2 {
				lab = sft.IgnoreIndex
			}
			ex.Labels = append(ex.Labels, lab)
		}
		out = append(out, ex)
	}
	return out
}
