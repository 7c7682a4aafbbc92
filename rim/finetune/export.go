package finetune

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/safetensors"
)

// exportCopies are the non-weight files of a model directory carried into an export.
var exportCopies = []string{"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
	"special_tokens_map.json", "chat_template.jinja", "vocab.json", "merges.txt", "tokenizer.model"}

// modelFiles are the exportCopies that describe the model, not its tokenizer.
var modelFiles = map[string]bool{"config.json": true, "generation_config.json": true}

// ExportMerged writes a plain Hugging Face model directory with the
// fine-tuned weights (LoRA merged into the base weights in float32: W + s·B·A)
// under the original HF names, plus the base directory's config, generation
// and tokenizer files. The directory is assembled under a temporary name and
// renamed into place; an existing dir is refused.
func (t *Trainer) ExportMerged(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("finetune: export: %s already exists", dir)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("finetune: export: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-export-")
	if err != nil {
		return fmt.Errorf("finetune: export: %w", err)
	}
	if err := t.exportInto(tmp); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("finetune: export: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("finetune: export: %w", err)
	}
	return nil
}

func (t *Trainer) exportInto(dir string) error {
	cur := t.modelParams()
	t.Adapter() // LoRA: the adapter takes the current factors
	var ts []safetensors.Tensor
	for i, n := range t.mNames {
		w, err := model.Float32Values(cur[i]) // LoRA: the base weights, maybe bf16-stored
		if err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		// Expert stacks are written per expert under the HF names.
		for _, p := range hfParts(t.Model, n, cur[i].Shape().Dimensions, w) {
			if err := t.mode.merge(p.name, p.vals); err != nil {
				return err
			}
			ts = append(ts, safetensors.F32(p.name, p.dims, p.vals))
		}
	}
	if err := safetensors.Write(filepath.Join(dir, WeightsFile), ts, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	for _, f := range exportCopies {
		src := filepath.Join(t.Model.Dir, f)
		if t.TokenizerDir != "" && !modelFiles[f] {
			src = filepath.Join(t.TokenizerDir, f)
		}
		if _, err := os.Stat(src); err == nil {
			if err := copyFile(src, filepath.Join(dir, f)); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckExport is run before training so that an unusable --export dir fails
// at once, not after hours of training. A missing dir is fine. An existing
// one is refused, except with overwrite when it lies inside the run
// directory out and holds only what ExportMerged writes (model.safetensors
// plus the copied config/tokenizer files): then remove is true and the
// caller deletes it together with the overwritten run (RemoveExport).
func CheckExport(dir, out string, overwrite bool) (remove bool, err error) {
	if _, err := os.Lstat(dir); os.IsNotExist(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("finetune: export: %w", err)
	}
	refuse := fmt.Errorf("finetune: export dir %s already exists; remove it or pick another --export", dir)
	if !overwrite || !inside(dir, out) || !isRimExport(dir) {
		return false, refuse
	}
	return true, nil
}

// RemoveExport deletes an export dir that CheckExport allowed to remove.
func RemoveExport(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("finetune: export: %w", err)
	}
	return nil
}

// inside reports whether dir is strictly below out.
func inside(dir, out string) bool {
	ad, err1 := filepath.Abs(dir)
	ao, err2 := filepath.Abs(out)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(ao, ad)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// isRimExport reports whether dir holds only plain files ExportMerged writes,
// model.safetensors among them.
func isRimExport(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	known := map[string]bool{WeightsFile: true}
	for _, f := range exportCopies {
		known[f] = true
	}
	seen := false
	for _, e := range ents {
		if !e.Type().IsRegular() || !known[e.Name()] {
			return false
		}
		seen = seen || e.Name() == WeightsFile
	}
	return seen
}

// cutWeight strips ".weight" from a parameter name: the module name, and
// whether it was a weight.
func cutWeight(name string) (string, bool) { return strings.CutSuffix(name, ".weight") }
