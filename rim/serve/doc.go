// Package serve is an OpenAI-compatible HTTP server over a loaded model:
// POST /v1/chat/completions (non-streaming, and streaming as server-sent
// events when "stream": true), GET /v1/models and GET /health.
//
// It is meant for rim's own judges and users' scripts on the same machine:
// rim serve binds 127.0.0.1 unless told otherwise, there is no
// authentication, and generations run one at a time (requests queue).
//
// Request fields understood: model (must be empty or the served name),
// messages (string content, or a list of {"type":"text"} parts), max_tokens /
// max_completion_tokens, temperature, top_p, top_k, seed, stop (a string or
// a list), stream, stream_options.include_usage, n (only 1), and
// chat_template_kwargs.enable_thinking (vLLM's spelling) for Qwen3's think
// mode. Other fields are ignored, as OpenAI-compatible servers do.
//
// Responses carry the answer in message.content and, for models with think
// tags, the reasoning in message.reasoning_content (vLLM's and DeepSeek's
// field); streamed chunks split the same way.
//
// Deviation from OpenAI: the default temperature is the server's (0, greedy
// decoding, the paper's setting) rather than 1.
package serve
