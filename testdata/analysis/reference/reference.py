#!/usr/bin/env python3
"""Independent pure-Python implementation of rim's analyses (no numpy/scipy
needed), written from shared/paper/notes.md §6-§8 and not from the Go code.
It generates data.json (seeded) and expected.json; the Go test
rim/analysis/analyze/reference_test.go checks rim against them.

Run: python3 reference.py   (rewrites both files)
"""
import json
import math
import random

rng = random.Random(20260315)


def mat(r, c, lo=-1.0, hi=2.0):
    return [[rng.uniform(lo, hi) for _ in range(c)] for _ in range(r)]


# ---------- correlation (Pearson, Spearman, two-sided t p-value) ----------

def betacf(a, b, x):
    # Lentz's continued fraction for the incomplete beta function.
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        de = d * c
        h *= de
        if abs(de - 1) < 1e-16:
            break
    return h


def betainc(a, b, x):
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(lbt) * betacf(a, b, x) / a
    return 1 - math.exp(lbt) * betacf(b, a, 1 - x) / b


def pvalue(r, n):
    df = n - 2
    if abs(r) >= 1:
        return 0.0
    t2 = r * r * df / (1 - r * r)
    # two-sided P(|T| > t) = I_{df/(df+t²)}(df/2, 1/2)
    return betainc(df / 2, 0.5, df / (df + t2))


def pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    r = sxy / math.sqrt(sxx * syy)
    return r, pvalue(r, n)


def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    out = [0.0] * len(v)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x, y):
    return pearson(ranks(x), ranks(y))


# ---------- probe (notes §6.1) ----------

def probe_fit(pos, neg):
    d = len(pos[0])
    mp = [sum(r[j] for r in pos) / len(pos) for j in range(d)]
    mn = [sum(r[j] for r in neg) / len(neg) for j in range(d)]
    v = [a - b for a, b in zip(mp, mn)]
    s = lambda y: sum(a * b for a, b in zip(y, v))
    tau = (sum(s(r) for r in pos) / len(pos) + sum(s(r) for r in neg) / len(neg)) / 2
    return v, tau, s


# ---------- RAS (notes §8.1) ----------

def shift(hi, lo, norm, guard, eps=1e-8):
    total, q = 0.0, 0
    for h, l in zip(hi, lo):
        if not h > l:
            continue
        den = l
        if den <= eps:
            if guard == "skip":
                continue
            den = max(abs(l), eps)  # "abs"
        total += (h - l) / den * h
        q += 1
    if norm == "all":
        return total / len(hi)
    return total / q if q else 0.0


def colmean(rows):
    return [sum(r[j] for r in rows) / len(rows) for j in range(len(rows[0]))]


def ras_all(bs, ts, bm, tm, norm, guard, agg):
    if agg == "mean":
        ds = shift(colmean(bs), colmean(ts), norm, guard)
        dm = shift(colmean(tm), colmean(bm), norm, guard)
    else:
        ds = sum(shift(b, t, norm, guard) for b, t in zip(bs, ts)) / len(bs)
        dm = sum(shift(t, b, norm, guard) for b, t in zip(bm, tm)) / len(bm)
    out = {"delta_safe": ds, "delta_math": dm, "arithmetic": (ds + dm) / 2}
    if ds >= 0 and dm >= 0:
        out["ras"] = 0.0 if ds + dm == 0 else 2 * ds * dm / (ds + dm)
        out["geometric"] = math.sqrt(ds * dm)
    return out


# ---------- neurons (notes §7.1) ----------

def topm(diff, m, scope):
    cands = [(-v, l, j) for l, row in enumerate(diff) for j, v in enumerate(row)]
    if scope == "global":
        return sorted(cands)[:m]
    out = []
    for l in range(len(diff)):
        out += sorted(c for c in cands if c[1] == l)[:m]
    return out


# ---------- heads (notes §6.2) ----------

def argmax(row):
    best = 0
    for k, v in enumerate(row):
        if v > row[best]:
            best = k
    return best


