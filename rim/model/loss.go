package model

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
)

// IgnoreIndex is the label value excluded from the loss (HF -100).
const IgnoreIndex = -100

// CausalLMLoss is transformers' ForCausalLMLoss: logits [B,S,V] at position
// t predict labels[t+1] (HF shifts internally); labels == -100 are ignored;
// the mean over counted tokens, in float32. labels [B,S] int32.
func CausalLMLoss(logits, labels *Node) *Node {
	S, V := logits.Shape().Dimensions[1], logits.Shape().Dimensions[2]
	g := logits.Graph()
	lg := Slice(logits, AxisRange(), AxisRange(0, S-1), AxisRange())
	lb := ConvertDType(Slice(labels, AxisRange(), AxisRange(1, S)), dtypes.Int32) // [B,S-1]
	valid := NotEqual(lb, Const(g, int32(IgnoreIndex)))
	safe := Where(valid, lb, ZerosLike(lb))
	logp := LogSoftmax(lg, -1)
	oh := StopGradient(OneHot(safe, V, dtypes.Float32))
	picked := ReduceSum(Mul(logp, oh), -1) // [B,S-1]
	vf := ConvertDType(valid, dtypes.Float32)
	return Neg(Div(ReduceAllSum(Mul(picked, vf)), ReduceAllSum(vf)))
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
