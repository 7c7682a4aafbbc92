package finetune

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"

	"github.com/rimlab/rim/rim/finetune/sft"
)

// sumTokenLoss is the causal-LM cross-entropy summed over counted tokens,
// with targets already shifted on the host (targets[b,t] = labels[b,t+1],
// -100 at the last position and wherever no loss is taken): the same tokens
// and terms as transformers' ForCausalLMLoss (which takes their mean), but
// built from a gather of the target logit and a log-sum-exp instead of a
// one-hot product, which avoids two extra [batch, seq, vocab] passes and a
// slice copy of the logits (rim/model.CausalLMLoss is the readable
// reference; TestFixtureTrainingParity checks both agree with transformers).
//
// logits [B,S,V] float32, targets [B,S] int32 → scalar Σ_t −log p(target_t).
func sumTokenLoss(logits, targets *graph.Node) *graph.Node {
	g := logits.Graph()
	dims := logits.Shape().Dimensions
	N, V := dims[0]*dims[1], dims[2]
	lg := graph.Reshape(logits, N, V)
	tg := graph.Reshape(targets, N)
	valid := graph.NotEqual(tg, graph.Const(g, int32(sft.IgnoreIndex)))
	safe := graph.Where(valid, tg, graph.ZerosLike(tg))
	mx := graph.StopGradient(graph.ReduceAndKeep(lg, graph.ReduceMax, -1)) // [N,1]
	sh := graph.Sub(lg, mx)
	lse := graph.Log(graph.ReduceSum(graph.Exp(sh), -1)) // [N]
	rows := graph.Iota(g, shapes.Make(dtypes.Int32, N), 0)
	idx := graph.Add(graph.MulScalar(rows, V), safe)
	picked := graph.Gather(graph.Reshape(sh, N*V), graph.Reshape(idx, N, 1)) // [N]
	tok := graph.Sub(lse, picked)
	return graph.ReduceAllSum(graph.Mul(tok, graph.ConvertDType(valid, dtypes.Float32)))
}