def main():
    data, exp = {}, {}

    # correlation, with ties
    x = [round(rng.uniform(0, 5), 1) for _ in range(12)]
    y = [round(0.6 * a + rng.uniform(-1, 1), 1) for a in x]
    data["corr"] = {"x": x, "y": y}
    exp["pearson"], exp["spearman"] = pearson(x, y), spearman(x, y)
    exp["pvalues"] = [[r, n, pvalue(r, n)] for r, n in [(0.3, 5), (-0.7, 8), (0.95, 30), (0.05, 100)]]

    # probe: 3 layers, d = 5, 24 positive and 16 negative samples, first 60% train
    layers = []
    for l in range(3):
        pos = [[v + 0.4 * l * (j % 2) for j, v in enumerate(r)] for r in mat(24, 5)]
        neg = mat(16, 5)
        layers.append({"pos": pos, "neg": neg})
    data["probe"] = layers
    exp["probe"] = []
    for L in layers:
        ptr, pte = L["pos"][:14], L["pos"][14:]
        ntr, nte = L["neg"][:10], L["neg"][10:]
        v, tau, s = probe_fit(ptr, ntr)
        exp["probe"].append({
            "direction": v, "threshold": tau,
            "pos_score": sum(s(r) > tau for r in pte) / len(pte),
            "neg_score": sum(s(r) > tau for r in nte) / len(nte),
        })

    # RAS with negative and zero activations
    bs, ts, bm, tm = mat(5, 9), mat(5, 9), mat(6, 9), mat(6, 9)
    ts[0][0] = 0.0
    bm[1][2] = 0.0
    data["ras"] = {"base_safe": bs, "tuned_safe": ts, "base_math": bm, "tuned_math": tm}
    exp["ras"] = {}
    for norm in ("all", "qualifying"):
        for guard in ("skip", "abs"):
            for agg in ("mean", "per-sample"):
                exp["ras"][f"{norm}/{guard}/{agg}"] = ras_all(bs, ts, bm, tm, norm, guard, agg)

    # neurons: 7 pairs x 3 layers x 6, integer differences (many ties)
    pairs = [[[float(rng.randint(-2, 3)) for _ in range(6)] for _ in range(3)] for _ in range(7)]
    data["neurons"] = pairs
    exp["neurons"] = {}
    for m, scope in ((2, "layer"), (4, "global")):
        counts = [[0] * 6 for _ in range(3)]
        for diff in pairs:
            for _, l, j in topm(diff, m, scope):
                counts[l][j] += 1
        exp["neurons"][f"{m}/{scope}"] = counts

    # heads: 6 samples, 2 layers x 3 heads x 7 keys (last key is padding in think mode)
    think_regions = ["user", "user", "user_end", "header_start", "role", "x"]
    no_regions = ["user", "user", "user_end", "header_start", "role", "think", "think_close"]
    def attn(nregs):
        rows = []
        for _ in range(2 * 3):
            row = [rng.choice([0.1, 0.2, 0.3, 0.5]) for _ in range(7)]
            row[4] += rng.choice([0, 0.5])
            if nregs < 7:
                row[6] = 0.99  # padding: never the argmax
            rows.append(row)
        return rows
    think = [attn(6) for _ in range(6)]
    no = [attn(7) for _ in range(6)]
    for s in no:
        for row in s:
            row[5] += rng.choice([0, 0.5])
    data["heads"] = {"think": think, "no_think": no, "think_regions": think_regions, "no_think_regions": no_regions}
    counts = [0] * 6
    hist = {}
    for st, sn in zip(think, no):
        for lh in range(6):
            kt = argmax(st[lh][:6])
            kn = argmax(sn[lh])
            if think_regions[kt] == "role" and no_regions[kn] == "think":
                counts[lh] += 1
            hist[kt - 4] = hist.get(kt - 4, 0) + 1
    exp["heads"] = {"counts": counts, "hist_think": sorted([k, v] for k, v in hist.items())}

    # KL: 2 sequences x 3 tokens x vocab 5
    b = [[[rng.uniform(-3, 3) for _ in range(5)] for _ in range(3)] for _ in range(2)]
    t = [[[v + rng.uniform(-1, 1) for v in tok] for tok in seq] for seq in b]
    def kl(l0, l1):
        m0, m1 = max(l0), max(l1)
        z0 = m0 + math.log(sum(math.exp(v - m0) for v in l0))
        z1 = m1 + math.log(sum(math.exp(v - m1) for v in l1))
        return sum(math.exp(a - z0) * ((a - z0) - (c - z1)) for a, c in zip(l0, l1))
    per = [[kl(b[s][k], t[s][k]) for k in range(3)] for s in range(2)]
    data["kl"] = {"base": b, "tuned": t}
    exp["kl"] = {"token": sum(sum(p) for p in per) / 6, "sequence": sum(sum(p) / 3 for p in per) / 2}

    with open("data.json", "w") as f:
        json.dump(data, f)
    with open("expected.json", "w") as f:
        json.dump(exp, f, indent=1)


if __name__ == "__main__":
    main()
