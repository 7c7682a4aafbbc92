package model

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/backend"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/safetensors"
)

// Options configure Load.
type Options struct {
	// Backend to run on; nil uses backend.Default() (Go backend unless GOMLX_BACKEND says otherwise).
	Backend compute.Backend
	// WeightDType stores the weights as Float32 or BFloat16 (half the
	// memory; converted to the compute dtype inside the graph). The default
	// (InvalidDType) is BFloat16 when every weight of the checkpoint is
	// stored BF16 — bf16→f32 is exact, so a float32 forward gives the same
	// logits bit for bit at half the resident memory (docs/engine.md,
	// "Memory at real size") — or when ComputeDType is BFloat16, and
	// Float32 otherwise (F32/F16/F64 or mixed files: rounding them would
	// change the results). Float32 forces float32 storage.
	WeightDType dtypes.DType
	// ComputeDType is the dtype of the forward's activations and matmuls:
	// Float32 (default) or BFloat16, like transformers with
	// torch_dtype=bfloat16: norms, attention softmax and router softmax run
	// in float32 and are cast back; RoPE cos/sin are cast to it; logits and
	// captured sites come back as float32. BFloat16 implies bf16 weights
	// unless WeightDType says otherwise. Use ParseDType for "bf16"/"f32".
	ComputeDType dtypes.DType
	// MoE selects the MoE expert computation (moe_sparse.go): MoESparse
	// (each token's top-k experts only) or MoEDense (every expert on every
	// token, the reference); "" is MoESparse, the default: with the experts
	// stored stacked (moe_stack.go) it is faster than dense on the Go backend
	// (forward 1.5–2×, decode 3×; docs/engine.md "Sparse MoE") and gives the
	// dense results. A custom Linear on the experts (LoRA with expert
	// targets; see Plan.ExpertsPlain) or an expert hook site falls back to
	// the dense experts for that forward.
	MoE MoEMode
}

// ParseDType maps a command-line dtype name ("f32", "float32", "bf16",
// "bfloat16") to a compute dtype.
func ParseDType(s string) (dtypes.DType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "f32", "float32":
		return dtypes.Float32, nil
	case "bf16", "bfloat16":
		return dtypes.BFloat16, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("rim: dtype %q is not supported (f32 or bf16)", s)
}

// Model is a loaded decoder LLM: its config, its architecture and its
// weights as device tensors under their HF names. It is safe for concurrent
// Forward calls.
type Model struct {
	Config *Config
	Arch   *Arch
	Dir    string

	backend compute.Backend
	wdtype  dtypes.DType // storage dtype of the weights
	cdtype  dtypes.DType // compute dtype of the forward
	names   []string     // stored parameter names, table order (graph input order)
	params  map[string]*tensors.Tensor
	// stacks: expert stack name → HF per-expert names (index = expert);
	// experts: the inverse (moe_stack.go).
	stacks  map[string][]string
	experts map[string]expertRef

	mu    sync.Mutex
	execs map[string]*graph.Exec
}

// Backend returns the backend the model runs on.
func (m *Model) Backend() compute.Backend { return m.backend }

// ParamNames lists every stored parameter in a stable order (the graph
// inputs' order): HF names, except that each MoE layer's experts are one
// stack per projection, "<moe>.experts.<proj>.weight" [E, out, in]
// (moe_stack.go; HFParamNames lists the per-expert HF names).
func (m *Model) ParamNames() []string { return slices.Clone(m.names) }

// Param returns the loaded tensor of stored parameter name (nil if absent;
// an expert's weight is a row of its stack, see ExpertWeight).
func (m *Model) Param(name string) *tensors.Tensor { return m.params[name] }

