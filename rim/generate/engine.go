package generate

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
)

// Scope says where a ScopedIntervention acts.
type Scope string

const (
	// ScopeAll: the prompt (prefill) and every generated token.
	ScopeAll Scope = ""
	// ScopePrompt: the prefill only.
	ScopePrompt Scope = "prompt"
	// ScopeGenerated: every generated token, not the prompt.
	ScopeGenerated Scope = "generated"
	// ScopeThink: generated tokens inside the think block (open tag through
	// close tag, StepInfo.InThink).
	ScopeThink Scope = "think"
	// ScopeAnswer: generated tokens outside the think block. Think and
	// answer scopes are decided per row (hook.Intervention.Rows), so the
	// rows of a batch enter and leave them at their own steps.
	ScopeAnswer Scope = "answer"
)

// ScopedIntervention is an intervention (hook.Intervention: plain JSON
// data) with the part of the generation where it is active. An
// intervention with Positions is a prompt intervention: its positions index
// the left-padded prompt and it acts in the prefill only (Scope must be
// ScopeAll or ScopePrompt).
type ScopedIntervention struct {
	hook.Intervention
	Scope Scope `json:"scope,omitempty"`
}

// ParseInterventions reads a JSON list of scoped interventions strictly
// (hook.DecodeStrict: an unknown field such as "neuron" for "neurons" is an
// error, not a silent select-all).
func ParseInterventions(data []byte) ([]ScopedIntervention, error) {
	var ivs []ScopedIntervention
	if err := hook.DecodeStrict(data, &ivs); err != nil {
		return nil, err
	}
	if err := hook.RequireScale(data); err != nil {
		return nil, err
	}
	return ivs, nil
}

// StepCapture is what one Stepper call captured.
type StepCapture struct {
	// Step is 0 for the prefill (tensors cover the padded prompt: [batch,
	// promptLen, …]) and k for the decode step that fed generated token k
	// ([batch, 1, …]). For "the first generated token's attention row" (the
	// refusal-head statistic, docs/paper.md §6.2) take step 1's hook_pattern; the
	// prefill's last position is the query that *produced* that token.
	Step    int
	Done    []bool // rows already finished at this step (their values are padding)
	InThink []bool
	// Values are the captured sites, flat float32 (Shapes has each shape).
	// Attention sites have K = the cache size at that step (it doubles as
	// the cache grows; key k is cache slot k, i.e. padded-prompt position k
	// for k < promptLen); keys past the current token and padding keys have
	// probability 0.
	Values map[hook.Site][]float32
	Shapes map[hook.Site][]int
}

// ModelStepper runs a rim/model Model with a fixed-shape KV cache, applying
// interventions and captures at every step.
type ModelStepper struct {
	M *model.Model
	// Interventions are active according to their Scope.
	Interventions []ScopedIntervention
	// Capture lists sites to record; CaptureStep selects the steps (nil =
	// every step, prefill included). Records go to Captures.
	Capture     []hook.Site
	CaptureStep func(step int) bool
	Captures    []StepCapture

	// NoSplitHead turns off the lm_head workaround of lmhead.go
	// (the logits then come from the engine's graph).
	NoSplitHead bool

	// InitialCache is the first cache size in tokens per row (0 = the prompt
	// plus up to 128 new tokens, rounded up to a power of two). The cache
	// doubles when full, up to the capacity Run asks for, so a large
	// max-tokens limit does not make every step attend over (and carry) a
	// mostly empty cache. Each size compiles its own decode executable.
	InitialCache int

	cache     *model.Cache
	capacity  int // the most the cache may grow to
	keyMask   [][]int
	head      *splitHead
	headDone  bool
	splitRows int   // tests: force the split head with blocks of this many rows
	pos       []int // next position id per row
	steps     int
}

// NewModelStepper returns a stepper for m without interventions or captures.
func NewModelStepper(m *model.Model) *ModelStepper { return &ModelStepper{M: m} }

