package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/hook"
)

// Input is a batch for Forward: token ids [batch][seq] (equal lengths; pad
// yourself), the attention mask (nil = all ones) and explicit position ids
// (nil = cumsum(mask)-1 with padding positions set to 1, the rule HF's
// generate() uses).
type Input struct {
	InputIDs      [][]int
	AttentionMask [][]int
	PositionIDs   [][]int
}

// Option configures a Forward or Step call.
type Option func(*callOpts)

type callOpts struct {
	err      error
	lastOnly bool
	capture  []hook.Site
	ivs      []hook.Intervention
}

// Capture selects the sites returned (default: only logits). Logits are
// returned only if listed (or when nothing is listed).
func Capture(sites ...hook.Site) Option {
	return func(o *callOpts) { o.capture = append(o.capture, sites...) }
}

// CaptureNames is Capture with canonical site names (parsed; errors surface in Forward).
func CaptureNames(names ...string) Option {
	return func(o *callOpts) {
		for _, n := range names {
			s, err := hook.Parse(n)
			if err != nil {
				if o.err == nil {
					o.err = err
				}
				continue
			}
			o.capture = append(o.capture, s)
		}
	}
}

// LastLogitsOnly makes the logits site cover only the last position,
// [batch, 1, vocab]: the lm_head runs on one position (prefill for
// generation; with left padding the last position is every row's last token).
func LastLogitsOnly() Option { return func(o *callOpts) { o.lastOnly = true } }

// WithInterventions applies interventions during the call.
func WithInterventions(ivs ...hook.Intervention) Option {
	return func(o *callOpts) { o.ivs = append(o.ivs, ivs...) }
}

// Result holds the captured tensors of one call, by site.
type Result struct {
	Sites   []hook.Site
	Tensors map[hook.Site]*tensors.Tensor
}

// Get returns a captured site's tensor (nil if not captured).
func (r *Result) Get(s hook.Site) *tensors.Tensor { return r.Tensors[s] }

// Float32 returns a copy of a captured float site's values and its shape.
func (r *Result) Float32(s hook.Site) ([]float32, []int, error) {
	t, ok := r.Tensors[s]
	if !ok {
		return nil, nil, fmt.Errorf("rim: %s was not captured", s)
	}
	if t.DType() != dtypes.Float32 {
		return nil, nil, fmt.Errorf("rim: %s is %s, not float32", s, t.DType())
	}
	d, err := tensors.CopyFlatData[float32](t)
	return d, t.Shape().Dimensions, err
}

// Int32 returns a copy of a captured integer site (hook_topk_experts).
func (r *Result) Int32(s hook.Site) ([]int32, []int, error) {
	t, ok := r.Tensors[s]
	if !ok {
		return nil, nil, fmt.Errorf("rim: %s was not captured", s)
	}
	d, err := tensors.CopyFlatData[int32](t)
	return d, t.Shape().Dimensions, err
}

// Logits returns the logits [batch, seq, vocab] as a flat slice.
func (r *Result) Logits() ([]float32, []int, error) { return r.Float32(hook.Logits) }

func (m *Model) options(opts []Option) (*callOpts, error) {
	o := &callOpts{}
	for _, f := range opts {
		f(o)
	}
	if o.err != nil {
		return nil, o.err
	}
	if len(o.capture) == 0 {
		o.capture = []hook.Site{hook.Logits}
	}
	seen := map[hook.Site]bool{}
	var uniq []hook.Site
	for _, s := range o.capture {
		if err := m.ValidateSite(s); err != nil {
			return nil, err
		}
		if !seen[s] {
			seen[s] = true
			uniq = append(uniq, s)
		}
	}
	sort.Slice(uniq, func(i, j int) bool { return uniq[i].String() < uniq[j].String() })
	o.capture = uniq
	return o, nil
}

// batchTensors validates and converts an Input into int32 tensors.
func batchTensors(in Input) (ids, mask, pos *tensors.Tensor, B, S int, err error) {
	B = len(in.InputIDs)
	if B == 0 || len(in.InputIDs[0]) == 0 {
		return nil, nil, nil, 0, 0, fmt.Errorf("rim: input_ids is empty")
	}
	S = len(in.InputIDs[0])
	flat := func(name string, rows [][]int, def func(b, t int) int) ([]int32, error) {
		out := make([]int32, B*S)
		if rows != nil && len(rows) != B {
			return nil, fmt.Errorf("rim: %s has %d rows, input_ids has %d", name, len(rows), B)
		}
		for b := 0; b < B; b++ {
			if rows != nil && len(rows[b]) != S {
				return nil, fmt.Errorf("rim: %s row %d has length %d, want %d", name, b, len(rows[b]), S)
			}
			for t := 0; t < S; t++ {
				if rows != nil {
					out[b*S+t] = int32(rows[b][t])
				} else {
					out[b*S+t] = int32(def(b, t))
				}
			}
		}
		return out, nil
	}
	idsF, err := flat("input_ids", in.InputIDs, nil)
	if err != nil {
		return
	}
	maskF, err := flat("attention_mask", in.AttentionMask, func(int, int) int { return 1 })
	if err != nil {
		return
	}
	var posF []int32
	if in.PositionIDs == nil {
		posF = DefaultPositions(maskF, B, S)
	} else if posF, err = flat("position_ids", in.PositionIDs, nil); err != nil {
		return
	}
	return tensors.FromFlatDataAndDimensions(idsF, B, S), tensors.FromFlatDataAndDimensions(maskF, B, S),
		tensors.FromFlatDataAndDimensions(posF, B, S), B, S, nil
}