// Dims returns the model's dimensions for hook-site validation and shapes.
func (m *Model) Dims() hook.Dims {
	c := m.Config
	dmlp := c.Intermediate
	return hook.Dims{Layers: c.NumLayers, DModel: c.Hidden, NHeads: c.NumHeads, NKVHeads: c.NumKVHeads,
		DHead: c.HeadDim, DMLP: dmlp, Vocab: c.Vocab, MoELayer: c.IsMoELayer, NExperts: c.NumExperts,
		TopK: c.TopK, DExpert: c.MoEIntermediate}
}

// ValidateSite checks that site exists in this model.
func (m *Model) ValidateSite(s hook.Site) error { return s.Validate(m.Dims()) }

// ResolveDir turns a HF cache repo dir (models--ORG--NAME) into its snapshot
// (refs/main, else the only snapshot); other dirs are returned unchanged.
func ResolveDir(dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err == nil {
		return dir, nil
	}
	snaps := filepath.Join(dir, "snapshots")
	if _, err := os.Stat(snaps); err != nil {
		fi, err := os.Stat(dir)
		if err != nil {
			return "", fmt.Errorf("rim: model dir %s: %w", dir, err)
		}
		if !fi.IsDir() {
			return "", fmt.Errorf("rim: model dir %s is a file: expected the directory holding config.json (%s?)", dir, filepath.Dir(dir))
		}
		return "", fmt.Errorf("rim: model dir %s: no config.json (and not a HF cache repo dir with snapshots/)", dir)
	}
	if ref, err := os.ReadFile(filepath.Join(dir, "refs", "main")); err == nil {
		p := filepath.Join(snaps, strings.TrimSpace(string(ref)))
		if _, err := os.Stat(filepath.Join(p, "config.json")); err == nil {
			return p, nil
		}
	}
	ents, _ := os.ReadDir(snaps)
	var cands []string
	for _, e := range ents {
		if _, err := os.Stat(filepath.Join(snaps, e.Name(), "config.json")); err == nil {
			cands = append(cands, filepath.Join(snaps, e.Name()))
		}
	}
	if len(cands) != 1 {
		return "", fmt.Errorf("rim: HF cache dir %s: %d snapshots with config.json and no usable refs/main", dir, len(cands))
	}
	return cands[0], nil
}

// Load reads config.json and the safetensors weights of dir (single file,
// sharded index, or HF cache snapshot) onto the backend, stored as
// Options.WeightDType says (bf16 checkpoints stay bf16 by default). Each
// tensor is copied straight from the file mapping into its backend buffer
// (an MoE expert's weight into its row of the layer's stack [E, out, in],
// moe_stack.go) and its mapped pages are then dropped, and the mapping is
// closed before Load returns: the weights are resident once, never with a
// second full copy. Any missing, unexpected or mis-shaped tensor is reported
// in one error, under its HF name.
func Load(dir string, opts Options) (*Model, error) {
	dir, err := ResolveDir(dir)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	st, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("rim: %w", err)
	}
	defer st.Close()
	b := opts.Backend
	if b == nil {
		if b, err = backend.Default(); err != nil {
			return nil, err
		}
	}
	cd := opts.ComputeDType
	switch cd {
	case dtypes.InvalidDType, dtypes.Float32:
		cd = dtypes.Float32
	case dtypes.BFloat16:
	default:
		return nil, fmt.Errorf("rim: compute dtype %s is not supported (float32 or bfloat16)", cd)
	}
	wd := opts.WeightDType
	if wd == dtypes.InvalidDType && cd == dtypes.BFloat16 {
		wd = cd
	}
	switch wd {
	case dtypes.InvalidDType: // decided by the checkpoint's dtypes (loadFrom)
	case dtypes.Float32, dtypes.BFloat16:
	default:
		return nil, fmt.Errorf("rim: weight dtype %s is not supported (float32 or bfloat16)", wd)
	}
	m, err := loadFrom(cfg, dir, st, b, wd, cd)
	if err != nil {
		return nil, err
	}
	m.cdtype = cd
	if m.Config.MoE, err = ParseMoEMode(string(opts.MoE)); err != nil {
		return nil, err
	}
	return m, nil
}

