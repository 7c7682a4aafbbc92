package finetune

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/model"
)

// trainMode is what a fine-tuning mode decides (Config.Mode): which tensors
// are trained, how they enter the forward, and how they are checkpointed and
// exported. loraMode (lora_mode.go) trains PEFT factors beside the frozen
// base weights; fullMode (full_mode.go) trains the model's own weights.
// Batching, the schedule, the optimiser (an updater), hooks and checkpoint
// orchestration stay in Trainer.
type trainMode interface {
	// trainables are the trained tensors, owned by the trainer. Their
	// values may be replaced or updated in place by the updater.
	trainables() *trainables
	// modelInputs are the values fed to the graphs for the model's
	// parameters (base, in model.ParamNames order): the frozen base (LoRA)
	// or the current trained weights (full).
	modelInputs(base []*tensors.Tensor) []*tensors.Tensor
	// extraInputs are the graph inputs after the model's parameters (the
	// LoRA factors; none in full mode).
	extraInputs() []*tensors.Tensor
	// linear wraps the model's linear for the forward: params are the graph
	// nodes of the model's parameters, extra those of extraInputs, rng the
	// dropout RNG state (nil outside training). It returns the linear (nil:
	// the model's own) and the nodes the loss is differentiated by (in
	// trainables order).
	linear(lin model.Linear, params, extra []*graph.Node, rng *graph.Node) (model.Linear, []*graph.Node)
	// writeWeights writes the trained weights of a checkpoint into dir.
	writeWeights(dir string) error
	// readWeights reads them back, by trainable name.
	readWeights(dir string) (map[string][]float32, error)
	// merge turns a copy of model weight name (current value w) into its
	// exported value, in place (LoRA: W + s·B·A; full: nothing to do).
	merge(name string, w []float32) error
}

// trainables are a mode's trained tensors in graph order: names (PEFT names
// for LoRA, HF names for full), values and whether AdamW decays them.
type trainables struct {
	names  []string
	values []*tensors.Tensor
	decay  []bool
}
