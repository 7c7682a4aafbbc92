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
// Each supported family (Qwen3, Llama-3, Llama-2-chat/Mistral-Instruct/
// Mixtral, Phi-3/3.5, OLMo-2/Tülu, OLMoE) has a small Go renderer that mirrors
// its template statement by statement, chosen by recognising the template
// text (see Recognize). This is ollama's approach. We chose it over a generic
// Jinja engine because:
//
//   - regions are the point of this package: a renderer that builds the text
//     piece by piece knows exactly which bytes are the user's content, which
//     are the header, and where the think tags are, even after the template
//     strips or trims content. A generic engine only yields a string, and
//     regions would have to be recovered by searching it, which is ambiguous
//     when users write template markers in their own text;
//   - the Qwen3 template needs Python string methods (split, lstrip with an
//     argument), [::-1] slices, namespace() and a Python-exact tojson, which
//     the Go Jinja ports available for the pinned Go version do not all
//     reproduce, and no third-party dependency is needed this way;
//   - every renderer is checked against the reference renderings made with
//     Python jinja2 (shared/fixtures/tokenizers/*/chat.jsonl).
//
// The cost is that a template we do not recognise is refused with an error
// naming the known families instead of being rendered; a caller can still
// pick a family explicitly with ForFamily.
//
// Python semantics that matter and are reproduced: str.strip() whitespace
// (pyspace.go), jinja2's trim_blocks for the templates written over several
// lines, and json.dumps(ensure_ascii=False) with ", "/": " separators and
// key order kept for tools and tool-call arguments (pyjson.go).
package chat
