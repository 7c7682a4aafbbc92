package generate

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Stepper is a model that decodes a batch with a cache: Prefill runs the
// prompts, then each Step feeds one token per row. Both return the logits
// of the next token of every row, [batch][vocab]. The model-backed
// implementation is NewModelStepper; tests use scripted fakes.
type Stepper interface {
	// Prefill starts a batch: ids and mask are [batch][seq], left-padded
	// (mask 0 = padding). capacity is the most tokens per row (prompt,
	// padding included, plus new tokens) that the batch will hold.
	Prefill(ids, mask [][]int, capacity int) ([][]float32, error)
	// Step feeds next [batch] (finished rows get the pad id) and returns
	// the logits that follow it.
	Step(next []int, info StepInfo) ([][]float32, error)
}

// StepInfo describes the tokens fed by one Step.
type StepInfo struct {
	// Step is 1 for the step that feeds the first generated token, 2 for
	// the second, …
	Step int
	// Done[i]: row i has finished; its fed token is padding.
	Done []bool
	// InThink[i]: the token fed to row i belongs to a think block (its open
	// tag through its close tag). Steppers use it to restrict
	// interventions and captures to the think block.
	InThink []bool
}

// Decoder turns ids into text (tokenize.Tokenizer satisfies it).
type Decoder interface {
	Decode(ids []int, skipSpecial bool) (string, error)
}

// Options control one Run.
type Options struct {
	// MaxNewTokens is the most tokens generated per row (> 0).
	MaxNewTokens int
	Sampling     Sampling
	// EOS are the ids that end a row (generation_config.json eos_token_id,
	// plus e.g. <|im_end|> for chat models). The EOS token is kept in
	// Output.IDs and dropped from the text (it is special).
	EOS []int
	// StopStrings end a row when they appear in its decoded text (they may
	// span tokens); the text is cut before the stop string.
	StopStrings []string
	// RowOffset numbers the random streams: row i samples from stream
	// (Sampling.Seed, RowOffset+i), so a job split into batches can give
	// every prompt the stream of its global index.
	RowOffset int
	// RowIndex, when set (one entry per prompt), is each row's global
	// index: its random stream (Sampling.Seed, RowIndex[i]) and the number
	// errors name. It overrides RowOffset; a job that skips prompts uses it.
	RowIndex []int
	// PadID is the id used for left padding and fed to finished rows.
	PadID int
	// ContextLen is the model's maximum number of positions
	// (max_position_embeddings); 0 = unlimited. A prompt must be shorter;
	// a row stops with FinishLength when it fills the context.
	ContextLen int
	// Ctx, when set, cancels generation between steps (Run returns
	// Ctx.Err()).
	Ctx context.Context
	// Think, when set, splits outputs into thinking and answer and tells
	// the stepper which fed tokens are inside the think block.
	Think *ThinkTags
	// OnDelta, when set, receives streamed text as soon as it is stable.
	OnDelta func(Delta)
	// OnStep, when set, is called after each token round with the number of
	// tokens generated so far by the longest row and the rows still active
	// (for progress bars).
	OnStep func(step, active int)
}

// Output is the result of one prompt.
type Output struct {
	PromptTokens int `json:"prompt_tokens"`
	// IDs are the generated ids (an EOS id that ended the row included).
	IDs []int `json:"ids"`
	// Text is the decoded generation without special tokens, cut before a
	// stop string.
	Text string `json:"text"`
	// Thinking and Answer split Text (ThinkTags.Split); without think tags
	// Answer == Text.
	Thinking string `json:"thinking"`
	Answer   string `json:"answer"`
	// ThinkClosed: the think block of this turn was closed, in the
	// generated text or already in the prompt (Qwen3's no-think mode renders
	// an empty closed block; a prefill may hold the close tag). False when
	// generation was cut off inside the block, or without think tags.
	ThinkClosed bool `json:"think_closed"`
	// ThinkTokens and AnswerTokens count IDs in each part.
	ThinkTokens  int          `json:"think_tokens"`
	AnswerTokens int          `json:"answer_tokens"`
	Finish       FinishReason `json:"finish_reason"`
	// StopString is the stop string that ended the row, if any.
	StopString string `json:"stop_string,omitempty"`
}

