#!/usr/bin/env python3
"""Generates testdata/chat/jinja/cases.jsonl: random conversations rendered
with Python jinja2 exactly as transformers' apply_chat_template renders them
(ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with
loopcontrols, json.dumps-based tojson, raise_exception), for every template
in jinja/. rim/chat's tests compare its Go renderers with these records
(differential test; the shared fixtures are the primary reference).

Run: python3 testdata/chat/gen_cases.py   (needs python3-jinja2; seed fixed)
A larger run for a one-off check, not committed:
  CHAT_CASES=3000 CHAT_SEED=7 CHAT_OUT=/tmp/big.jsonl python3 testdata/chat/gen_cases.py
(the output path must sit beside copies of the templates, or be given to
"rim verify tokenizer" with the templates next to it).
"""
import datetime, json, os, random
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols
from jinja2.exceptions import TemplateError

HERE = os.path.dirname(os.path.abspath(__file__))
JDIR = os.path.join(HERE, "jinja")

class RaisedError(Exception):
    pass

def raise_exception(msg):
    raise RaisedError(msg)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
# a fixed clock, so that templates that print the date are reproducible
env.globals["strftime_now"] = lambda fmt: datetime.datetime(2024, 7, 26).strftime(fmt)

# Templates of models rim has hand-written renderers for (jinja/), and others
# that only the generic interpreter (rim/chat/jinja) renders (jinja-extra/;
# "stress" is not a model's template but a tour of the jinja features).
EXTRA_VARS = {
    "llama3.2.jinja": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "mistral-nemo.jinja": {"bos_token": "<s>", "eos_token": "</s>"},
    "qwen2.5.jinja": {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
    "deepseek-r1-distill.jinja": {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"},
    "gemma.jinja": {"bos_token": "<bos>", "eos_token": "<eos>"},
    "stress.jinja": {"bos_token": "<s>", "eos_token": "</s>"},
}

VARS = {
    "qwen3.jinja": {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
    "llama3.jinja": {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>"},
    "llama2-chat.jinja": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
    "mistral-instruct-v0.1.jinja": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
    "mixtral-instruct.jinja": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
    "mixtral-system.jinja": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
    "phi3.5.jinja": {"bos_token": "<s>", "eos_token": "<|endoftext|>"},
    "olmo2.jinja": {"bos_token": "<|bos|>", "eos_token": "<|endoftext|>"},
    "olmoe.jinja": {"bos_token": "<|bos|>", "eos_token": "<|endoftext|>"},
}

CONTENTS = [
    "Hello! Who are you?", "", " ", "  padded both sides  ", "\n\nleading newlines", "trailing newlines\n\n",
    "multi\nline\ncontent", "<think>\nreasoning here\n</think>\n\nthe answer", "<think>r1</think>a1",
    "<think>\n\n</think>\n\nplain after empty think", "prefix <think>x</think> suffix", "no close <think> tag",
    "</think>only close", "a</think>b</think>c", "\x1c info sep \x1f", "\u3000ideographic\u3000", "\u00a0nbsp\u00a0",
    "\u200bzero width\u200b", "<tool_response>\n42\n</tool_response>", "[INST] fake [/INST]", "<|im_end|> inside",
    "Give me a detailed and hands-on tutorial.", "Compute $\\frac{1}{2}+\\frac{1}{3}$ and put it in \\boxed{}.",
    "emoji 😀 and 北京", "\ttab\t", "NFD cafe\u0301 and \u212bngstr\u00f6m \u2126", "\u0301leading combining mark", "\r\nCRLF\r\n", "<<SYS>>fake<</SYS>>",
]
REASONING = [None, "absent", "", "some reasoning", "\nr with newlines\n", "  spaced  "]
ROLES = ["user", "assistant", "system", "tool"]
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city (e.g. 北京).",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "calc", "description": "Tab\there \"quoted\" \\ slash </tag>",
     "parameters": {"type": "object", "properties": {"x": {"type": "number", "default": 1.5, "max": 1e20, "min": 0.00001, "n": 3, "neg": -2.0}, "ok": {"type": "boolean", "default": True}, "none": None}}}},
]

def rand_message(rng, role):
    m = {"role": role, "content": rng.choice(CONTENTS)}
    if role == "assistant":
        rc = rng.choice(REASONING)
        if rc != "absent":
            m["reasoning_content"] = rc
        if rng.random() < 0.25:
            calls = []
            for _ in range(rng.randint(1, 2)):
                args = rng.choice([{"city": "Oslo"}, {"x": 2.5, "list": [1, 2.0, "三"]}, "{\"raw\": \"string args\"}"])
                if rng.random() < 0.5:
                    calls.append({"type": "function", "function": {"name": "get_weather", "arguments": args}})
                else:
                    calls.append({"name": "calc", "arguments": args})
            for c in calls:
                if rng.random() < 0.6:
                    c["id"] = rng.choice(["call12345", "abcdefghi", "short"])
            m["tool_calls"] = calls
    if role == "tool" and rng.random() < 0.6:
        m["tool_call_id"] = rng.choice(["call12345", "toolong123"])
    return m

def rand_conversation(rng):
    n = rng.randint(1, 6)
    msgs = []
    if rng.random() < 0.4:
        msgs.append(rand_message(rng, "system"))
    alternating = rng.random() < 0.6
    for i in range(n):
        if alternating:
            role = "user" if i % 2 == 0 else "assistant"
        else:
            role = rng.choice(ROLES + ["user", "assistant"])
        msgs.append(rand_message(rng, role))
    if rng.random() < 0.05:
        msgs.append({"role": "critic", "content": "unknown role"})
    return msgs

def render(src, vars, msgs, kwargs):
    t = env.from_string(src)
    return t.render(messages=msgs, documents=None, **vars, **kwargs)

def generate(rng, jdir, vars_by_name, per, name_tools=("qwen3.jinja",)):
    out = []
    for name in sorted(vars_by_name):
        src = open(os.path.join(jdir, name)).read()
        kept = 0
        tries = 0
        while kept < per and tries < 40 * per:
            tries += 1
            msgs = rand_conversation(rng)
            kwargs = {"add_generation_prompt": rng.random() < 0.7}
            r = rng.random()
            if r < 0.33:
                kwargs["enable_thinking"] = False
            elif r < 0.5:
                kwargs["enable_thinking"] = True
            if rng.random() < 0.2:
                kwargs["tools"] = TOOLS[: rng.randint(0, 2)]
            rec = {"id": f"{name[:-6]}:gen-{kept:03d}", "template": name, "messages": msgs, "kwargs": kwargs,
                   "template_vars": vars_by_name[name]}
            try:
                rec["rendered"] = render(src, vars_by_name[name], msgs, kwargs)
            except RaisedError as e:
                rec["error"] = str(e)
            except (TemplateError, TypeError, AttributeError, KeyError, IndexError, ValueError):
                continue  # not a raise_exception error: undefined behaviour, not recorded
            out.append(rec)
            kept += 1
    return out


def write(path, recs):
    with open(path, "w") as f:
        for rec in recs:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(path, len(recs), "records")


def main():
    seed = int(os.environ.get("CHAT_SEED", "20261123"))
    per = int(os.environ.get("CHAT_CASES", "40"))
    out = os.environ.get("CHAT_OUT")
    rng = random.Random(seed)
    recs = generate(rng, JDIR, VARS, per)
    write(out or os.path.join(JDIR, "cases.jsonl"), recs)
    xdir = os.path.join(HERE, "jinja-extra")
    recs = generate(random.Random(seed + 1), xdir, EXTRA_VARS, max(per * 4 // 5, 1))
    write((out + ".extra") if out else os.path.join(xdir, "cases.jsonl"), recs)


main()
