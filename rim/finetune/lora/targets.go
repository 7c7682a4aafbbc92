package lora

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Module is one linear projection of a model that LoRA can adapt.
type Module struct {
	Name string // HF module name, e.g. "model.layers.3.self_attn.q_proj"
	Out  int    // rows of the weight [out, in]
	In   int
	// Key is the module in rim's vocabulary without the layer, e.g. "attn.q",
	// "mlp.gate_up", "moe.router", "moe.experts.5.down"; Layer its block.
	Key   string
	Layer int
}

var reLayerModule = regexp.MustCompile(`^model\.layers\.(\d+)\.(.+)$`)

// hfToRim maps the part of an HF module name after "model.layers.L." to rim's
// vocabulary. Experts use w1 (gate), w3 (up), w2 (down) in Mixtral/Phimoe.
var hfToRim = map[string]string{
	"self_attn.q_proj": "attn.q", "self_attn.k_proj": "attn.k", "self_attn.v_proj": "attn.v",
	"self_attn.o_proj": "attn.o", "self_attn.qkv_proj": "attn.qkv",
	"mlp.gate_proj": "mlp.gate", "mlp.up_proj": "mlp.up", "mlp.down_proj": "mlp.down",
	"mlp.gate_up_proj": "mlp.gate_up",
	"mlp.gate":         "moe.router", "block_sparse_moe.gate": "moe.router",
}

var reExpert = regexp.MustCompile(`^(mlp|block_sparse_moe)\.experts\.(\d+)\.(gate_proj|up_proj|down_proj|w1|w2|w3)$`)

var expertPart = map[string]string{"gate_proj": "gate", "w1": "gate", "up_proj": "up", "w3": "up", "down_proj": "down", "w2": "down"}