// row is the decoding state of one prompt.
type row struct {
	prompt  int
	budget  int // new tokens allowed
	ids     []int
	inThink bool
	started bool // startedInThink
	// closedInPrompt: the prompt ends after a closed think block (no-think
	// mode, or a prefill with the close tag).
	closedInPrompt bool
	done           bool
	finish         FinishReason
	stopStr        string
	text           string // decoded so far (only kept with stops or streaming)
	cutAt          int    // byte index of a stop string, -1 if none
	stream         *streamer
}

// row is prompt i's global index (RowIndex, else RowOffset+i).
func (opt *Options) row(i int) int {
	if i < len(opt.RowIndex) {
		return opt.RowIndex[i]
	}
	return opt.RowOffset + i
}

// Validate checks opt and the prompts, returning the first problem.
func (opt *Options) validate(prompts [][]int, dec Decoder) error {
	if len(prompts) == 0 {
		return inputErr("generate: no prompts")
	}
	if opt.RowIndex != nil && len(opt.RowIndex) != len(prompts) {
		return fmt.Errorf("generate: %d row indices for %d prompts", len(opt.RowIndex), len(prompts))
	}
	if opt.MaxNewTokens <= 0 {
		return inputErr("generate: max new tokens %d: must be > 0", opt.MaxNewTokens)
	}
	if err := opt.Sampling.Validate(); err != nil {
		return &InputError{Msg: err.Error()}
	}
	if err := validateStops(opt.StopStrings); err != nil {
		return &InputError{Msg: err.Error()}
	}
	if dec == nil && (len(opt.StopStrings) > 0 || opt.OnDelta != nil) {
		return errors.New("generate: stop strings and streaming need a decoder")
	}
	for i, p := range prompts {
		if len(p) == 0 {
			return inputErr("generate: prompt %d is empty", opt.row(i))
		}
		if opt.ContextLen > 0 && len(p) >= opt.ContextLen {
			return &InputError{Err: ErrContextLength, Msg: fmt.Sprintf("generate: prompt %d has %d tokens, the model's context is %d: no room for new tokens", opt.row(i), len(p), opt.ContextLen)}
		}
	}
	return nil
}

// Run generates a continuation of every prompt (token ids, [batch][len],
// lengths may differ) and returns one Output per prompt, in order. dec may
// be nil when no text is needed (no stop strings, no streaming): outputs
// then carry ids and token counts only.
// Prompts are left-padded to the longest one; each row stops on its own
// (EOS, stop string, MaxNewTokens or Context) and the loop ends when all
// have stopped.
func Run(s Stepper, dec Decoder, prompts [][]int, opt Options) ([]Output, error) {
	if err := opt.validate(prompts, dec); err != nil {
		return nil, err
	}
	B := len(prompts)
	T := 0
	for _, p := range prompts {
		T = max(T, len(p))
	}
	rows := make([]*row, B)
	maxNew := 0
	for i, p := range prompts {
		r := &row{prompt: len(p), budget: opt.MaxNewTokens, cutAt: -1}
		if opt.ContextLen > 0 {
			r.budget = min(r.budget, opt.ContextLen-len(p))
		}
		r.inThink = opt.Think.inThinkAfter(false, p)
		r.started = r.inThink
		r.closedInPrompt = opt.Think.closedIn(p)
		if opt.OnDelta != nil {
			r.stream = newStreamer(opt.Think, r.started, opt.StopStrings)
		}
		maxNew = max(maxNew, r.budget)
		rows[i] = r
	}
	ids, mask := LeftPad(prompts, opt.PadID)
	logits, err := s.Prefill(ids, mask, T+maxNew)
	if err != nil {
		return nil, err
	}
	eos := map[int]bool{}
	for _, e := range opt.EOS {
		eos[e] = true
	}
	idx := make([]int, B)
	for i := range idx {
		idx[i] = opt.row(i)
	}
	sm := newSamplerRows(opt.Sampling, idx)
	next := make([]int, B)
	for step := 1; ; step++ {
		if opt.Ctx != nil {
			if err := opt.Ctx.Err(); err != nil {
				return nil, err
			}
		}
		if len(logits) != B {
			return nil, fmt.Errorf("generate: stepper returned %d logit rows for a batch of %d", len(logits), B)
		}
		info := StepInfo{Step: step, Done: make([]bool, B), InThink: make([]bool, B)}
		active := 0
		for i, r := range rows {
			if r.done {
				next[i], info.Done[i] = opt.PadID, true
				continue
			}
			tok, err := sm.next(i, logits[i])
			if err != nil {
				return nil, err
			}
			r.ids = append(r.ids, tok)
			next[i] = tok
			info.InThink[i] = r.advanceThink(opt.Think, tok)
			if err := r.check(i, tok, eos, dec, &opt); err != nil {
				return nil, fmt.Errorf("generate: prompt %d: %w", i, err)
			}
			if !r.done {
				active++
			}
		}
		if opt.OnStep != nil {
			opt.OnStep(step, active)
		}
		if active == 0 {
			break
		}
		logits, err = s.Step(next, info)
		if err != nil {
			return nil, err
		}
	}
	out := make([]Output, B)
	for i, r := range rows {
		o, err := r.output(dec, opt.Think)
		if err != nil {
			return nil, fmt.Errorf("generate: prompt %d: %w", i, err)
		}
		out[i] = o
	}
	return out, nil
}

