package experiment

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/tokenize"
)

// ResolveModelDir turns a model dir into the dir holding config.json: a plain dir as is, a Hugging Face
// cache repo dir (models--ORG--NAME) into its snapshot (model.ResolveDir).
func ResolveModelDir(dir string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("experiment: no model dir given")
	}
	return model.ResolveDir(dir)
}

// ResolveTokenizerDir is ResolveModelDir for a tokenizer dir: a dir with tokenizer.json as is, a HF cache
// repo dir into its snapshot.
func ResolveTokenizerDir(dir string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("experiment: no tokenizer dir given")
	}
	if _, err := os.Stat(filepath.Join(dir, "tokenizer.json")); err == nil {
		return dir, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "snapshots")); err == nil {
		return model.ResolveDir(dir)
	}
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("experiment: tokenizer dir %s: %w", dir, err)
	}
	return "", fmt.Errorf("experiment: tokenizer dir %s: no tokenizer.json", dir)
}

// LoadChatFiles reads the tokenizer and the chat template of a tokenizer dir (resolved as by
// ResolveTokenizerDir); a dir without a chat template is an error.
func LoadChatFiles(dir string) (*tokenize.Tokenizer, *chat.Template, error) {
	d, err := ResolveTokenizerDir(dir)
	if err != nil {
		return nil, nil, err
	}
	tok, err := tokenize.Load(d)
	if err != nil {
		return nil, nil, err
	}
	tmpl, err := chat.LoadTemplate(d)
	if err != nil {
		return nil, nil, fmt.Errorf("experiment: %s has no usable chat template (chat_template.jinja or tokenizer_config.json's chat_template): %w", d, err)
	}
	return tok, tmpl, nil
}

// LoadOptions configures Load.
type LoadOptions struct {
	Model model.Options // backend, dtype; zero = the default backend, float32
	Raw   bool          // plain-text prompts: no chat template needed (base models)
}

// Loaded is a model ready to chat: weights, tokenizer, chat template, EOS and pad ids.
type Loaded struct {
	Model        *model.Model
	Chat         *generate.Chat
	Stepper      *generate.ModelStepper
	Dir          string // the resolved model dir (the snapshot for a HF cache dir)
	TokenizerDir string // the resolved tokenizer dir
}

// Load is the one way from a model dir (plain, or a HF cache repo dir models--ORG--NAME) and an optional
// tokenizer dir ("" = the model dir) to a ready model, tokenizer and chat template, with one set of checks:
// both dirs resolve, the tokenizer has a chat template (unless o.Raw), and its ids fit the model's
// vocab_size. Close releases the model.
func Load(modelDir, tokenizerDir string, o LoadOptions) (*Loaded, error) {
	dir, err := ResolveModelDir(modelDir)
	if err != nil {
		return nil, err
	}
	if tokenizerDir == "" {
		tokenizerDir = dir
	}
	tdir, err := ResolveTokenizerDir(tokenizerDir)
	if err != nil {
		return nil, err
	}
	if !o.Raw {
		// The template only: generate.NewChat below parses the tokenizer (a second parse of a 10 MB
		// tokenizer.json was half of Load's time).
		if _, err := chat.LoadTemplate(tdir); err != nil {
			return nil, fmt.Errorf("experiment: %s has no usable chat template (chat_template.jinja or tokenizer_config.json's chat_template): %w", tdir, err)
		}
	}
	m, err := model.Load(dir, o.Model)
	if err != nil {
		return nil, err
	}
	st := generate.NewModelStepper(m)
	c, err := generate.NewChat(tdir, st, m.Config.MaxPositions)
	if err != nil {
		m.Close()
		return nil, err
	}
	if strings.Contains(filepath.ToSlash(dir), "/snapshots/") {
		c.Name = filepath.Base(filepath.Dir(filepath.Dir(dir)))
	}
	if v := c.Tokenizer.VocabSize(); v > m.Config.Vocab {
		m.Close()
		return nil, fmt.Errorf("experiment: tokenizer %s has %d ids but the model %s has vocab_size %d", tdir, v, dir, m.Config.Vocab)
	}
	return &Loaded{Model: m, Chat: c, Stepper: st, Dir: dir, TokenizerDir: tdir}, nil
}

// Close releases the model.
func (l *Loaded) Close() error { return l.Model.Close() }

// ParseThink reads a think-mode flag or setting: on/true → think, off/false → no-think, ""/default → the
// template's default (nil). "both" is for ParseThinkModes.
func ParseThink(v string) (*bool, error) {
	modes, err := ParseThinkModes(v)
	if err != nil {
		return nil, err
	}
	if len(modes) != 1 {
		return nil, fmt.Errorf("think %q: one mode wanted here: on, off, true, false or default", v)
	}
	return modes[0], nil
}

// ParseThinkModes is ParseThink that also accepts "both" (think, then no-think), for commands and items
// that compare the two modes (docs/paper.md §5.1).
func ParseThinkModes(v string) ([]*bool, error) {
	t, f := true, false
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "default":
		return []*bool{nil}, nil
	case "on", "true":
		return []*bool{&t}, nil
	case "off", "false":
		return []*bool{&f}, nil
	case "both":
		return []*bool{&t, &f}, nil
	}
	return nil, fmt.Errorf("think %q: want on, off, true, false, both or default", v)
}
