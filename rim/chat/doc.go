// Package chat renders conversations the way a model's Jinja chat template
// does (Hugging Face transformers' apply_chat_template) and returns, with the
// text and token ids, the regions the paper probes: system prompt, each user
// turn, the assistant header, the think block (open tag, content, close tag,
// including Qwen3's empty "\n\n" span in no-think mode), the answer, the
// end-of-turn token, and the named special positions (the last user turn's
// <|im_end|>, <|im_start|>, assistant, <think>, </think>; docs/paper.md §4.3,
// §6.1, §6.2).
//
// # Design: hand-written renderers, checked by a jinja interpreter
//
// Each family the paper uses has a small Go renderer that mirrors its
// template statement by statement (ollama's approach): Qwen3, Llama-3,
// Llama-2-chat, Mistral-Instruct v0.1 and Mixtral in both template
// revisions, Phi-3/3.5, OLMo-2/Tülu-3 and OLMoE/Tülu-2. The family is chosen
// by recognising the template's distinctive statements (Recognize). A
// renderer that builds the text piece by piece knows exactly which bytes are
// the user's content, which are the header and where the think tags are,
// even after the template strips or trims content; a string produced by a
// template engine would have to be searched for them, which is ambiguous
// when users write template markers in their own text.
//
// Every other template runs on rim/chat/jinja, a small interpreter of the
// jinja2 subset chat templates use (Family Generic). Its text is exact; its
// regions are found by searching each message's content in the output and
// by diffing the renderings with and without add_generation_prompt, so they
// are marked Rendered.Approx. When a template's source is known, Render
// also runs the interpreter for the recognised families and, should the
// texts differ (a variant that recognition did not tell apart), returns the
// interpreter's rendering: the hand-written path can never silently produce
// a text the template would not.
//
// Why not a Go Jinja library: measured with github.com/nikolalohinski/gonja/v2
// v2.3.1 (trim_blocks and lstrip_blocks on) over testdata/chat/jinja, it got
// 200 of 450 conversations right at the time: it cannot parse the Qwen3 and
// Llama-3 templates, renders Llama-2-chat and the Mixtral system-message
// template wrongly and gets 2 of 50 OLMoE renderings right. Chat templates
// need Python semantics (str.strip with an argument, split, [::-1],
// namespace(), for-else, json.dumps-style tojson with key order), which the
// interpreter reproduces, with bounds on output size and loop iterations.
//
// # Checks
//
// The renderers and the interpreter each reproduce every record of the
// shared fixtures (text and ids) and the conversations rendered by Python
// jinja2 with transformers' settings in testdata/chat (made by
// gen_cases.py): 360 over the nine reference templates, 192 over Llama-3.2,
// Mistral-Nemo, Qwen2.5, DeepSeek-R1-Distill, Gemma and a feature tour for
// the interpreter; one-off runs of 27,600 more gave no mismatch. Fuzz tests
// check that no input panics, that roles are validated as the templates
// validate them, that regions stay consistent, and that renderers and
// interpreter agree on fuzzed conversations.
//
// One deliberate difference from transformers: a turn whose role the
// template would silently skip (Qwen3: not system/user/assistant/tool;
// Phi-3, OLMo-2, OLMoE: not system/user/assistant) is a *RoleError naming
// it, since a typo would otherwise vanish from a prompt or from training
// data; Options.SkipUnknownRoles restores the skipping (parity checks set
// it). Template.CheckTokenizer tells whether a tokenizer has the special
// tokens a family writes (for choosing a template by family).
//
// # Usage
//
//	tp, err := chat.LoadTemplate(modelDir)          // tokenizer_config.json's chat_template
//	tok, err := tokenize.Load(modelDir)
//	e, err := tp.Encode(chat.Wrap(tok), chat.User(prompt),
//		chat.Options{AddGenerationPrompt: true, EnableThinking: chat.Bool(false)})
//	e.IDs                          // token ids, no added special tokens (the template writes BOS)
//	e.Positions[chat.PosUserEnd]   // <|im_end|> of the last user turn ("Input −5")
//	e.Final(chat.KindThink)        // the empty "\n\n" span between <think> and </think>
//	b, err := chat.NewBatch(encs, padID, chat.Left) // regions shifted by each row's padding
//
// Python semantics reproduced by the renderers: str.strip() whitespace
// (pyspace.go), jinja2's trim_blocks for the templates written over several
// lines, and json.dumps(ensure_ascii=False) with ", "/": " separators and
// key order kept for tools and tool-call arguments (pyjson.go).
package chat
