package model

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
)

// IgnoreIndex is the label value excluded from the loss (HF -100).
const IgnoreIndex = -100

// CausalLMLoss is transformers' ForCausalLMLoss: logits [B,S,V] at position
// t predict labels[t+1] (HF shifts internally); labels == -100 are ignored;
// the mean over counted tokens, in float32. labels [B,S] int32. It shifts
// the labels (not the logits) and divides SumTokenLoss by the count.
func CausalLMLoss(logits, labels *Node) *Node {
	B, S := labels.Shape().Dimensions[0], labels.Shape().Dimensions[1]
	g := logits.Graph()
	lb := ConvertDType(labels, dtypes.Int32)
	targets := Concatenate([]*Node{Slice(lb, AxisRange(), AxisRange(1, S)),
		BroadcastToDims(Const(g, int32(IgnoreIndex)), B, 1)}, 1) // [B,S]: targets[t] = labels[t+1], -100 last
	count := ReduceAllSum(ConvertDType(NotEqual(targets, Const(g, int32(IgnoreIndex))), dtypes.Float32))
	return Div(SumTokenLoss(logits, targets), count)
}

// SumTokenLoss is the causal-LM cross-entropy summed over counted tokens,
// with targets already shifted (targets[b,t] = labels[b,t+1], IgnoreIndex at
// the last position and wherever no loss is taken): the same tokens and
// terms as transformers' ForCausalLMLoss (which takes their mean), built
// from a gather of the target logit and a log-sum-exp rather than a
// log-softmax times a one-hot, which avoids two extra [batch, seq, vocab]
// passes. rim's one loss: CausalLMLoss and rim/finetune's training step use
// it (TestFixtureTrainingParity checks it against transformers).
//
// logits [B,S,V] float32, targets [B,S] int32 → scalar Σ_t −log p(target_t).
func SumTokenLoss(logits, targets *Node) *Node {
	g := logits.Graph()
	dims := logits.Shape().Dimensions
	N, V := dims[0]*dims[1], dims[2]
	lg := Reshape(logits, N, V)
	tg := Reshape(targets, N)
	valid := NotEqual(tg, Const(g, int32(IgnoreIndex)))
	safe := Where(valid, tg, ZerosLike(tg))
	mx := StopGradient(ReduceAndKeep(lg, ReduceMax, -1)) // [N,1]
	sh := Sub(lg, mx)
	lse := Log(ReduceSum(Exp(sh), -1)) // [N]
	rows := Iota(g, shapes.Make(dtypes.Int32, N), 0)
	idx := Add(MulScalar(rows, V), safe)
	picked := Gather(Reshape(sh, N*V), Reshape(idx, N, 1)) // [N]
	tok := Sub(lse, picked)
	return ReduceAllSum(Mul(tok, ConvertDType(valid, dtypes.Float32)))
}

// LoadBalancingLoss is transformers' load_balancing_loss_func with an
// attention mask (Switch Transformer aux loss, not multiplied by
// router_aux_loss_coef): routerLogits are the MoE layers' [B,S,E] logits,
// mask [B,S]. Σ_e tokens_per_expert[k,e]·router_prob_per_expert[e] · E.
func LoadBalancingLoss(routerLogits []*Node, mask *Node, nExperts, topK int) *Node {
	g := mask.Graph()
	m := ConvertDType(mask, dtypes.Float32) // [B,S]
	var cat []*Node
	var masks []*Node
	for _, l := range routerLogits {
		cat = append(cat, l)
		masks = append(masks, m)
	}
	logits := Concatenate(cat, 0) // [L*B,S,E]
	mm := Concatenate(masks, 0)   // [L*B,S]
	probs := Softmax(logits, -1)
	rest := probs
	negInf := Infinity(g, dtypes.Float32, -1)
	mk := InsertAxes(mm, -1)
	var tokens []*Node // per k: [E]
	for i := 0; i < topK; i++ {
		e := ArgMax(rest, -1, dtypes.Int32)
		oh := OneHot(e, nExperts, dtypes.Float32)
		tokens = append(tokens, Div(ReduceSum(Mul(oh, mk), 0, 1), ReduceAllSum(mm)))
		rest = Where(GreaterThan(oh, ScalarZero(g, dtypes.Float32)), negInf, rest)
	}
	probPerExpert := Div(ReduceSum(Mul(probs, mk), 0, 1), ReduceAllSum(mm)) // [E]
	tpe := Stack(tokens, 0)                                                 // [k,E]
	loss := ReduceAllSum(Mul(tpe, InsertAxes(probPerExpert, 0)))
	return MulScalar(loss, float32(nExperts))
}
