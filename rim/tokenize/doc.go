// Package tokenize reads a Hugging Face tokenizer.json (plus tokenizer_config.json)
// from a model directory and encodes and decodes text exactly as the Rust
// `tokenizers` library behind transformers' fast tokenizers does.
//
// Supported pipelines:
//   - byte-level BPE (Qwen2/Qwen3, Llama-3, OLMo2, OLMoE, GPT-2 style): NFC (or
//     other Unicode) normaliser, Split pre-tokeniser with the GPT-2 or cl100k-style
//     regex, ByteLevel pre-tokeniser/decoder, `ignore_merges`;
//   - SentencePiece-style BPE (Llama-2, Mistral, Mixtral, Phi-3 layout): Prepend "▁" +
//     Replace " "→"▁" normaliser or a Metaspace pre-tokeniser, byte fallback
//     (<0xNN> tokens), fuse_unk, and the Replace/ByteFallback/Fuse/Strip decoder;
//   - added tokens (special or not) with their lstrip/rstrip/single_word/normalized
//     flags, matched leftmost-longest in the text before normalisation;
//   - TemplateProcessing post-processor (BOS/EOS insertion when
//     add_special_tokens is true);
//   - decoding with or without special tokens and transformers'
//     clean_up_tokenization_spaces;
//   - per-token byte offsets into the input string (EncodeWithOffsets) and
//     batches with left or right padding and attention masks.
//
// # Why not go-huggingface's hftokenizer
//
// go-huggingface v0.4.3 ships a tokenizer.json reader, but it runs the
// pre-tokeniser regexes through Go's regexp, which has no lookahead: the
// `\s+(?!\S)` alternative of every GPT-2/cl100k pattern cannot be expressed, so
// runs of spaces split differently (12/88 Qwen3 and 16/88 Llama-3 reference
// cases fail), and its SentencePiece path misses the BOS post-processor and
// the per-piece "▁" prefix. Rather than patch around it, this package
// hand-writes the splitter for the known regex families (an exact transcription
// of the backtracking semantics, see pretokenize.go) and implements the rest of
// the pipeline directly, tracking byte alignments so offsets are exact. A
// pattern that is not one of the known families is compiled with Go's regexp
// when it can be (no lookaround) and rejected at load time otherwise.
//
// # Invalid UTF-8
//
// Rust's tokenizers and Python strings cannot hold invalid UTF-8; such bytes
// only reach Hugging Face through a lossy decode (`bytes.decode("utf-8",
// errors="replace")` or `String::from_utf8_lossy`), which replaces each maximal
// ill-formed subsequence by one U+FFFD. Encode does the same, so invalid input
// encodes like its lossy-decoded string; offsets still index the original bytes.
package tokenize
