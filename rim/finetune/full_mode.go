package finetune

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/safetensors"
)

// noDecay is HF Trainer's rule (get_decay_parameter_names): no weight decay
// for biases and norm weights.
var noDecay = regexp.MustCompile(`bias|layernorm|rmsnorm|(^|\.)norm($|\.)|_norm($|\.)`)

// fullMode trains every model parameter: the trained values are the graph's
// model-parameter inputs. They start as the model's own tensors; an updater
// that writes in place (hostUpdater) first replaces them by copies, so the
// model's weights are never changed.
type fullMode struct {
	m *model.Model
	t trainables
}

func newFullMode(m *model.Model, names []string, base []*tensors.Tensor, decayAll bool) (*fullMode, error) {
	f := &fullMode{m: m}
	f.t.names = append([]string(nil), names...)
	f.t.values = append([]*tensors.Tensor(nil), base...)
	for i, v := range f.t.values {
		if v.DType() != dtypes.Float32 {
			// bf16-stored weights (model.Options.WeightDType): the trained
			// parameters, their AdamW moments and updates are float32, as
			// in the f32 load, so training starts from the same (exact) values.
			c, err := model.Float32Tensor(m.Backend(), v)
			if err != nil {
				return nil, fmt.Errorf("finetune: %s: %w", names[i], err)
			}
			f.t.values[i] = c
		}
	}
	for _, n := range names {
		f.t.decay = append(f.t.decay, decayAll || !noDecay.MatchString(strings.ToLower(n)))
	}
	return f, nil
}

func (f *fullMode) trainables() *trainables { return &f.t }

func (f *fullMode) modelInputs([]*tensors.Tensor) []*tensors.Tensor { return f.t.values }

func (f *fullMode) extraInputs() []*tensors.Tensor { return nil }

// linear returns nil, the model's own linear: the forward may then use the
// sparse MoE experts (rim/model/moe_sparse.go), which a custom Linear turns off.
func (f *fullMode) linear(_ model.Linear, params, _ []*graph.Node, _ *graph.Node) (model.Linear, []*graph.Node) {
	return nil, params
}

// writeWeights writes model.safetensors (HF names: expert stacks split per
// expert) and the model's config.json.
func (f *fullMode) writeWeights(dir string) error {
	var ts []safetensors.Tensor
	for i, n := range f.t.names {
		ts = append(ts, hfTensors(f.m, "", n, f.t.values[i].Shape().Dimensions, tensors.MustCopyFlatData[float32](f.t.values[i]))...)
	}
	if err := safetensors.Write(filepath.Join(dir, WeightsFile), ts, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	return copyFile(filepath.Join(f.m.Dir, "config.json"), filepath.Join(dir, "config.json"))
}

func (f *fullMode) readWeights(dir string) (map[string][]float32, error) {
	sf, err := safetensors.Open(filepath.Join(dir, WeightsFile))
	if err != nil {
		return nil, err
	}
	defer sf.Close()
	vals := map[string][]float32{}
	for i, n := range f.t.names {
		if vals[n], err = readHF(f.m, sf.Float32, "", n, f.t.values[i].Shape().Dimensions); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, WeightsFile), err)
		}
	}
	return vals, nil
}

func (f *fullMode) merge(string, []float32) error { return nil }