// advanceThink updates the think state with the generated tok and reports
// whether tok belongs to the think block.
func (r *row) advanceThink(t *ThinkTags, tok int) bool {
	if t == nil {
		return false
	}
	switch tok {
	case t.OpenID:
		r.inThink = true
		return true
	case t.CloseID:
		was := r.inThink
		r.inThink = false
		return was
	}
	return r.inThink
}

// check applies the stop conditions after tok was appended.
func (r *row) check(i, tok int, eos map[int]bool, dec Decoder, opt *Options) error {
	if eos[tok] {
		r.done, r.finish = true, FinishStop
	}
	if len(opt.StopStrings) > 0 || r.stream != nil {
		prev := len(r.text)
		text, err := dec.Decode(r.ids, true)
		if err != nil {
			return err
		}
		r.text = text
		if len(opt.StopStrings) > 0 {
			if at, s := findStop(text, opt.StopStrings, min(prev, len(text))); at >= 0 {
				r.done, r.finish, r.stopStr, r.cutAt = true, FinishStop, s, at
				r.text = text[:at]
			}
		}
	}
	if !r.done && len(r.ids) >= r.budget {
		r.done, r.finish = true, FinishLength
	}
	if r.stream != nil {
		th, ans := r.stream.update(r.text, r.done)
		if (th != "" || ans != "") && opt.OnDelta != nil {
			opt.OnDelta(Delta{Row: i, Thinking: th, Answer: ans})
		}
	}
	return nil
}

// output assembles the row's result.
func (r *row) output(dec Decoder, t *ThinkTags) (Output, error) {
	text := r.text
	if r.cutAt < 0 && dec != nil {
		var err error
		if text, err = dec.Decode(r.ids, true); err != nil {
			return Output{}, err
		}
	}
	o := Output{PromptTokens: r.prompt, IDs: r.ids, Text: text, Finish: r.finish, StopString: r.stopStr}
	o.Thinking, o.Answer, o.ThinkClosed = t.Split(text, r.started)
	if !o.ThinkClosed && r.closedInPrompt && !strings.HasPrefix(strings.TrimLeft(text, " \t\n"), t.Open) {
		// The think block was closed before generation began (no-think
		// mode, a prefill holding the close tag): the output is all answer
		// and the block is closed.
		o.ThinkClosed = true
	}
	o.ThinkTokens, o.AnswerTokens = t.countTokens(r.ids, r.started)
	return o, nil
}

// LeftPad pads prompts on the left to the longest one: ids and mask are
// [batch][maxLen], mask 1 on real tokens.
func LeftPad(prompts [][]int, padID int) (ids, mask [][]int) {
	T := 0
	for _, p := range prompts {
		T = max(T, len(p))
	}
	ids = make([][]int, len(prompts))
	mask = make([][]int, len(prompts))
	for i, p := range prompts {
		ids[i] = make([]int, T)
		mask[i] = make([]int, T)
		off := T - len(p)
		for j := range off {
			ids[i][j] = padID
		}
		copy(ids[i][off:], p)
		for j := off; j < T; j++ {
			mask[i][j] = 1
		}
	}
	return ids, mask
}

// InputError is a problem with the caller's input (prompts or options), as
// opposed to a failure of the model: servers answer it with HTTP 400.
type InputError struct {
	Msg string
	// Err, when set, classifies the problem (e.g. ErrContextLength).
	Err error
}

func (e *InputError) Error() string { return e.Msg }

// Unwrap returns the classifying error.
func (e *InputError) Unwrap() error { return e.Err }

// ErrContextLength classifies an InputError for a prompt that does not fit
// the model's context.
var ErrContextLength = errors.New("prompt does not fit the model's context")

func inputErr(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// IsInputError reports whether err is (or wraps) an InputError.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}