// ModulesFromWeights lists the adaptable linear modules of a model from its
// parameters (HF name → shape): every 2-D "<module>.weight" inside a decoder
// layer that rim's vocabulary names. Embeddings, norms and lm_head are not
// adaptable. The result is sorted by name.
func ModulesFromWeights(shapes map[string][]int) []Module {
	var ms []Module
	for name, shape := range shapes {
		mod, ok := strings.CutSuffix(name, ".weight")
		if !ok || len(shape) != 2 {
			continue
		}
		sm := reLayerModule.FindStringSubmatch(mod)
		if sm == nil {
			continue
		}
		L, _ := strconv.Atoi(sm[1])
		key, ok := hfToRim[sm[2]]
		if !ok {
			em := reExpert.FindStringSubmatch(sm[2])
			if em == nil {
				continue
			}
			key = "moe.experts." + em[2] + "." + expertPart[em[3]]
		}
		ms = append(ms, Module{Name: mod, Out: shape[0], In: shape[1], Key: key, Layer: L})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	return ms
}

// vocabulary: the last component (or components) a target may name.
var attnParts = map[string]bool{"q": true, "k": true, "v": true, "o": true, "qkv": true, "*": true}
var mlpParts = map[string]bool{"gate": true, "up": true, "down": true, "gate_up": true, "*": true}

// pattern is one parsed target.
type pattern struct {
	text   string
	layer  int // -1: any layer
	family string
	parts  []string // after the family
}

var reBlocks = regexp.MustCompile(`^blocks\.(\d+|\*)\.(.+)$`)

func parsePattern(t string) (pattern, error) {
	p := pattern{text: t, layer: -1}
	rest := strings.TrimSpace(t)
	if m := reBlocks.FindStringSubmatch(rest); m != nil {
		if m[1] != "*" {
			p.layer, _ = strconv.Atoi(m[1])
		}
		rest = m[2]
	}
	fs := strings.Split(rest, ".")
	p.family, p.parts = fs[0], fs[1:]
	bad := func() (pattern, error) {
		return pattern{}, fmt.Errorf("lora: target %q: not in rim's vocabulary (attn.q|k|v|o|qkv, mlp.gate|up|down|gate_up, moe.router, moe.experts.E.gate|up|down, * for any, optional blocks.L. prefix)", t)
	}
	switch p.family {
	case "attn":
		if len(p.parts) != 1 || !attnParts[p.parts[0]] {
			return bad()
		}
	case "mlp":
		if len(p.parts) != 1 || !mlpParts[p.parts[0]] {
			return bad()
		}
	case "moe":
		switch {
		case len(p.parts) == 1 && p.parts[0] == "router":
		case len(p.parts) == 3 && p.parts[0] == "experts" && (p.parts[2] == "gate" || p.parts[2] == "up" || p.parts[2] == "down" || p.parts[2] == "*"):
			if p.parts[1] != "*" {
				if _, err := strconv.Atoi(p.parts[1]); err != nil {
					return bad()
				}
			}
		default:
			return bad()
		}
	default:
		return bad()
	}
	return p, nil
}

// fusedAlias: on models with fused projections (phi3), q/k/v name the fused
// qkv projection and gate/up the fused gate_up projection, as PEFT targeting
// "qkv_proj"/"gate_up_proj" does.
var fusedAlias = map[string]string{"attn.q": "attn.qkv", "attn.k": "attn.qkv", "attn.v": "attn.qkv",
	"mlp.gate": "mlp.gate_up", "mlp.up": "mlp.gate_up"}

func (p pattern) matches(m Module) bool {
	if p.layer >= 0 && m.Layer != p.layer {
		return false
	}
	key := strings.Split(m.Key, ".")
	if key[0] != p.family || len(key) != len(p.parts)+1 {
		return false
	}
	for i, part := range p.parts {
		if part != "*" && part != key[i+1] {
			if alias, ok := fusedAlias[p.family+"."+part]; ok && alias == m.Key && i == len(p.parts)-1 {
				continue
			}
			return false
		}
	}
	return true
}

// Resolve returns the modules (sorted by name, no duplicates) that the targets
// select. Each target is a rim vocabulary pattern (see parsePattern's error
// for the grammar). Errors: a target outside the vocabulary; a target that
// matches nothing although the model has modules of its family (e.g.
// "blocks.40.attn.q" on a 36-layer model, "moe.experts.9.up" with 8 experts);
// no module selected at all. A target of a family the model lacks entirely
// ("moe.experts.*.*" on a dense model, "mlp.*" on an all-MoE model) is skipped, so one
// target list (the paper preset) serves dense and MoE models.
func Resolve(modules []Module, targets []string) ([]Module, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("lora: no targets")
	}
	families := map[string]bool{}
	for _, m := range modules {
		families[strings.Split(m.Key, ".")[0]] = true
	}
	picked := map[string]bool{}
	for _, t := range targets {
		p, err := parsePattern(t)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, m := range modules {
			if p.matches(m) {
				picked[m.Name] = true
				n++
			}
		}
		if n == 0 && families[p.family] {
			return nil, fmt.Errorf("lora: target %q matches no module of this model", t)
		}
	}
	var out []Module
	for _, m := range modules {
		if picked[m.Name] {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("lora: targets %v match no module of this model", targets)
	}
	return out, nil
}

// ParseTargets splits a comma-separated target list ("attn.*,mlp.*").
func ParseTargets(s string) []string {
	var ts []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			ts = append(ts, t)
		}
	}
	return ts
}

// PaperTargets are the paper's LoRA targets (docs/paper.md §5.3: "attention and
// MLP modules", presumably q, k, v, o, gate, up, down): every attention and
// dense-MLP projection and every expert's projections; the router is not adapted.
var PaperTargets = []string{"attn.*", "mlp.*", "moe.experts.*.*"}

// peftTargetModules writes PEFT's target_modules for the selection: a leaf
// name (e.g. "q_proj") when the selection holds every module with that leaf,
// else the full module names, so that PEFT's matching
// (name == key or name.endswith("." + key)) selects exactly these modules.
func peftTargetModules(all, sel []Module) []string {
	leaf := func(n string) string { return n[strings.LastIndex(n, ".")+1:] }
	total, chosen := map[string]int{}, map[string][]string{}
	for _, m := range all {
		total[leaf(m.Name)]++
	}
	for _, m := range sel {
		chosen[leaf(m.Name)] = append(chosen[leaf(m.Name)], m.Name)
	}
	var out []string
	for l, names := range chosen {
		if len(names) == total[l] {
			out = append(out, l)
		} else {
			out = append(out, names...)
		}
	}
	sort.Strings(out)
	return out
}
