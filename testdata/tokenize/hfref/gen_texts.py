"""Writes texts.json, the string pool of the Hugging Face reference files.

python3 gen_texts.py /path/to/shared/data/gsm8k/train.jsonl
Deterministic (seeded); hand-written edge cases, GSM8K samples and random
mixtures of characters that stress the pre-tokenizer and added-token matching.
"""
import json, random, sys

hand = [
    "", " ", "  ", "   ", "\n", " \n ", "a  b", "a   \n\nb", "\t\t x", "x \u00a0 y", "x\u00a0\u00a0y",
    "'S 'LL 'Re 'vE", "don't DON'T I'M we'd", "'", "''s", "1234567", "12 345 6789", "\u0661\u0662\u0663\u0664\u0665",
    "\uff21\uff22\uff23\uff11\uff12\uff13", "\u2581\u2581hello", "\u2581", " <s> ", "<s><s>", "</s>x", "<unk>", "a<unk>b",
    "<mask> x", "x <mask>", "x  <mask>", "x\n<mask>", "[R]  y", "[R]\n\nz", "cat", "concat", "cat!", " cat ", "cat_",
    "\u00c5", "A\u030a", "\u212b", "<|im_start|>user\nhi", "<|im_start|>users", "<|im_start|><|im_end|>",
    "\r\n\r\n", " \r\n", "x\u2028y", "\u200b\u200b", "\u017f's 's", "e\u0301", "\u0301a", "\U0001fae0\U0001fae0",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\ufeffBOM", "\x00\x01\x7f", "\ufffd", "\ue000\U000f0000",
    "<think>\nstep\n</think>\n\nanswer", "<|begin_of_text|>hi<|eot_id|>", "<|eot_id|><|eot_id|>",
    "    if x:\n        return 1\n", "a\tb\t\tc", "tab\t\n", "end with spaces   ", "   start",
    "\u4f60\u597d\uff0c\u4e16\u754c", "\u3053\u3093\u306b\u3061\u306f", "\uc548\ub155", "\U00020000\U0002a6a5",
    "\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0967\u0968",
    "$\\frac{1}{2}$ and \\boxed{42}", "http://example.com/a?b=c&d=e", "x@y.org", "...!!!???", " !!", "a.b,c;d",
    "\U0001d400\U0001d401", "\u00bd\u2153", "\u2460\u2461", "\u00b2\u00b3", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "\u2126", "\u03a9", "x\u2126y", "\u2126\u2126", "catdog", "the catdog.", "xcatdog", "catdog_", "catdog\u0301",
    "<mask>", "a   <mask>b", "[R]   \n x", "<x> <y>", "a  <x> <y>  b", "<x><y>", "e\u0301\u0301", "\u1100\u1161\u11a8",
    "\u0958", "\ufb01", "x\u0345y",
]

pieces = [" ", "  ", "\n", "\n\n", "\t", "\r\n", "\u00a0", "\u3000", "\u200b", "a", "Ab", "word", "THE", "\u00e9t\u00e9",
          "'s", "'LL", "'x", "1", "23", "4567", "\u0663", "\uff15", ".", ",", "!?", "...", "(", ")", "{", "}", "$", "\\",
          "-", "_", "#", "\u2581", "\u2581x", "\u4e2d\u6587", "\u65e5", "\ud55c", "\u0440\u0443\u0441", "\u03b1\u03b2",
          "\u0e44\u0e17\u0e22", "\u0627\u0644", "\U0001f600", "\U0001f44d\U0001f3fd", "\u2764\ufe0f", "\U0001f1fa\U0001f1f8",
          "e\u0301", "\u0301", "<s>", "</s>", "<unk>", "<|im_end|>", "<think>", "</think>", "<|eot_id|>", "<mask>",
          "[R]", "cat", "\u00c5", "<", "|", ">", "<|", "\u212a", "\ufffd", "\x07", "\u2126", "catdog", "<x> <y>", "e\u0301\u0301"]

rng = random.Random(20261123)
rand = []
for _ in range(160):
    n = rng.randint(1, 14)
    rand.append("".join(rng.choice(pieces) for _ in range(n)))

gsm = []
with open(sys.argv[1]) as f:
    rows = [json.loads(l) for l in f]
for r in rng.sample(rows, 10):
    gsm.append(r["question"] + "\n" + r["answer"])

json.dump(hand + rand + gsm, open("texts.json", "w"), ensure_ascii=False, indent=0)
print(len(hand) + len(rand) + len(gsm), "texts")