// Validate checks the interventions' scopes and sites against the model.
func (s *ModelStepper) Validate() error {
	for i, iv := range s.Interventions {
		switch iv.Scope {
		case ScopeAll, ScopePrompt, ScopeGenerated, ScopeThink, ScopeAnswer:
		default:
			return fmt.Errorf("generate: intervention %d: unknown scope %q (want \"\", prompt, generated, think or answer)", i, iv.Scope)
		}
		if iv.Positions != nil && iv.Scope != ScopeAll && iv.Scope != ScopePrompt {
			return fmt.Errorf("generate: intervention %d at %s: positions index the prompt, so scope %q cannot apply", i, iv.Site, iv.Scope)
		}
		site, err := iv.ParseSite()
		if err != nil {
			return fmt.Errorf("generate: intervention %d: %w", i, err)
		}
		if err := s.M.ValidateSite(site); err != nil {
			return fmt.Errorf("generate: intervention %d: %w", i, err)
		}
	}
	for _, c := range s.Capture {
		if err := s.M.ValidateSite(c); err != nil {
			return fmt.Errorf("generate: capture: %w", err)
		}
	}
	return nil
}

// Prefill implements Stepper.
func (s *ModelStepper) Prefill(ids, mask [][]int, capacity int) ([][]float32, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	B, T := len(ids), len(ids[0])
	size := s.InitialCache
	if size <= 0 {
		size = nextPow2(T + min(capacity-T, 128))
	}
	size = min(max(size, T+1), capacity)
	c, err := s.M.NewCache(B, size)
	if err != nil {
		return nil, err
	}
	s.cache, s.capacity, s.Captures, s.steps = c, capacity, nil, 0
	s.keyMask = make([][]int, B)
	s.pos = make([]int, B)
	pos := make([][]int, B)
	for b := range ids {
		s.keyMask[b] = make([]int, size)
		copy(s.keyMask[b], mask[b])
		pos[b] = make([]int, T)
		n := 0
		for t, m := range mask[b] {
			if m != 0 {
				pos[b][t] = n
				n++
			} else {
				pos[b][t] = 1 // transformers' generate() rule for padding
			}
		}
		s.pos[b] = n
	}
	var ivs []hook.Intervention
	for _, iv := range s.Interventions {
		if iv.Scope == ScopeAll || iv.Scope == ScopePrompt {
			ivs = append(ivs, iv.Intervention)
		}
	}
	return s.run(model.StepInput{InputIDs: ids, PositionIDs: pos, KeyMask: s.keyMask}, ivs, StepInfo{Done: make([]bool, B), InThink: make([]bool, B)})
}

// Step implements Stepper.
func (s *ModelStepper) Step(next []int, info StepInfo) ([][]float32, error) {
	if s.cache == nil {
		return nil, fmt.Errorf("generate: Step before Prefill")
	}
	B := len(next)
	if s.cache.Len >= s.cache.MaxLen {
		if err := s.grow(); err != nil {
			return nil, err
		}
	}
	ids := make([][]int, B)
	pos := make([][]int, B)
	slot := s.cache.Len
	for b, tok := range next {
		ids[b] = []int{tok}
		pos[b] = []int{s.pos[b]}
		s.pos[b]++
		s.keyMask[b][slot] = 1
	}
	ivs, err := s.decodeInterventions(info)
	if err != nil {
		return nil, err
	}
	return s.run(model.StepInput{InputIDs: ids, PositionIDs: pos, KeyMask: s.keyMask}, ivs, info)
}

// decodeInterventions selects the interventions active at a decode step.
// The engine applies an intervention to every row of a call, so a
// think/answer-scoped one needs the active rows to agree on the region.
func (s *ModelStepper) decodeInterventions(info StepInfo) ([]hook.Intervention, error) {
	var ivs []hook.Intervention
	for _, iv := range s.Interventions {
		if iv.Positions != nil || iv.Scope == ScopePrompt {
			continue
		}
		if iv.Scope == ScopeAll || iv.Scope == ScopeGenerated {
			ivs = append(ivs, iv.Intervention)
			continue
		}
		// Think/answer scope: the rows whose fed token is inside (outside)
		// the think block, as hook.Intervention.Rows, so rows of a mixed
		// batch enter and leave the scope at their own steps. The
		// intervention is always passed (possibly with no rows) so that the
		// compiled graph stays the same from step to step.
		want := iv.Scope == ScopeThink
		rows := []int{}
		for b, d := range info.Done {
			if !d && info.InThink[b] == want && (iv.Rows == nil || slices.Contains(iv.Rows, b)) {
				rows = append(rows, b)
			}
		}
		x := iv.Intervention
		x.Rows = rows
		ivs = append(ivs, x)
	}
	return ivs, nil
}

