package generate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rimlab/rim/rim/model"
)

// Load loads a model directory (weights, tokenizer, chat template,
// generation config) for chat generation on the KV-cache stepper.
func Load(dir string, opts model.Options) (*Chat, *ModelStepper, error) {
	m, err := model.Load(dir, opts)
	if err != nil {
		return nil, nil, err
	}
	st := NewModelStepper(m)
	c, err := NewChat(dir, st, m.Config.MaxPositions)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
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
}

// Run generates every prompt in batches and writes one Record per line to
// out, in prompt order.
func (j *FileJob) Run(ctx context.Context, c *Chat, out io.Writer) error {
	convs := make([]Conversation, len(j.Prompts))
	var raw [][]int
	for i, p := range j.Prompts {
		var err error
		if convs[i], err = p.Conversation(j.Think, j.Prefill); err != nil {
			return fmt.Errorf("generate: prompt %d: %w", i, err)
		}
		if j.Raw {
			if p.Prompt == "" || len(p.Messages) > 0 || p.System != "" {
				return fmt.Errorf("generate: prompt %d: raw mode takes plain \"prompt\" text, not messages or a system message", i)
			}
			raw = append(raw, c.Tokenizer.Encode(p.Prompt+j.Prefill, true))
		}
	}
	batch := j.Batch
	if batch <= 0 {
		batch = 8
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	bar := &progress{w: j.Progress, total: len(convs), start: time.Now()}
	for lo := 0; lo < len(convs); lo += batch {
		hi := min(lo+batch, len(convs))
		opt := j.Options
		opt.RowOffset = lo // prompt i samples from stream i whatever the batch size
		opt.OnStep = func(step, active int) { bar.draw(lo, step) }
		var outs []Output
		var err error
		if j.Raw {
			outs, err = c.RunIDs(ctx, raw[lo:hi], opt)
		} else {
			outs, err = c.Generate(ctx, convs[lo:hi], opt)
		}
		if err != nil {
			return fmt.Errorf("prompts %d..%d: %w", lo, hi-1, err)
		}
		for k, o := range outs {
			i := lo + k
			rec := Record{Index: i, ID: j.Prompts[i].ID, Thinking: o.Thinking, Answer: o.Answer, Text: o.Text,
				ThinkClosed: o.ThinkClosed, PromptTokens: o.PromptTokens, OutputTokens: len(o.IDs),
				ThinkTokens: o.ThinkTokens, AnswerTokens: o.AnswerTokens, Finish: o.Finish, StopString: o.StopString}
			if err := enc.Encode(rec); err != nil {
				return err
			}
			bar.tokens += len(o.IDs)
		}
		bar.draw(hi, 0)
	}
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
