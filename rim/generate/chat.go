package generate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/tokenize"
)

// Conversation is one chat prompt: the messages, Qwen3's think switch and an
// optional assistant prefill (chat.Options).
type Conversation struct {
	Messages []chat.Message `json:"messages"`
	// Think is enable_thinking (nil = the template's default, which for
	// Qwen3 is think mode).
	Think   *bool  `json:"think,omitempty"`
	Prefill string `json:"prefill,omitempty"`
}

// ChatOptions are the generation settings shared by a batch.
type ChatOptions struct {
	// RowOffset and RowIndex: see Options.
	RowOffset int
	RowIndex  []int
	MaxTokens int
	Sampling  Sampling
	Stop      []string
	OnDelta   func(Delta)
	OnStep    func(step, active int)
}

// Chat generates assistant turns: it renders conversations with the
// model's chat template, encodes them, runs the decoding loop and splits
// the outputs into thinking and answer.
type Chat struct {
	// Name is the model's id (for servers).
	Name      string
	Stepper   Stepper
	Tokenizer *tokenize.Tokenizer
	Template  *chat.Template
	// EOS ids end a row; PadID pads; ContextLen is max_position_embeddings
	// (0 = unlimited); Think are the think tags (nil: no split).
	EOS        []int
	PadID      int
	ContextLen int
	Think      *ThinkTags
}

// NewChat reads the tokenizer, chat template and generation config of a
// model directory. EOS ids are generation_config.json's eos_token_id (an id
// or a list) plus the tokenizer's eos_token; the pad id is pad_token_id,
// else the tokenizer's pad token, else the first EOS. A directory without a
// chat template gives a Chat whose Template is nil (Generate then fails;
// RunIDs still works).
func NewChat(dir string, s Stepper, contextLen int) (*Chat, error) {
	tok, err := tokenize.Load(dir)
	if err != nil {
		return nil, err
	}
	c := &Chat{Name: filepath.Base(filepath.Clean(dir)), Stepper: s, Tokenizer: tok, ContextLen: contextLen, PadID: -1}
	// Only a missing template means "none" (the caller may pick a family);
	// a template that is there but broken is reported, not hidden.
	t, err := chat.LoadTemplate(dir)
	var nt *chat.NoTemplateError
	switch {
	case err == nil:
		c.Template = t
	case errors.As(err, &nt), errors.Is(err, os.ErrNotExist):
	default:
		return nil, fmt.Errorf("generate: %s: chat template: %w", dir, err)
	}
	c.Think = ThinkTagsFrom(tok)
	var gc struct {
		EOS json.RawMessage `json:"eos_token_id"`
		Pad *int            `json:"pad_token_id"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "generation_config.json")); err == nil {
		if err := json.Unmarshal(b, &gc); err != nil {
			return nil, fmt.Errorf("generate: %s: %w", filepath.Join(dir, "generation_config.json"), err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("generate: %w", err)
	}
	seen := map[int]bool{}
	add := func(id int) {
		if !seen[id] {
			seen[id] = true
			c.EOS = append(c.EOS, id)
		}
	}
	if len(gc.EOS) > 0 && string(gc.EOS) != "null" {
		var one int
		var many []int
		if json.Unmarshal(gc.EOS, &one) == nil {
			add(one)
		} else if json.Unmarshal(gc.EOS, &many) == nil {
			for _, id := range many {
				add(id)
			}
		} else {
			return nil, fmt.Errorf("generate: generation_config.json eos_token_id %s: want an id or a list of ids", gc.EOS)
		}
	}
	if tok.EOS != "" {
		if id, err := tok.SpecialID(tok.EOS); err == nil {
			add(id)
		}
	}
	switch {
	case gc.Pad != nil:
		c.PadID = *gc.Pad
	case tok.Pad != "":
		if id, err := tok.SpecialID(tok.Pad); err == nil {
			c.PadID = id
		}
	}
	if c.PadID < 0 {
		if len(c.EOS) == 0 {
			return nil, fmt.Errorf("generate: %s: no eos_token_id or pad_token_id in generation_config.json or tokenizer_config.json", dir)
		}
		c.PadID = c.EOS[0]
	}
	return c, nil
}

// Encode renders and encodes a conversation with the generation prompt.
func (c *Chat) Encode(conv Conversation) (*chat.Encoded, error) {
	if c.Template == nil {
		return nil, errors.New("generate: the model directory has no chat template: use RunIDs with token ids")
	}
	if len(conv.Messages) == 0 {
		return nil, inputErr("generate: conversation has no messages")
	}
	e, err := c.Template.Encode(chat.Wrap(c.Tokenizer), conv.Messages, chat.Options{
		AddGenerationPrompt: true, EnableThinking: conv.Think, Prefill: conv.Prefill})
	if err != nil {
		return nil, &InputError{Msg: err.Error(), Err: err}
	}
	return e, nil
}

// Generate answers a batch of conversations.
func (c *Chat) Generate(ctx context.Context, convs []Conversation, opt ChatOptions) ([]Output, error) {
	prompts := make([][]int, len(convs))
	for i, conv := range convs {
		e, err := c.Encode(conv)
		if err != nil {
			if len(convs) > 1 {
				g := opt.RowOffset + i
				if i < len(opt.RowIndex) {
					g = opt.RowIndex[i]
				}
				return nil, fmt.Errorf("conversation %d: %w", g, err)
			}
			return nil, err
		}
		prompts[i] = e.IDs
	}
	return c.RunIDs(ctx, prompts, opt)
}

// RunIDs generates from token-id prompts with the Chat's stop ids, padding,
// context and think tags.
func (c *Chat) RunIDs(ctx context.Context, prompts [][]int, opt ChatOptions) ([]Output, error) {
	return Run(c.Stepper, skipUnknown{c.Tokenizer}, prompts, Options{
		MaxNewTokens: opt.MaxTokens, Sampling: opt.Sampling, EOS: c.EOS, StopStrings: opt.Stop,
		PadID: c.PadID, ContextLen: c.ContextLen, Think: c.Think, Ctx: ctx, RowOffset: opt.RowOffset, RowIndex: opt.RowIndex,
		OnDelta: opt.OnDelta, OnStep: opt.OnStep,
	})
}

// Complete answers one conversation (the server's Model interface).
func (c *Chat) Complete(ctx context.Context, conv Conversation, opt ChatOptions) (Output, error) {
	out, err := c.Generate(ctx, []Conversation{conv}, opt)
	if err != nil {
		return Output{}, err
	}
	return out[0], nil
}

// ModelName returns Name.
func (c *Chat) ModelName() string { return c.Name }

// Ptr returns a pointer to v (for Conversation.Think).
func Ptr[T any](v T) *T { return &v }

// skipUnknown decodes like the Rust tokenizers library does: ids with no
// token (a model's vocab_size is often padded past the tokenizer's, e.g.
// Qwen3's 151936 vs 151669 ids) are skipped instead of failing the decode.
// A trained model rarely produces them; a random or damaged one may.
type skipUnknown struct{ t *tokenize.Tokenizer }

func (d skipUnknown) Decode(ids []int, skipSpecial bool) (string, error) {
	keep := ids
	for i, id := range ids {
		if _, ok := d.t.IDToToken(id); !ok {
			keep = make([]int, 0, len(ids))
			keep = append(keep, ids[:i]...)
			for _, id := range ids[i:] {
				if _, ok := d.t.IDToToken(id); ok {
					keep = append(keep, id)
				}
			}
			break
		}
	}
	return d.t.Decode(keep, skipSpecial)
}