// WeightDType is the dtype the weights are stored in (Options.WeightDType).
func (m *Model) WeightDType() dtypes.DType { return m.wdtype }

// ParamFloat32 returns a new float32 copy of parameter name's values,
// converting bf16-stored weights (exactly).
// An HF per-expert weight name gives that expert's [out, in] values.
func (m *Model) ParamFloat32(name string) ([]float32, error) {
	if r, ok := m.experts[name]; ok {
		t := m.params[r.stack]
		n := shapeSize(t.Shape().Dimensions[1:])
		return float32Range(t, r.e*n, n)
	}
	t := m.params[name]
	if t == nil {
		return nil, fmt.Errorf("rim: no parameter %q in this model", name)
	}
	return Float32Values(t)
}

// Float32Values copies a float32 or bfloat16 tensor into a new []float32.
func Float32Values(t *tensors.Tensor) ([]float32, error) {
	return float32Range(t, 0, t.Shape().Size())
}

// float32Range copies elements off … off+n-1 of a float32 or bfloat16
// tensor (flat, row-major) into a new []float32.
func float32Range(t *tensors.Tensor, off, n int) ([]float32, error) {
	out := make([]float32, n)
	switch t.DType() {
	case dtypes.Float32:
		err := tensors.ConstFlatData[float32](t, func(flat []float32) { copy(out, flat[off:off+n]) })
		return out, err
	case dtypes.BFloat16:
		err := tensors.ConstFlatData[bfloat16.BFloat16](t, func(flat []bfloat16.BFloat16) {
			for i, v := range flat[off : off+n] {
				out[i] = v.Float32()
			}
		})
		return out, err
	}
	return nil, fmt.Errorf("rim: tensor of dtype %s is not float32 or bfloat16", t.DType())
}

// Float32Tensor returns a new float32 tensor on backend b (in a shared
// buffer where b has them) holding the values of a float32 or bfloat16
// tensor: the trainable copy of a bf16-stored weight in full fine-tuning.
func Float32Tensor(b compute.Backend, t *tensors.Tensor) (*tensors.Tensor, error) {
	vals, err := Float32Values(t)
	if err != nil {
		return nil, err
	}
	out, err := tensors.FromShapeForBackend(b, 0, shapes.Make(dtypes.Float32, t.Shape().Dimensions...))
	if err != nil {
		out = tensors.FromShape(shapes.Make(dtypes.Float32, t.Shape().Dimensions...))
	}
	if err := tensors.MutableFlatData[float32](out, func(flat []float32) { copy(flat, vals) }); err != nil {
		return nil, err
	}
	return out, nil
}

// ComputeDType is the dtype the forward computes in (Options.ComputeDType).
func (m *Model) ComputeDType() dtypes.DType {
	if m.cdtype == dtypes.InvalidDType {
		return dtypes.Float32
	}
	return m.cdtype
}

// weightSource is what loadFrom reads from (a safetensors.Dir, or memory in tests).
type weightSource interface {
	Names() []string
	Info(name string) (safetensors.TensorInfo, bool)
	Bytes(name string) ([]byte, error)
}

