// Package chat renders conversations the way a model's Jinja chat template
// does (Hugging Face transformers' apply_chat_template) and returns, with the
// text and token ids, the regions the paper probes: system prompt, each user
// turn, the assistant header, the think block (open tag, content, close tag,
// including Qwen3's empty "\n\n" span in no-think mode), the answer, and the
// named special positions (the last user turn's <|im_end|>, <|im_start|>,
// assistant, <think>, </think>; notes.md §4.3, §6.1, §6.2).
//
// # Why hand-written renderers and not a Jinja engine
//
// Each supported family (Qwen3, Llama-3, Llama-2-chat, Mistral-Instruct
// v0.1 and Mixtral in both template revisions, Phi-3/3.5, OLMo-2/Tülu-3,
// OLMoE/Tülu-2) has a small Go renderer that mirrors its template statement
// by statement, chosen by recognising the template text (see Recognize).
// This is ollama's approach. We chose it over a generic Jinja engine
// because:
//
//   - regions are the point of this package: a renderer that builds the text
//     piece by piece knows exactly which bytes are the user's content, which
//     are the header, and where the think tags are, even after the template
//     strips or trims content. A generic engine only yields a string, and
//     regions would have to be recovered by searching it, which is ambiguous
//     when users write template markers in their own text;
//   - the Go Jinja port at hand does not render these templates: measured
//     with github.com/nikolalohinski/gonja/v2 v2.3.1 (trim_blocks and
//     lstrip_blocks on) over testdata/chat/jinja/cases.jsonl, it got 200 of
//     450 conversations right: it cannot parse the Qwen3 and Llama-3
//     templates at all, renders Llama-2-chat and the Mixtral system-message
//     template wrongly, and gets 2 of 50 OLMoE renderings right; only the
//     four simplest templates (Mistral v0.1, Mixtral, Phi-3.5, OLMo-2) came
//     out right. Qwen3 needs Python string methods (split, lstrip with an
//     argument), [::-1], namespace() and a Python-exact tojson;
//   - every renderer is checked against the reference renderings made with
//     Python jinja2 (shared/fixtures/tokenizers/*/chat.jsonl).
//
// The cost is that a template we do not recognise is refused with an error
// naming the known families instead of being rendered (recognition asks for
// each family's distinctive statements, so look-alikes such as the original
// Phi-3-mini template, Llama-3.1 or Mistral-Nemo are refused rather than
// rendered wrongly); a caller can still pick a family explicitly with
// ForFamily.
//
// # Checks
//
// The renderers reproduce every record of the shared fixtures (text and
// ids) and 450 random conversations rendered by Python jinja2 with
// transformers' settings over nine templates (testdata/chat/gen_cases.py),
// including Phi-3.5, OLMo-2, OLMoE and both Mixtral revisions, which have no
// shared fixture; a fuzz test checks that no input panics, that roles are
// validated as the templates validate them, and that regions stay
// consistent.
//
// # Usage
//
//	tp, err := chat.LoadTemplate(modelDir)          // recognise tokenizer_config.json's chat_template
//	tok, err := tokenize.Load(modelDir)
//	e, err := tp.Encode(chat.Wrap(tok), chat.User(prompt),
//		chat.Options{AddGenerationPrompt: true, EnableThinking: chat.Bool(false)})
//	e.IDs                          // token ids, no added special tokens (the template writes BOS)
//	e.Positions[chat.PosUserEnd]   // <|im_end|> of the last user turn ("Input −5")
//	e.Final(chat.KindThink)        // the empty "\n\n" span between <think> and </think>
//	b, err := chat.NewBatch(encs, padID, chat.Left) // regions shifted by each row's padding
//
// Python semantics that matter and are reproduced: str.strip() whitespace
// (pyspace.go), jinja2's trim_blocks for the templates written over several
// lines, and json.dumps(ensure_ascii=False) with ", "/": " separators and
// key order kept for tools and tool-call arguments (pyjson.go).
package chat
