package generate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/rimlab/rim/rim/model"
)

// Load loads a model directory (weights, tokenizer, chat template,
// generation config) for chat generation on the KV-cache stepper. A HF
// cache repo dir (models--ORG--NAME) is resolved to its snapshot once, for
// the weights and the tokenizer alike; Chat.Name is the dir's own name.
func Load(dir string, opts model.Options) (*Chat, *ModelStepper, error) {
	snap, err := model.ResolveDir(dir)
	if err != nil {
		return nil, nil, err
	}
	m, err := model.Load(snap, opts)
	if err != nil {
		return nil, nil, err
	}
	st := NewModelStepper(m)
	c, err := NewChat(snap, st, m.Config.MaxPositions)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	c.Name = filepath.Base(filepath.Clean(dir))
	if v := c.Tokenizer.VocabSize(); v > m.Config.Vocab {
		m.Close()
		return nil, nil, fmt.Errorf("generate: %s: tokenizer has %d ids but the model's vocab_size is %d", dir, v, m.Config.Vocab)
	}
	return c, st, nil
}

// Record is one line of rim generate's JSONL output.
type Record struct {
	Index        int             `json:"index"`
	ID           json.RawMessage `json:"id,omitempty"`
	Thinking     string          `json:"thinking"`
	Answer       string          `json:"answer"`
	Text         string          `json:"text"`
	ThinkClosed  bool            `json:"think_closed"`
	PromptTokens int             `json:"prompt_tokens"`
	OutputTokens int             `json:"output_tokens"`
	ThinkTokens  int             `json:"think_tokens"`
	AnswerTokens int             `json:"answer_tokens"`
	Finish       FinishReason    `json:"finish_reason"`
	StopString   string          `json:"stop_string,omitempty"`
	// Error is set (and nothing generated) for a prompt that could not be
	// run: one longer than the model's context, a conversation the
	// template rejects. The other prompts are generated as usual.
	Error string `json:"error,omitempty"`
}

// FileJob is a batch job: prompts in, one JSONL record per prompt out.
type FileJob struct {
	Prompts []PromptRecord
	// Think and Prefill are the defaults for prompts that set none.
	Think   *bool
	Prefill string
	Options ChatOptions
	// Batch is the number of prompts decoded together (default 8).
	Batch int
	// Progress, when set, receives a one-line progress bar (redrawn with \r).
	Progress io.Writer
	// Raw encodes each "prompt" as plain text (the tokenizer's
	// post-processor adds BOS where the model wants one) instead of
	// rendering a conversation: for base models and custom formats.
	Raw bool
	// Failed counts the prompts of the last Run written as error records
	// (Record.Error); FirstError is the first one's message.
	Failed     int
	FirstError string
}

// Run generates every prompt in batches and writes one Record per line to
// out, in prompt order. A prompt that cannot be run (InputError: longer than
// the context, rejected by the template) is written as a record with Error
// set and counted in Failed; the others are generated as usual, prompt i
// sampling from stream i whatever the batch or the skipped prompts. Errors
// name prompts by their index in Prompts.
func (j *FileJob) Run(ctx context.Context, c *Chat, out io.Writer) error {
	n := len(j.Prompts)
	ids := make([][]int, n)
	fail := make([]error, n)
	j.Failed, j.FirstError = 0, ""
	for i, p := range j.Prompts {
		conv, err := p.Conversation(j.Think, j.Prefill)
		if err != nil {
			return fmt.Errorf("generate: prompt %d: %w", i, err)
		}
		if j.Raw {
			if p.Prompt == "" || len(p.Messages) > 0 || p.System != "" {
				return fmt.Errorf("generate: prompt %d: raw mode takes plain \"prompt\" text, not messages or a system message", i)
			}
			ids[i] = c.Tokenizer.Encode(p.Prompt+j.Prefill, true)
		} else {
			e, err := c.Encode(conv)
			if err != nil {
				if !IsInputError(err) {
					return fmt.Errorf("generate: prompt %d: %w", i, err)
				}
				fail[i] = fmt.Errorf("generate: prompt %d: %w", i, err)
				continue
			}
			ids[i] = e.IDs
		}
		switch {
		case len(ids[i]) == 0:
			fail[i] = inputErr("generate: prompt %d is empty", i)
		case c.ContextLen > 0 && len(ids[i]) >= c.ContextLen:
			fail[i] = &InputError{Err: ErrContextLength, Msg: fmt.Sprintf("generate: prompt %d has %d tokens, the model's context is %d: no room for new tokens", i, len(ids[i]), c.ContextLen)}
		}
	}
	var good []int
	for i := range ids {
		if fail[i] == nil {
			good = append(good, i)
		}
	}
	batch := j.Batch
	if batch <= 0 {
		batch = 8
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	bar := &progress{w: j.Progress, total: n, start: time.Now()}
	next := 0 // records are written in prompt order
	writeFailed := func(upto int) error {
		for ; next < upto; next++ {
			if fail[next] == nil {
				continue
			}
			j.Failed++
			if j.FirstError == "" {
				j.FirstError = fail[next].Error()
			}
			if err := enc.Encode(Record{Index: next, ID: j.Prompts[next].ID, Error: fail[next].Error()}); err != nil {
				return err
			}
		}
		return nil
	}
	for lo := 0; lo < len(good); lo += batch {
		rows := good[lo:min(lo+batch, len(good))]
		prompts := make([][]int, len(rows))
		for k, i := range rows {
			prompts[k] = ids[i]
		}
		opt := j.Options
		opt.RowIndex = rows // prompt i samples from stream i whatever the batch size
		opt.OnStep = func(step, active int) { bar.draw(lo, step) }
		outs, err := c.RunIDs(ctx, prompts, opt)
		if err != nil {
			return fmt.Errorf("prompts %d..%d: %w", rows[0], rows[len(rows)-1], err)
		}
		for k, o := range outs {
			i := rows[k]
			if err := writeFailed(i); err != nil {
				return err
			}
			rec := Record{Index: i, ID: j.Prompts[i].ID, Thinking: o.Thinking, Answer: o.Answer, Text: o.Text,
				ThinkClosed: o.ThinkClosed, PromptTokens: o.PromptTokens, OutputTokens: len(o.IDs),
				ThinkTokens: o.ThinkTokens, AnswerTokens: o.AnswerTokens, Finish: o.Finish, StopString: o.StopString}
			if err := enc.Encode(rec); err != nil {
				return err
			}
			next = i + 1
			bar.tokens += len(o.IDs)
		}
		bar.draw(lo+len(rows), 0)
	}
	if err := writeFailed(n); err != nil {
		return err
	}
	bar.draw(n, 0)
	bar.finish()
	return nil
}

// progress draws "[=====     ] 5/10 prompts, 123 tokens, 45.6 tokens/s".
type progress struct {
	w      io.Writer
	total  int
	tokens int
	start  time.Time
	last   time.Time
}

func (p *progress) draw(done, step int) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if step > 0 && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	const width = 30
	fill := width * done / max(p.total, 1)
	rate := float64(p.tokens) / max(now.Sub(p.start).Seconds(), 1e-9)
	extra := ""
	if step > 0 {
		extra = fmt.Sprintf(", batch at token %d", step)
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d prompts, %d tokens, %.1f tokens/s%s   ",
		strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, p.total, p.tokens, rate, extra)
}

func (p *progress) finish() {
	if p.w != nil {
		fmt.Fprintln(p.w)
	}
}
