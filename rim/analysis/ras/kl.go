package ras

import (
	"fmt"
	"math"
)

// KLMode chooses how per-token KL values are averaged (docs/paper.md §8.1, §11.12:
// the paper does not say).
type KLMode int

const (
	// TokenMean averages over all tokens of all sequences pooled (default).
	TokenMean KLMode = iota
	// SequenceMean averages within each sequence, then over sequences.
	SequenceMean
)

// TokenKL is KL(p₀ ‖ p_τ) = Σ_v p₀(v)·(log p₀(v) − log p_τ(v)) for one token
// position, with p = softmax(logits) computed in float64 via log-sum-exp.
// logits0 and logitsT have length vocab. It returns NaN if a logit is not finite.
func TokenKL(logits0, logitsT []float32) float64 {
	lse0, lseT := logSumExp(logits0), logSumExp(logitsT)
	if math.IsNaN(lse0) || math.IsInf(lse0, 0) || math.IsNaN(lseT) || math.IsInf(lseT, 0) {
		return math.NaN() // a NaN or ±Inf logit
	}
	var kl float64
	for v := range logits0 {
		lp0 := float64(logits0[v]) - lse0
		lpT := float64(logitsT[v]) - lseT
		if p0 := exp(lp0); p0 > 0 {
			kl += p0 * (lp0 - lpT)
		}
	}
	return math.Max(kl, 0) // rounding can give −1e-17
}

func logSumExp(x []float32) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range x {
		s += exp(float64(v) - m)
	}
	return m + math.Log(s)
}

// exp is e^x through math.Exp2, which is pure Go on amd64. math.Exp's amd64 assembly is intermittently
// 50–200× slower (0.4–2 µs a call instead of ~10 ns) in binaries built with GOEXPERIMENT=simd on the CI's
// Xeons: three calls per vocabulary entry made MeanKL over 100 tokens of a 151,936-token vocabulary take
// 112 s instead of under a second. The result differs from math.Exp by a few ulps.
func exp(x float64) float64 { return math.Exp2(x * math.Log2E) }

// MeanKL is the forgetting baseline E_{x∼τ}[KL(π₀ ‖ π_τ)] of Shenfeld et al.
// 2025 used in Table 3 (paper §4.1, docs/paper.md §8.1): base and tuned logits of the same
// sequences, each sequence a flat [tokens, vocab] row-major slice (only the
// positions the caller chose, e.g. the response tokens). Averaged per mode.
func MeanKL(base, tuned [][]float32, vocab int, mode KLMode) (float64, error) {
	if vocab <= 0 {
		return 0, fmt.Errorf("ras: kl: vocab %d", vocab)
	}
	if len(base) != len(tuned) {
		return 0, fmt.Errorf("ras: kl: base has %d sequences but tuned has %d", len(base), len(tuned))
	}
	if len(base) == 0 {
		return 0, fmt.Errorf("ras: kl: no sequences")
	}
	var total float64
	var tokens int
	for i := range base {
		if len(base[i]) != len(tuned[i]) {
			return 0, fmt.Errorf("ras: kl: sequence %d has %d base and %d tuned logits", i, len(base[i]), len(tuned[i]))
		}
		if len(base[i])%vocab != 0 || len(base[i]) == 0 {
			return 0, fmt.Errorf("ras: kl: sequence %d has %d logits, not a positive multiple of vocab %d", i, len(base[i]), vocab)
		}
		var seq float64
		nt := len(base[i]) / vocab
		for t := range nt {
			k := TokenKL(base[i][t*vocab:(t+1)*vocab], tuned[i][t*vocab:(t+1)*vocab])
			if math.IsNaN(k) || math.IsInf(k, 0) {
				return 0, fmt.Errorf("ras: kl: sequence %d token %d: KL is %v (non-finite logits)", i, t, k)
			}
			seq += k
		}
		switch mode {
		case TokenMean:
			total += seq
			tokens += nt
		case SequenceMean:
			total += seq / float64(nt)
			tokens++
		default:
			return 0, fmt.Errorf("ras: kl: unknown mode %d", mode)
		}
	}
	return total / float64(tokens), nil
}