// run makes one engine call and returns each row's last logits.
func (s *ModelStepper) run(in model.StepInput, ivs []hook.Intervention, info StepInfo) ([][]float32, error) {
	step := s.steps
	s.steps++
	record := len(s.Capture) > 0 && (s.CaptureStep == nil || s.CaptureStep(step))
	head, err := s.splitHead(len(in.InputIDs), ivs, record)
	if err != nil {
		return nil, err
	}
	outSite := hook.Logits
	if head != nil {
		outSite = hook.LnFinal
	}
	capture := []hook.Site{outSite}
	if record {
		capture = append(capture, s.Capture...)
	}
	res, err := s.M.Step(s.cache, in, model.Capture(capture...), model.WithInterventions(ivs...))
	if err != nil {
		return nil, fmt.Errorf("generate: step %d: %w", step, err)
	}
	defer res.Close() // everything used below is copied out
	lg, shape, err := res.Float32(outSite)
	if err != nil {
		return nil, err
	}
	B, n, W := shape[0], shape[1], shape[2]
	out := make([][]float32, B)
	for b := range out {
		off := (b*n + n - 1) * W
		out[b] = lg[off : off+W : off+W]
	}
	if head != nil {
		if out, err = head.logits(out); err != nil {
			return nil, err
		}
	}
	if record {
		sc := StepCapture{Step: step, Done: info.Done, InThink: info.InThink, Values: map[hook.Site][]float32{}, Shapes: map[hook.Site][]int{}}
		for _, site := range s.Capture {
			v, sh, err := res.Float32(site)
			if err != nil {
				return nil, fmt.Errorf("generate: capture at step %d: %w", step, err)
			}
			sc.Values[site], sc.Shapes[site] = v, sh
		}
		s.Captures = append(s.Captures, sc)
	}
	return out, nil
}

// splitHead returns the lm_head workaround (lmhead.go) when it applies to
// this call: not disabled, a batch of at most splitHeadMaxBatch rows, and neither an intervention nor a
// capture that needs the engine's logits node.
func (s *ModelStepper) splitHead(batch int, ivs []hook.Intervention, record bool) (*splitHead, error) {
	if s.NoSplitHead || (batch > splitHeadMaxBatch && s.splitRows == 0) {
		return nil, nil
	}
	for _, iv := range ivs {
		if iv.Site == hook.Logits.String() {
			return nil, nil
		}
	}
	if record {
		for _, c := range s.Capture {
			if c == hook.Logits {
				return nil, nil
			}
		}
	}
	if !s.headDone {
		h, err := newSplitHead(s.M, s.splitRows)
		if err != nil {
			return nil, err
		}
		s.head, s.headDone = h, true
	}
	return s.head, nil
}

// grow doubles the cache (up to the capacity), copying the keys and values
// written so far. The engine's cache is [batch, nKVHeads, maxLen, dHead]
// per layer; this reads the dimensions from the tensors themselves.
func (s *ModelStepper) grow() error {
	c := s.cache
	size := min(2*c.MaxLen, s.capacity)
	if size <= c.MaxLen {
		return fmt.Errorf("generate: cache full at %d tokens (capacity %d)", c.Len, s.capacity)
	}
	regrow := func(ts []*tensors.Tensor) ([]*tensors.Tensor, error) {
		out := make([]*tensors.Tensor, len(ts))
		for i, t := range ts {
			d := t.Shape().Dimensions
			if len(d) != 4 || d[2] != c.MaxLen {
				return nil, fmt.Errorf("generate: cannot grow a KV cache of shape %v (want [batch, kvHeads, %d, dHead])", d, c.MaxLen)
			}
			old, err := tensors.CopyFlatData[float32](t)
			if err != nil {
				return nil, err
			}
			rows, hd := d[0]*d[1], d[3]
			nw := make([]float32, rows*size*hd)
			for r := range rows {
				copy(nw[r*size*hd:r*size*hd+c.Len*hd], old[r*c.MaxLen*hd:r*c.MaxLen*hd+c.Len*hd])
			}
			out[i] = tensors.FromFlatDataAndDimensions(nw, d[0], d[1], size, hd)
		}
		return out, nil
	}
	k, err := regrow(c.K)
	if err != nil {
		return err
	}
	v, err := regrow(c.V)
	if err != nil {
		return err
	}
	s.cache = c.Resized(size, k, v) // keeps the tokens for a longrope re-computation
	for b := range s.keyMask {
		s.keyMask[b] = append(s.keyMask[b], make([]int, size-len(s.keyMask[b]))...)
	}
	return nil
}

func nextPow2(n int) int {
	p := 1
	for p < n {
		p *= 2
	}
	return p
}