// checkIDs rejects token ids outside [0, vocab).
func checkIDs(ids [][]int, vocab int) error {
	for b, row := range ids {
		for t, id := range row {
			if id < 0 || id >= vocab {
				return fmt.Errorf("rim: input_ids[%d][%d] = %d is outside the vocabulary [0, %d)", b, t, id, vocab)
			}
		}
	}
	return nil
}

// DefaultPositions is cumsum(mask)-1 per row with padding positions set to 1
// (transformers' generate() rule). mask is [B*S] row-major.
func DefaultPositions(mask []int32, B, S int) []int32 {
	pos := make([]int32, B*S)
	for b := 0; b < B; b++ {
		var c int32
		for t := 0; t < S; t++ {
			c += mask[b*S+t]
			if mask[b*S+t] == 0 {
				pos[b*S+t] = 1
			} else {
				pos[b*S+t] = c - 1
			}
		}
	}
	return pos
}

// hasParam reports whether the model has a parameter.
func (m *Model) hasParam(name string) bool { _, ok := m.params[name]; return ok }

// paramInputs returns the weight tensors in graph-input order.
func (m *Model) paramInputs() []any {
	args := make([]any, len(m.names))
	for i, n := range m.names {
		args[i] = m.params[n]
	}
	return args
}

// exec returns the cached executable for key, building it with build.
func (m *Model) exec(key string, build func(in []*Node) []*Node) (*Exec, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.execs == nil {
		return nil, fmt.Errorf("rim: model is closed")
	}
	if e, ok := m.execs[key]; ok {
		return e, nil
	}
	e, err := NewExec(m.backend, build)
	if err != nil {
		return nil, err
	}
	e.SetMaxCache(256)
	m.execs[key] = e
	return e, nil
}

// numExecs reports how many executables were compiled (tests: sweeps compile once).
func (m *Model) numCompiled() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.execs)
}

// Forward runs the model on a batch and returns the captured sites
// (default: logits [batch, seq, vocab]). One executable is compiled per
// (capture set, intervention structure) and reused for every input shape
// GoMLX has cached.
func (m *Model) Forward(in Input, opts ...Option) (res *Result, err error) {
	o, err := m.options(opts)
	if err != nil {
		return nil, err
	}
	if err := checkIDs(in.InputIDs, m.Config.Vocab); err != nil {
		return nil, err
	}
	ids, mask, pos, B, S, err := batchTensors(in)
	if err != nil {
		return nil, err
	}
	iv, err := m.prepareInterventions(o.ivs, B, S)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("fwd|%s|%s|last=%v", siteKey(o.capture), iv.key, o.lastOnly)
	nP := len(m.names)
	e, err := m.exec(key, func(inputs []*Node) []*Node {
		params := m.ParamsFromInputs(inputs)
		gi := GraphInputs{InputIDs: inputs[nP], KeyMask: inputs[nP+1], PositionIDs: inputs[nP+2]}
		plan := Plan{Capture: map[hook.Site]bool{}, Intervene: iv.apply(inputs[nP+3:]), LastOnly: o.lastOnly}
		for _, s := range o.capture {
			plan.Capture[s] = true
		}
		out := BuildForward(m.Config, params, m.hasParam, nil, gi, plan)
		res := make([]*Node, len(o.capture))
		for i, s := range o.capture {
			res[i] = out.Sites[s]
		}
		return res
	})
	if err != nil {
		return nil, err
	}
	args := append(m.paramInputs(), ids, mask, pos)
	for _, t := range iv.inputs {
		args = append(args, t)
	}
	outs, err := callExec(e, args)
	if err != nil {
		return nil, err
	}
	res = &Result{Sites: o.capture, Tensors: map[hook.Site]*tensors.Tensor{}}
	for i, s := range o.capture {
		res.Tensors[s] = outs[i]
	}
	return res, nil
}

// callExec runs e, turning graph-building panics into errors.
func callExec(e *Exec, args []any) (outs []*tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rim: forward failed: %v", r)
		}
	}()
	return e.Exec(args...)
}

func siteKey(sites []hook.Site) string {
	names := make([]string, len(sites))
	for i, s := range sites {
		names[i] = s.String()
	}
	return strings.Join(names, ",")
}

// Close releases the result's tensors now instead of at garbage collection
// (useful in loops over large batches).
func (r *Result) Close() {
	for s, t := range r.Tensors {
		t.FinalizeAll()
		delete(r.Tensors, s)
	}
}
