// Regenerates the Hugging Face reference files in this folder with the Rust
// `tokenizers` library (Node binding @anush008/tokenizers 0.6.0 = tokenizers
// 0.22.2, the library behind transformers' fast tokenizers):
//
//   npm install @anush008/tokenizers@0.6.0
//   node gen.js /path/to/shared/fixtures/tokenizers
//
// For every variant of variants.json (a fixture tokenizer.json with top-level
// fields replaced, model fields replaced, or tokens added) it encodes a fixed
// pool of strings (texts.json) and writes <variant>.jsonl.gz with, per string i of
// the pool, the ids and offsets (in code points: the binding converts the
// library's byte offsets with its BytesToCharOffsetConverter)
// without special tokens, the ids with special tokens (and their offsets when
// the variant sets special_offsets), and the decoded text with and without skipping special tokens.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const {Tokenizer} = require('@anush008/tokenizers');

const fixtures = process.argv[2];
const here = __dirname;
const variants = JSON.parse(fs.readFileSync(path.join(here, 'variants.json'), 'utf8'));
const texts = JSON.parse(fs.readFileSync(path.join(here, 'texts.json'), 'utf8'));


(async () => {
  for (const v of variants) {
    const tj = JSON.parse(fs.readFileSync(path.join(fixtures, v.base, 'tokenizer.json'), 'utf8'));
    Object.assign(tj, v.patch || {});
    Object.assign(tj.model, v.model_patch || {});
    if (v.added) tj.added_tokens.push(...v.added);
    const tok = Tokenizer.fromString(JSON.stringify(tj));
    const lines = [];
    for (const text of texts) {
      const e = await tok.encode(text, null, {addSpecialTokens: false});
      const es = await tok.encode(text, null, {addSpecialTokens: true});
      const ids = Array.from(e.getIds());
      const idsS = Array.from(es.getIds());
      lines.push(JSON.stringify({
        i: lines.length, ids, offsets: e.getOffsets(),
        ids_with_special: idsS,
        ...(v.special_offsets ? {offsets_with_special: es.getOffsets()} : {}),
        decoded: await tok.decode(ids, false),
        decoded_skip_special: await tok.decode(idsS, true),
      }));
    }
    fs.writeFileSync(path.join(here, v.name + '.jsonl.gz'), zlib.gzipSync(lines.join('\n') + '\n', {level: 9}));
    console.log(v.name, lines.length);
  }
})();