func loadFrom(cfg *Config, dir string, st weightSource, b compute.Backend, wd, cd dtypes.DType) (*Model, error) {
	arch := archs[cfg.ModelType]
	table := paramTable(cfg, arch)
	if err := checkTable(table, st, cfg); err != nil {
		return nil, fmt.Errorf("rim: %s: %w", dir, err)
	}
	// vocabF32: see vocabMatrices.
	vocabF32 := false
	if wd == dtypes.InvalidDType {
		wd = defaultWeightDType(table, st)
		vocabF32 = wd == dtypes.BFloat16 && cd != dtypes.BFloat16
	}
	release, _ := st.(interface{ Release(name string) })
	m := &Model{Config: cfg, Arch: arch, Dir: dir, backend: b, wdtype: wd, params: map[string]*tensors.Tensor{},
		stacks: map[string][]string{}, experts: map[string]expertRef{}, execs: map[string]*graph.Exec{}}
	for _, p := range table {
		info, _ := st.Info(p.Name)
		raw, err := st.Bytes(p.Name)
		if err != nil {
			return nil, fmt.Errorf("rim: %s: %w", p.Name, err)
		}
		dt := dtypes.Float32
		if wd == dtypes.BFloat16 && !(vocabF32 && vocabMatrices[p.Name]) {
			dt = dtypes.BFloat16
		}
		// An expert's weight goes into slot e of its layer's stack
		// [E, out, in] (moe_stack.go), allocated with expert 0.
		name, t, off := p.Name, (*tensors.Tensor)(nil), 0
		if stack, e, ok := splitExpertWeight(p.Name); ok && arch.moe != moeNone {
			name = stack
			if t = m.params[stack]; t == nil {
				t = newWeight(m, dt, append([]int{cfg.NumExperts}, p.Shape...))
				m.stacks[stack] = make([]string, cfg.NumExperts)
			}
			if err := checkStack(stack, p.Name, t, e, p.Shape); err != nil {
				return nil, err
			}
			m.stacks[stack][e] = p.Name
			m.experts[p.Name] = expertRef{stack: stack, e: e}
			off = e * shapeSize(p.Shape)
		} else {
			t = newWeight(m, dt, p.Shape)
		}
		if err := decodeInto(t, off, shapeSize(p.Shape), info.DType, raw); err != nil {
			return nil, fmt.Errorf("rim: %s: %w", p.Name, err)
		}
		if release != nil {
			release.Release(p.Name) // copied: its file pages need not stay resident
		}
		if _, seen := m.params[name]; !seen {
			m.names = append(m.names, name)
			m.params[name] = t
		}
	}
	for stack, members := range m.stacks {
		for e, n := range members {
			if n == "" {
				return nil, fmt.Errorf("rim: %s: expert %d of the stack %s is missing", dir, e, stack)
			}
		}
	}
	return m, nil
}

