#!/usr/bin/python3
"""Derives a 1024-token Qwen3-format tokenizer from the real Qwen3 tokenizer
(shared/fixtures/tokenizers/qwen3, Apache-2.0) to pair with the random model
testdata/model/tiny-qwen3 (vocab_size 1024) in the tour notebook.

Kept: the 998 lowest-id base tokens (the 256 byte symbols and the first
merges), every merge whose two parts and result are kept (ranks unchanged, so
this is a valid BPE over the same pre-tokenizer), and Qwen3's 26 added tokens
(<|endoftext|>, <|im_start|>, <|im_end|>, ..., <think>, </think>) renumbered
998..1023 in their original order. Normalizer, pre-tokenizer, decoder and the
chat template are unchanged.

usage: make_tiny_tokenizer.py SHARED_QWEN3_TOKENIZER_DIR OUT_DIR
"""
import json, os, shutil, sys

src, out = sys.argv[1], sys.argv[2]
NBASE = 998
t = json.load(open(os.path.join(src, "tokenizer.json"), encoding="utf-8"))
m = t["model"]
vocab = {s: i for s, i in m["vocab"].items() if i < NBASE}
merges = []
for a, b in m["merges"]:
    if a in vocab and b in vocab and (a + b) in vocab:
        merges.append([a, b])
m["vocab"], m["merges"] = vocab, merges
remap = {}
for k, at in enumerate(sorted(t["added_tokens"], key=lambda x: x["id"])):
    remap[at["id"]] = NBASE + k
    at["id"] = NBASE + k
assert NBASE + len(remap) == 1024, len(remap)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(t, f, ensure_ascii=False, separators=(",", ":"))
c = json.load(open(os.path.join(src, "tokenizer_config.json"), encoding="utf-8"))
c["added_tokens_decoder"] = {str(remap[int(k)]): v for k, v in c["added_tokens_decoder"].items()}
with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
    json.dump(c, f, ensure_ascii=False, indent=1)
shutil.copy(os.path.join(src, "LICENSE.Apache-2.0"), out)
print("vocab %d + %d added, %d merges" % (len(vocab), len(remap), len(merges)))
