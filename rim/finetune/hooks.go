package finetune

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/safetensors"
)

// Hook is a training callback. It runs after every Every-th optimiser step
// (Every 0: only when a checkpoint is written) with the live weights; Dir is
// where it may store files: the checkpoint being written when the step is a
// checkpoint step (so the files travel with it), else <out>/probes/step-N.
// This is how the paper's eight-checkpoint RAS/forgetting statistics are
// collected (docs/paper.md §5.3, §7).
type Hook struct {
	Name  string
	Every int
	Run   func(c *HookContext) error
}

// HookContext is what a hook sees.
type HookContext struct {
	T    *Trainer
	Step int
	Dir  string
}

// Capture runs a forward of the current weights (LoRA applied, or the
// full-FT weights) on a batch and returns the captured sites. The batch
// follows model.Input's rules (nil mask = all ones, nil positions =
// cumsum(mask)-1). One executable is compiled per (site set, batch shape).
func (t *Trainer) Capture(in model.Input, sites ...hook.Site) (map[hook.Site]*tensors.Tensor, error) {
	if len(sites) == 0 {
		return nil, fmt.Errorf("finetune: capture: no sites")
	}
	for _, s := range sites {
		if err := t.Model.ValidateSite(s); err != nil {
			return nil, err
		}
	}
	B := len(in.InputIDs)
	if B == 0 || len(in.InputIDs[0]) == 0 {
		return nil, fmt.Errorf("finetune: capture: empty input_ids")
	}
	S := len(in.InputIDs[0])
	ids, mask := make([]int32, B*S), make([]int32, B*S)
	for b := 0; b < B; b++ {
		if len(in.InputIDs[b]) != S || (in.AttentionMask != nil && len(in.AttentionMask[b]) != S) {
			return nil, fmt.Errorf("finetune: capture: row %d has a different length than row 0 (%d)", b, S)
		}
		for s := 0; s < S; s++ {
			ids[b*S+s], mask[b*S+s] = int32(in.InputIDs[b][s]), 1
			if in.AttentionMask != nil {
				mask[b*S+s] = int32(in.AttentionMask[b][s])
			}
		}
	}
	pos := model.DefaultPositions(mask, B, S)
	if in.PositionIDs != nil {
		for b := 0; b < B; b++ {
			for s := 0; s < S; s++ {
				pos[b*S+s] = int32(in.PositionIDs[b][s])
			}
		}
	}
	names := make([]string, len(sites))
	for i, s := range sites {
		names[i] = s.String()
	}
	key := strings.Join(names, ",")
	e, ok := t.capExecs[key]
	if !ok {
		nw := t.nInputs()
		plan := model.Plan{Capture: map[hook.Site]bool{}}
		for _, s := range sites {
			plan.Capture[s] = true
		}
		var err error
		e, err = graph.NewExec(t.Model.Backend(), func(x []*graph.Node) []*graph.Node {
			out, _ := t.buildForward(x, model.GraphInputs{InputIDs: x[nw], KeyMask: x[nw+1], PositionIDs: x[nw+2]}, plan, nil)
			res := make([]*graph.Node, len(sites))
			for i, s := range sites {
				if s == hook.Logits {
					res[i] = out.Logits
				} else {
					res[i] = out.Sites[s]
				}
				if res[i] == nil {
					panic(fmt.Sprintf("finetune: site %s was not produced by the forward", s))
				}
			}
			return res
		})
		if err != nil {
			return nil, err
		}
		t.capExecs[key] = e
	}
	args := append(t.weightArgs(), tensors.FromFlatDataAndDimensions(ids, B, S),
		tensors.FromFlatDataAndDimensions(mask, B, S), tensors.FromFlatDataAndDimensions(pos, B, S))
	outs, err := e.Exec(args...)
	if err != nil {
		return nil, fmt.Errorf("finetune: capture: %w", err)
	}
	res := map[hook.Site]*tensors.Tensor{}
	for i, s := range sites {
		res[s] = outs[i]
	}
	return res, nil
}

// ProbeHook captures sites on a fixed probe batch and writes them to
// <Dir>/probes/<name>.safetensors (F32; integer sites converted), tensor
// names = the site names ([n, seq, ...]), plus ProbeIDs and ProbeMask
// (I64 [n, seq]): the batch is right-padded, so rows' real lengths are the
// mask's row sums and padded positions must be ignored.
func ProbeHook(name string, every int, in model.Input, sites ...hook.Site) Hook {
	return Hook{Name: name, Every: every, Run: func(c *HookContext) error {
		caps, err := c.T.Capture(in, sites...)
		if err != nil {
			return err
		}
		var ts []safetensors.Tensor
		for _, s := range sites {
			x := caps[s]
			dims := x.Shape().Dimensions
			var flat []float32
			if s.IsInt() {
				for _, i := range tensors.MustCopyFlatData[int32](x) {
					flat = append(flat, float32(i))
				}
			} else {
				flat = tensors.MustCopyFlatData[float32](x)
			}
			ts = append(ts, safetensors.F32(s.String(), dims, flat))
			finalize(x)
		}
		ids, mask := probeBatch(in)
		ts = append(ts, ids, mask)
		dir := filepath.Join(c.Dir, "probes")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return safetensors.Write(filepath.Join(dir, name+".safetensors"), ts, map[string]string{"step": fmt.Sprint(c.Step)})
	}}
}

// Names of the probe batch's tokens and attention mask in a probe file.
const (
	ProbeIDs  = "input_ids"
	ProbeMask = "attention_mask"
)

// probeBatch returns the probe batch's ids and attention mask (all ones
// when in has none) as I64 [n, seq] tensors.
func probeBatch(in model.Input) (ids, mask safetensors.Tensor) {
	n, seq := len(in.InputIDs), 0
	if n > 0 {
		seq = len(in.InputIDs[0])
	}
	fi, fm := make([]int64, 0, n*seq), make([]int64, 0, n*seq)
	for r, row := range in.InputIDs {
		for j, id := range row {
			fi = append(fi, int64(id))
			m := int64(1)
			if in.AttentionMask != nil {
				m = int64(in.AttentionMask[r][j])
			}
			fm = append(fm, m)
		}
	}
	return safetensors.I64(ProbeIDs, []int{n, seq}, fi), safetensors.I64(ProbeMask, []int{n, seq}, fm)
}

// ProbeInput right-pads examples into a probe batch (ids and attention
// mask; positions follow the mask).
func ProbeInput(exs []sft.Example, padID int) model.Input {
	p := sft.Pad(exs, padID, 1, 0)
	return model.Input{InputIDs: p.IDs, AttentionMask: p.Mask}
}

// ExpandSites parses comma-separated hook site names; "blocks.*." expands to
// every layer ("blocks.*.mlp.hook_post" → blocks.0…L-1.mlp.hook_post).
func ExpandSites(list string, nLayers int) ([]hook.Site, error) {
	var out []hook.Site
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		names := []string{name}
		if strings.Contains(name, "blocks.*.") {
			names = names[:0]
			for L := 0; L < nLayers; L++ {
				names = append(names, strings.Replace(name, "blocks.*.", fmt.Sprintf("blocks.%d.", L), 1))
			}
		}
		for _, n := range names {
			s, err := hook.Parse(n)
			if err != nil {
				return nil, fmt.Errorf("finetune: probe site %q: %w", n, err)
			}
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("finetune: no probe sites in %q", list)
	}
	return out, nil
}