func shapeSize(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// vocabMatrices are the weights a default (auto) bf16 load stores as
// float32 under float32 compute (same values: bf16→f32 is exact). A tied
// embedding is read at the graph's start (Gather) and end (lm_head), so its
// in-graph float32 conversion would stay live through the whole forward:
// 4·vocab·hidden bytes on top of a bf16 copy, against 2·vocab·hidden more for
// float32 storage (Qwen3-4B, load + one forward: peak RSS 1.24× → 1.14× the
// bf16 weight bytes, docs/engine.md "Memory at real size"). Untied, the two
// conversions are transients of the same 4·vocab·hidden each, and
// rim/generate's split lm_head reads lm_head.weight directly: stored bf16 it
// would take bf16 products, float32 keeps a float32 model's greedy tokens.
// An explicit WeightDType BFloat16 stores them bf16 too.
var vocabMatrices = map[string]bool{"model.embed_tokens.weight": true, "lm_head.weight": true}

// defaultWeightDType is the storage dtype when Options.WeightDType is unset
// and the compute dtype is float32: BFloat16 when every weight is BF16 in
// the file (storing it bf16 loses nothing), Float32 otherwise.
func defaultWeightDType(table []ParamSpec, st weightSource) dtypes.DType {
	for _, p := range table {
		if info, _ := st.Info(p.Name); info.DType != "BF16" {
			return dtypes.Float32
		}
	}
	if len(table) == 0 {
		return dtypes.Float32
	}
	return dtypes.BFloat16
}

// checkTable compares the declared table with the file contents.
func checkTable(table []ParamSpec, st weightSource, cfg *Config) error {
	var problems []string
	want := map[string]bool{}
	for _, p := range table {
		want[p.Name] = true
		info, ok := st.Info(p.Name)
		if !ok {
			problems = append(problems, "missing tensor "+p.Name)
			continue
		}
		if !slices.Equal(info.Shape, p.Shape) {
			problems = append(problems, fmt.Sprintf("tensor %s has shape %v, config.json implies %v", p.Name, info.Shape, p.Shape))
		}
		switch info.DType {
		case "F32", "F16", "BF16", "F64":
		default:
			problems = append(problems, fmt.Sprintf("tensor %s has dtype %s, want a float type", p.Name, info.DType))
		}
	}
	for _, n := range st.Names() {
		if want[n] || strings.HasSuffix(n, ".rotary_emb.inv_freq") {
			continue
		}
		if n == "lm_head.weight" && cfg.TieEmbeddings {
			continue // some checkpoints store the tied copy; the embedding is used
		}
		problems = append(problems, "unexpected tensor "+n)
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	if len(problems) > 8 {
		problems = append(problems[:8], fmt.Sprintf("... and %d more", len(problems)-8))
	}
	return fmt.Errorf("weights do not match model_type %s: %s", cfg.ModelType, strings.Join(problems, "; "))
}

// decodeInto decodes raw (safetensors dtype) into elements off … off+n-1 of
// the float32 or bfloat16 weight t, so the weights exist once in memory
// (backends with shared buffers) besides the mmap. BF16 into bfloat16 is
// copied as is, other float types are rounded to nearest even.
func decodeInto(t *tensors.Tensor, off, n int, dtype string, raw []byte) error {
	var derr error
	var err error
	switch t.DType() {
	case dtypes.Float32:
		err = tensors.MutableFlatData[float32](t, func(flat []float32) {
			derr = safetensors.DecodeFloat32(flat[off:off+n], dtype, raw)
		})
	case dtypes.BFloat16:
		err = tensors.MutableFlatData[bfloat16.BFloat16](t, func(all []bfloat16.BFloat16) {
			flat := all[off : off+n]
			if dtype == "BF16" {
				if len(raw) != 2*len(flat) {
					derr = fmt.Errorf("%d bytes for %d BF16 elements", len(raw), len(flat))
					return
				}
				for i := range flat {
					flat[i] = bfloat16.BFloat16(binary.LittleEndian.Uint16(raw[2*i:]))
				}
				return
			}
			tmp := make([]float32, len(flat))
			if derr = safetensors.DecodeFloat32(tmp, dtype, raw); derr == nil {
				for i, v := range tmp {
					flat[i] = bfloat16.FromFloat32(v)
				}
			}
		})
	default:
		return fmt.Errorf("weight dtype %s is not float32 or bfloat16", t.DType())
	}
	if err != nil {
		return err
	}
	return derr
}

// ParamsFromInputs maps graph inputs given in ParamNames order (the
// tensors of Param) to a ParamMap, converting the stored weights to the
// compute dtype (float32 unless Options.ComputeDType said bfloat16).
//
// Expert stacks [E, out, in] (moe_stack.go) are left in their stored dtype:
// their users convert after taking a slice (dense experts, by HF name via
// ParamMap.Param) or gathering the routed experts (sparse), so bf16-stored
// experts are never all converted at once.
func (m *Model) ParamsFromInputs(inputs []*graph.Node) ParamMap {
	p := ParamMap{}
	cd := m.ComputeDType()
	for i, n := range m.names {
		x := inputs[i]
		if x.DType() != cd && m.stacks[n] == nil {
			x = graph.ConvertDType(x, cd)
		}
		p[n] = x
	}
	return p
}

// Close releases the weights' device memory.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.execs {
		e.Finalize()
	}
	m.execs = nil
	for _, t := range m.params {
		t.FinalizeAll()
	}
	m.params = nil
	return nil
}

// MustLoad is Load with default Options that panics on error (Go's MustX
// convention: for tests, examples and package-level values). Notebook cells
// use display.OrExit(model.Load(dir, opts)), which prints one line instead.
func MustLoad(dir string) *Model {
	m, err := Load(dir, Options{})
	if err != nil {
		panic(err)
	}
	return m
}
