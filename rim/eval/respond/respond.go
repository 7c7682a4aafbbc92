// Package respond answers prompts with a local model through rim/generate:
// the model mode of rim eval (docs/paper.md §4.3: the paper decodes greedily, no
// system prompt, the model's own chat template; Qwen3 in think or no-think
// mode). It implements eval.Responder.
package respond

import (
	"context"
	"fmt"
	"strings"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/generate"
)

var _ eval.Responder = (*Model)(nil)

// Model answers prompts with a loaded model (load it with experiment.Load, the one loader: its Chat goes
// here and it closes the model).
type Model struct {
	Chat      *generate.Chat
	MaxTokens int   // new tokens per response
	Batch     int   // prompts per decoding batch (default 8)
	Think     *bool // enable_thinking; nil = template default
	Prefill   string
	System    string // optional system prompt (the paper uses none)
	// OnBatch, when set, is called after each batch with the number done.
	OnBatch func(done, total int)
}

// Respond implements eval.Responder: greedy answers, one per prompt, each
// as the full assistant text with its think block ("<think>\n…\n</think>\n\n"
// + answer; an unclosed block stays unclosed so judges and graders see the
// cut-off), prefill included.
func (r *Model) Respond(ctx context.Context, prompts []string) ([]string, error) {
	bs := r.Batch
	if bs <= 0 {
		bs = 8
	}
	out := make([]string, 0, len(prompts))
	for start := 0; start < len(prompts); start += bs {
		end := min(start+bs, len(prompts))
		convs := make([]generate.Conversation, 0, end-start)
		for _, p := range prompts[start:end] {
			var msgs []chat.Message
			if r.System != "" {
				msgs = append(msgs, chat.Message{Role: "system", Content: r.System})
			}
			msgs = append(msgs, chat.Message{Role: "user", Content: p})
			convs = append(convs, generate.Conversation{Messages: msgs, Think: r.Think, Prefill: r.Prefill})
		}
		outs, err := r.Chat.Generate(ctx, convs, generate.ChatOptions{MaxTokens: r.MaxTokens})
		if err != nil {
			return out, fmt.Errorf("respond: prompts %d–%d: %w", start, end-1, err)
		}
		for _, o := range outs {
			out = append(out, Assemble(r.Prefill, o))
		}
		if r.OnBatch != nil {
			r.OnBatch(end, len(prompts))
		}
	}
	return out, nil
}

// Assemble rebuilds the assistant text of one output for grading and
// judging: "<think>\n…\n</think>\n\n" + answer, an unclosed think block left
// unclosed (graders and judges then see the cut-off), and the prefill put
// back where it belongs (a "<think>\nS" prefill leads the thinking, any other
// prefill leads the answer).
func Assemble(prefill string, o generate.Output) string {
	thinkPre, ansPre := "", prefill
	if rest, ok := strings.CutPrefix(prefill, "<think>"); ok {
		thinkPre, ansPre = strings.TrimLeft(rest, "\n"), ""
	}
	if o.ThinkClosed {
		return "<think>\n" + thinkPre + o.Thinking + "\n</think>\n\n" + o.Answer
	}
	if o.Thinking != "" || thinkPre != "" {
		return "<think>\n" + thinkPre + o.Thinking
	}
	return ansPre + o.Answer
}
