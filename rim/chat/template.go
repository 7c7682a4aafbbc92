package chat

import (
	"encoding/json"

	"errors"
	"fmt"
	"github.com/rimlab/rim/rim/chat/jinja"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Family is a chat-template family with a hand-written renderer.
type Family string

// Supported families.
const (
	Qwen3           Family = "qwen3"                 // Qwen3 (think on/off, tools, reasoning_content)
	Llama3          Family = "llama3"                // Meta Llama 3 (the original 8B-Instruct template)
	Llama2Chat      Family = "llama2-chat"           // Llama-2-chat: <<SYS>> inside the first [INST]
	MistralInstruct Family = "mistral-instruct-v0.1" // Mistral-7B-Instruct-v0.1 / Mixtral-8x7B-Instruct-v0.1 (first revision)
	MistralSystem   Family = "mistral-system"        // Mixtral-8x7B-Instruct-v0.1 / Mistral-7B-Instruct-v0.1 (revision with an optional system message)
	Phi3            Family = "phi3"                  // Phi-3 / Phi-3.5 (mini and MoE)
	OLMo2           Family = "olmo2"                 // OLMo-2 Instruct / Tülu-3 (one line per turn)
	OLMoE           Family = "olmoe"                 // OLMoE-0924-Instruct / Tülu-2 (template written over lines)
	// Generic is any other template, rendered by the jinja interpreter
	// (rim/chat/jinja) with regions found by searching (Rendered.Approx).
	Generic Family = "generic"
)

// Families lists the supported families.
var Families = []Family{Qwen3, Llama3, Llama2Chat, MistralInstruct, MistralSystem, Phi3, OLMo2, OLMoE}

// Template is a recognised chat template with its special-token variables.
// It is read-only after construction and safe for concurrent use.
type Template struct {
	Family Family
	// BOS and EOS are the bos_token and eos_token variables (from
	// tokenizer_config.json); BOS is "" when the config sets none.
	BOS, EOS string
	// Variant switches, read from the template text:
	eosSpace     bool // mistral-instruct: eos_token + ' ' after an assistant turn
	sysNonEmpty  bool // phi3: system turn rendered only when its content is non-empty
	eosIfNoGen   bool // phi3: eos_token appended when add_generation_prompt is false
	tuluSystem   bool // olmoe: the template has a system branch
	tuluBOS      bool // olmo2/olmoe: the template starts with {{ bos_token }}
	tuluEOSStart bool // olmoe: the template starts with {{ eos_token }} instead

	// src is the template source parsed by the jinja interpreter (nil for
	// ForFamily or when it does not parse), vars its special-token
	// variables. With src, Render checks the hand-written renderer's text
	// against the interpreter's and falls back to the interpreter when they
	// differ (a variant of a known template).
	src  *jinja.Template
	vars map[string]any
}

// TemplateError is an error raised by the template itself through
// raise_exception; Message is the template's own text, unchanged.
type TemplateError struct{ Message string }

func (e *TemplateError) Error() string { return "chat: template error: " + e.Message }

func raise(msg string) error { return &TemplateError{Message: msg} }

// Error messages the templates raise.
const (
	errAlternate       = "Conversation roles must alternate user/assistant/user/assistant/..."
	errOnlyUserAsst    = "Only user and assistant roles are supported!"
	errAlternateSys    = "After the optional system message, conversation roles must alternate user/assistant/user/assistant/..."
	errOnlyUserAsstSys = "Only user and assistant roles are supported, with the exception of an initial optional system message!"
)

// ForFamily returns the template of a family with the given tokens, using
// the family's reference variant (the one in the fixtures or the released
// model's tokenizer_config.json).
func ForFamily(f Family, bos, eos string) (*Template, error) {
	t := &Template{Family: f, BOS: bos, EOS: eos}
	t.vars = map[string]any{"eos_token": eos}
	if bos != "" {
		t.vars["bos_token"] = bos
	}
	switch f {
	case Qwen3, Llama3, Llama2Chat, MistralSystem:
	case MistralInstruct:
		t.eosSpace = true
	case Phi3:
		t.sysNonEmpty, t.eosIfNoGen = true, true
	case OLMo2:
		t.tuluBOS = true
	case OLMoE:
		t.tuluBOS, t.tuluSystem = true, true
	default:
		return nil, fmt.Errorf("chat: unknown family %q (known: %s)", f, familyList())
	}
	return t, nil
}

// NoTemplateError is LoadTemplate's error for a directory without a chat
// template (commands add their --template hint).
type NoTemplateError struct {
	Dir string
	msg string
}

func (e *NoTemplateError) Error() string { return e.msg }

// familyTokens are the tokens a family's template writes that its
// tokenizers hold as single added tokens; encoded with a tokenizer that
// lacks them they would become plain text the model was never trained on.
// The [INST] and Tülu families write plain text and are not checked.
var familyTokens = map[Family][]string{
	Qwen3:  {"<|im_start|>", "<|im_end|>"},
	Llama3: {"<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"},
	Phi3:   {"<|user|>", "<|assistant|>", "<|end|>"},
}

// CheckTokenizer reports an error naming the first of the family's special
// tokens (e.g. Llama-3's <|start_header_id|>) that lookup (a tokenizer's
// TokenToID) does not know: the template and the tokenizer do not match.
func (t *Template) CheckTokenizer(lookup func(tok string) (int, bool)) error {
	for _, tok := range familyTokens[t.Family] {
		if _, ok := lookup(tok); !ok {
			return fmt.Errorf("chat: the %s template writes %s, which the tokenizer does not have: the template does not fit this model", t.Family, tok)
		}
	}
	return nil
}

func familyList() string {
	s := make([]string, len(Families))
	for i, f := range Families {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// canon normalises template source for recognition only: whitespace, the
// escape sequence \n, jinja whitespace-control dashes and the kind of quote
// are dropped, so that layout and quoting do not matter.
func canon(s string) string {
	s = strings.NewReplacer(`\n`, "", "{{-", "{{", "-}}", "}}", "{%-", "{%", "-%}", "%}", `"`, "'").Replace(s)
	return strings.Map(func(r rune) rune {
		if pyIsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// Recognize identifies the family of a Jinja chat template source and reads
// its variant switches. Recognition asks for each family's distinctive
// statements (compared after canon), not just its special tokens, so that a
// template of another shape is not given a wrong renderer. Any other
// template that the jinja interpreter parses becomes Generic; one it cannot
// parse is an error naming the known families. vars are the special-token
// variables (bos_token, eos_token, ... as strings or AddedToken dicts, as in
// tokenizer_config.json; other keys are ignored).
func Recognize(src string, vars map[string]any) (*Template, error) {
	t, err := recognize(src, vars)
	jt, perr := jinja.Parse(src)
	if err != nil {
		if perr != nil {
			return nil, fmt.Errorf("%w; the jinja interpreter cannot run it either: %v", err, perr)
		}
		t = &Template{Family: Generic, BOS: varString(vars, "bos_token"), EOS: varString(vars, "eos_token")}
	}
	if perr == nil {
		t.src = jt
	}
	t.vars = templateVars(vars)
	return t, nil
}

func recognize(src string, vars map[string]any) (*Template, error) {
	q := canon(src)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if !strings.Contains(q, canon(s)) {
				return false
			}
		}
		return true
	}
	t := &Template{BOS: varString(vars, "bos_token"), EOS: varString(vars, "eos_token")}
	switch {
	case has("<|im_start|>", "ns.last_query_index", "message.reasoning_content",
		"'<|im_start|>' + message.role + '\\n<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n')",
		"{%- if enable_thinking is defined and enable_thinking is false %}", "{{- '<think>\\n\\n</think>\\n\\n' }}"):
		t.Family = Qwen3
	case has("{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}",
		"{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}",
		"{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}") && !has("tools") && !has("Cutting Knowledge Date"):
		t.Family = Llama3
	case has("'<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content']",
		"{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}", "{{ ' '  + content.strip() + ' ' + eos_token }}",
		errAlternate) && !has("DEFAULT_SYSTEM_MESSAGE") && !has("USE_DEFAULT_PROMPT"):
		t.Family = Llama2Chat
	case has("{{ bos_token }}{% for message in messages %}", errAlternate, "{{ '[INST] ' + message['content'] + ' [/INST]' }}",
		"{{ message['content'] + eos_token", errOnlyUserAsst) && !has("system_message"):
		t.Family = MistralInstruct
		t.eosSpace = has("eos_token + ' ' }}")
	case has(errAlternateSys, errOnlyUserAsstSys, "{%- if loop.first and system_message is defined %}",
		"{{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}",
		"{{- ' [INST] ' + message['content'] + ' [/INST]' }}", "{{- ' ' + message['content'] + eos_token}}") && !has("tools"):
		t.Family = MistralSystem
	case has("{{'<|user|>\\n' + message['content'] + '<|end|>\\n'}}", "{{'<|assistant|>\\n' + message['content'] + '<|end|>\\n'}}",
		"{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}"):
		t.Family = Phi3
		t.sysNonEmpty = has("message['role'] == 'system' and message['content']")
		t.eosIfNoGen = has("{% else %}{{ eos_token }}{% endif %}")
	case has("{{ '<|user|>\\n' + message['content'] + '\\n' }}",
		"{% if not loop.last %}{{ '<|assistant|>\\n'  + message['content'] + eos_token + '\\n' }}{% else %}{{ '<|assistant|>\\n'  + message['content'] + eos_token }}{% endif %}",
		"{% if loop.last and add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"):
		t.Family = OLMo2
		t.tuluBOS = strings.HasPrefix(q, "{{bos_token}}")
	case has("{{ '<|user|>\\n' + message['content'] }}", "{{ '<|assistant|>\\n'  + message['content'] + eos_token }}",
		"{% if loop.last and add_generation_prompt %}", "{{ '<|assistant|>' }}"):
		t.Family = OLMoE
		t.tuluSystem = has("{{ '<|system|>\\n' + message['content'] }}")
		t.tuluBOS = strings.HasPrefix(q, "{{bos_token}}")
		t.tuluEOSStart = strings.HasPrefix(q, "{{eos_token}}")
		if !strings.Contains(src, "}}\n{%") || strings.Contains(src, "{%-") || strings.Contains(src, "-%}") {
			return nil, fmt.Errorf("chat: template looks like the OLMoE/Tülu-2 one but is not laid out over lines without whitespace control; not supported")
		}
	default:
		head := src
		if len(head) > 80 {
			head = head[:80] + "…"
		}
		return nil, fmt.Errorf("chat: unrecognised chat template %q; families with a hand-written renderer: %s", head, familyList())
	}
	return t, nil
}

func varString(vars map[string]any, k string) string {
	switch v := vars[k].(type) {
	case string:
		return v
	case map[string]any: // an AddedToken dict {"content": "<s>", ...}
		if s, ok := v["content"].(string); ok {
			return s
		}
	}
	return ""
}

// LoadTemplate reads the chat template of a model directory: the file
// chat_template.jinja when present (newer transformers save it there), else
// the "chat_template" of tokenizer_config.json (a string, or a list of
// {name, template} from which "default" is taken), with bos_token and
// eos_token from tokenizer_config.json.
func LoadTemplate(dir string) (*Template, error) {
	cfgPath := filepath.Join(dir, "tokenizer_config.json")
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("chat: %s: %w", cfgPath, err)
	}
	src := ""
	if b, err := os.ReadFile(filepath.Join(dir, "chat_template.jinja")); err == nil {
		src = string(b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("chat: %w", err)
	} else {
		switch v := cfg["chat_template"].(type) {
		case string:
			src = v
		case []any:
			for _, e := range v {
				if m, ok := e.(map[string]any); ok && m["name"] == "default" {
					src, _ = m["template"].(string)
				}
			}
		}
	}
	if src == "" {
		return nil, &NoTemplateError{Dir: dir, msg: fmt.Sprintf("chat: %s has no chat_template (and %s has no chat_template.jinja); pick a family with chat.ForFamily", cfgPath, dir)}
	}
	t, err := Recognize(src, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w (template of %s)", err, dir)
	}
	return t, nil
}

// Render renders msgs as the template does and returns the text with its
// regions. Errors: an empty conversation, an error the template itself
// raises (*TemplateError, e.g. roles that do not alternate), a prefill on a
// rendering that does not end with an open assistant header.
//
// A known family is rendered by its hand-written renderer. When the
// template source is known (Recognize, LoadTemplate) the text is also
// produced by the jinja interpreter; if the two differ (a variant of the
// template that recognition did not tell apart), the interpreter's
// rendering is returned, with Approx regions. A Generic template is always
// rendered by the interpreter.
func (t *Template) Render(msgs []Message, opt Options) (*Rendered, error) {
	if len(msgs) == 0 {
		return nil, fmt.Errorf("chat: conversation has no messages")
	}
	if !opt.SkipUnknownRoles {
		if err := t.checkRoles(msgs); err != nil {
			return nil, err
		}
	}
	if t.Family == Generic {
		if t.src == nil {
			return nil, fmt.Errorf("chat: generic template without source")
		}
		return t.renderGeneric(msgs, opt)
	}
	r, err := t.renderKnown(msgs, opt)
	if t.src == nil {
		return r, err
	}
	var te *TemplateError
	if err != nil && !errors.As(err, &te) {
		return nil, err // our own checks (prefill), not the template's
	}
	text, jerr := t.execJinja(msgs, opt, opt.AddGenerationPrompt)
	var jte *TemplateError
	switch {
	case errors.As(jerr, &jte):
		return nil, jerr // the template rejects the conversation
	case jerr != nil:
		return r, err // the interpreter cannot check this one
	case err == nil && text+opt.Prefill == r.Text:
		return r, nil
	}
	return t.renderGeneric(msgs, opt)
}

// checkRoles rejects a role that the family's template would silently skip
// (Qwen3 renders system/user/assistant/tool; Phi-3 and the Tülu templates of
// OLMo-2/OLMoE render system/user/assistant): a turn dropped without a word
// (a typo such as "asistant", or "wizard") is an error instead. Llama-3
// renders any role, the [INST] templates raise their own errors, and a
// Generic template is left to its source. Options.SkipUnknownRoles turns
// the check off.
func (t *Template) checkRoles(msgs []Message) error {
	var known []string
	switch t.Family {
	case Qwen3:
		known = []string{"system", "user", "assistant", "tool"}
	case Phi3, OLMo2, OLMoE:
		known = []string{"system", "user", "assistant"}
	default:
		return nil
	}
	for i, m := range msgs {
		if !slices.Contains(known, m.Role) {
			return &RoleError{Index: i, Role: m.Role, msg: fmt.Sprintf("chat: message %d has role %q, which the %s template does not render (it would drop the turn); roles: %s",
				i, m.Role, t.Family, strings.Join(known, ", "))}
		}
	}
	return nil
}

// RoleError is Render's error for a message whose role the template would
// silently drop.
type RoleError struct {
	Index int // message index
	Role  string
	msg   string
}

func (e *RoleError) Error() string { return e.msg }

// renderKnown runs the family's hand-written renderer.
func (t *Template) renderKnown(msgs []Message, opt Options) (*Rendered, error) {
	switch t.Family {
	case Qwen3:
		return t.renderQwen3(msgs, opt)
	case Llama3:
		return t.renderLlama3(msgs, opt)
	case Llama2Chat:
		return t.renderLlama2(msgs, opt)
	case MistralInstruct:
		return t.renderMistral(msgs, opt)
	case MistralSystem:
		return t.renderMistralSystem(msgs, opt)
	case Phi3:
		return t.renderPhi3(msgs, opt)
	case OLMo2, OLMoE:
		return t.renderTulu(msgs, opt)
	}
	return nil, fmt.Errorf("chat: unknown family %q", t.Family)
}

// checkPrefill rejects a prefill when the rendering will not end with an
// open assistant header (final != len(msgs)).
func checkPrefill(opt Options, final, n int) error {
	if opt.Prefill != "" && final != n {
		return fmt.Errorf("chat: prefill needs a rendering that ends with the assistant header (set AddGenerationPrompt and end the conversation with a user turn)")
	}
	return nil
}

// finalTurn is the turn a rendering ends in, for templates that open a new
// assistant turn exactly when add_generation_prompt is set: len(msgs) then,
// else the last message when it is an assistant turn, else -1.
func finalTurn(msgs []Message, addGenerationPrompt bool) int {
	n := len(msgs)
	switch {
	case addGenerationPrompt:
		return n
	case msgs[n-1].Role == "assistant":
		return n - 1
	}
	return -1
}

// startBuilder is the common opening of the hand-written renderers: it
// checks the prefill against the final turn (checkPrefill) and returns a
// builder that ends in that turn.
func startBuilder(opt Options, final, n int) (*builder, error) {
	if err := checkPrefill(opt, final, n); err != nil {
		return nil, err
	}
	return newBuilder(final), nil
}
