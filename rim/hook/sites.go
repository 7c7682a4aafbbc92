package hook

// Every hook site, its name, scope and shape. B = batch, S = query positions,
// K = key positions (S, or the cache length in a decode step).
const (
	PointEmbed        Point = iota // hook_embed                        [B,S,dModel]
	PointResidPre                  // blocks.L.hook_resid_pre           [B,S,dModel]
	PointResidMid                  // blocks.L.hook_resid_mid           [B,S,dModel]
	PointResidPost                 // blocks.L.hook_resid_post          [B,S,dModel]
	PointQ                         // blocks.L.attn.hook_q  (after q-norm, before RoPE) [B,S,nHeads,dHead]
	PointK                         // blocks.L.attn.hook_k  (after k-norm, before RoPE) [B,S,nKVHeads,dHead]
	PointV                         // blocks.L.attn.hook_v              [B,S,nKVHeads,dHead]
	PointAttnScores                // blocks.L.attn.hook_attn_scores (scaled, masked, pre-softmax) [B,nHeads,S,K]
	PointPattern                   // blocks.L.attn.hook_pattern (softmax probabilities) [B,nHeads,S,K]
	PointZ                         // blocks.L.attn.hook_z (input of o_proj, per head) [B,S,nHeads,dHead]
	PointAttnOut                   // blocks.L.hook_attn_out (o_proj output; olmo2: before post-norm) [B,S,dModel]
	PointMLPPre                    // blocks.L.mlp.hook_pre (gate pre-activation)  [B,S,dMLP]
	PointMLPPost                   // blocks.L.mlp.hook_post (act(gate)*up = input of down_proj) [B,S,dMLP]
	PointMLPOut                    // blocks.L.hook_mlp_out (MLP or MoE output; olmo2: before post-norm) [B,S,dModel]
	PointRouterLogits              // blocks.L.moe.hook_router_logits   [B,S,nExperts]
	PointRouterProbs               // blocks.L.moe.hook_router_probs (softmax, float32) [B,S,nExperts]
	PointTopKExperts               // blocks.L.moe.hook_topk_experts (int32, decreasing) [B,S,k]
	PointTopKWeights               // blocks.L.moe.hook_topk_weights (applied weights) [B,S,k]
	PointMoEOut                    // blocks.L.moe.hook_out             [B,S,dModel]
	PointExpertPost                // blocks.L.moe.experts.E.hook_post (expert neurons, every token) [B,S,dExpert]
	PointLnFinal                   // ln_final.hook_normalized          [B,S,dModel]
	PointLogits                    // logits                            [B,S,vocab]
	numPoints
)

type scope uint8

const (
	scopeGlobal scope = iota
	scopeLayer
	scopeExpert
)

type shapeKind uint8

const (
	shD shapeKind = iota
	shQ
	shKV
	shAttn
	shMLP
	shExperts
	shTopK
	shExpert
	shVocab
)

type pointDef struct {
	name  string
	scope scope
	shape shapeKind
	moe   bool // only in MoE layers
	dense bool // only in dense-MLP layers
}

var points = [numPoints]pointDef{
	PointEmbed:        {"hook_embed", scopeGlobal, shD, false, false},
	PointResidPre:     {"hook_resid_pre", scopeLayer, shD, false, false},
	PointResidMid:     {"hook_resid_mid", scopeLayer, shD, false, false},
	PointResidPost:    {"hook_resid_post", scopeLayer, shD, false, false},
	PointQ:            {"attn.hook_q", scopeLayer, shQ, false, false},
	PointK:            {"attn.hook_k", scopeLayer, shKV, false, false},
	PointV:            {"attn.hook_v", scopeLayer, shKV, false, false},
	PointAttnScores:   {"attn.hook_attn_scores", scopeLayer, shAttn, false, false},
	PointPattern:      {"attn.hook_pattern", scopeLayer, shAttn, false, false},
	PointZ:            {"attn.hook_z", scopeLayer, shQ, false, false},
	PointAttnOut:      {"hook_attn_out", scopeLayer, shD, false, false},
	PointMLPPre:       {"mlp.hook_pre", scopeLayer, shMLP, false, true},
	PointMLPPost:      {"mlp.hook_post", scopeLayer, shMLP, false, true},
	PointMLPOut:       {"hook_mlp_out", scopeLayer, shD, false, false},
	PointRouterLogits: {"moe.hook_router_logits", scopeLayer, shExperts, true, false},
	PointRouterProbs:  {"moe.hook_router_probs", scopeLayer, shExperts, true, false},
	PointTopKExperts:  {"moe.hook_topk_experts", scopeLayer, shTopK, true, false},
	PointTopKWeights:  {"moe.hook_topk_weights", scopeLayer, shTopK, true, false},
	PointMoEOut:       {"moe.hook_out", scopeLayer, shD, true, false},
	PointExpertPost:   {"hook_post", scopeExpert, shExpert, true, false},
	PointLnFinal:      {"ln_final.hook_normalized", scopeGlobal, shD, false, false},
	PointLogits:       {"logits", scopeGlobal, shVocab, false, false},
}

func global(p Point) Site       { return Site{Point: p, Layer: -1, Expert: -1} }
func layer(p Point, L int) Site { return Site{Point: p, Layer: L, Expert: -1} }

// Global sites.
var (
	Embed   = global(PointEmbed)
	LnFinal = global(PointLnFinal)
	Logits  = global(PointLogits)
)

func ResidPre(L int) Site     { return layer(PointResidPre, L) }
func ResidMid(L int) Site     { return layer(PointResidMid, L) }
func ResidPost(L int) Site    { return layer(PointResidPost, L) }
func Q(L int) Site            { return layer(PointQ, L) }
func K(L int) Site            { return layer(PointK, L) }
func V(L int) Site            { return layer(PointV, L) }
func AttnScores(L int) Site   { return layer(PointAttnScores, L) }
func Pattern(L int) Site      { return layer(PointPattern, L) }
func Z(L int) Site            { return layer(PointZ, L) }
func AttnOut(L int) Site      { return layer(PointAttnOut, L) }
func MLPPre(L int) Site       { return layer(PointMLPPre, L) }
func MLPPost(L int) Site      { return layer(PointMLPPost, L) }
func MLPOut(L int) Site       { return layer(PointMLPOut, L) }
func RouterLogits(L int) Site { return layer(PointRouterLogits, L) }
func RouterProbs(L int) Site  { return layer(PointRouterProbs, L) }
func TopKExperts(L int) Site  { return layer(PointTopKExperts, L) }
func TopKWeights(L int) Site  { return layer(PointTopKWeights, L) }
func MoEOut(L int) Site       { return layer(PointMoEOut, L) }

// ExpertPost is expert e's neurons in layer L (input of its down projection).
func ExpertPost(L, e int) Site { return Site{Point: PointExpertPost, Layer: L, Expert: e} }

// AllPoints lists every point (for documentation and fuzzing).
func AllPoints() []Point {
	ps := make([]Point, numPoints)
	for i := range ps {
		ps[i] = Point(i)
	}
	return ps
}
