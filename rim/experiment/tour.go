package experiment

import (
	"fmt"
	"math"
	"sort"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/tokenize"
)

// Steps of the tour notebook (00): a chat encoded with its regions, one head's pattern, the effect of an
// intervention on the logits, the residual norm per layer. Each is small; they live here so that the
// notebook's cells stay a few calls each.

// EncodeChat renders prompt as one user turn with the generation prompt, think mode on or off, with the
// tokenizer and chat template of tokenizerDir; it returns the tokenizer and the encoding with its regions.
func EncodeChat(tokenizerDir, prompt string, think bool) (*tokenize.Tokenizer, *chat.Encoded, error) {
	tok, tp, err := LoadChatFiles(tokenizerDir)
	if err != nil {
		return nil, nil, err
	}
	e, err := tp.Encode(chat.Wrap(tok), chat.User(prompt), chat.Options{AddGenerationPrompt: true, EnableThinking: chat.Bool(think)})
	return tok, e, err
}

// TokenTexts decodes each id on its own, special tokens kept (an undecodable id is "").
func TokenTexts(tok *tokenize.Tokenizer, ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i], _ = tok.Decode([]int{id}, false)
	}
	return out
}

// HeadPattern is one head's attention pattern [query][key] of batch row 0 from a forward that captured
// hook.Pattern(layer) ([batch, nHeads, seq, keys]).
func HeadPattern(res *model.Result, layer, head int) ([][]float64, error) {
	flat, shape, err := res.Float32(hook.Pattern(layer))
	if err != nil {
		return nil, err
	}
	if head < 0 || head >= shape[1] {
		return nil, fmt.Errorf("experiment: head %d: layer %d has %d heads", head, layer, shape[1])
	}
	S, K := shape[2], shape[3]
	out := make([][]float64, S)
	for q := range out {
		out[q] = make([]float64, K)
		for k := range out[q] {
			out[q][k] = float64(flat[(head*S+q)*K+k])
		}
	}
	return out, nil
}

// TokenLogit is one entry of a top-k list.
type TokenLogit struct {
	ID    int
	Logit float32
}

// TopK returns the k largest entries of row, largest first.
func TopK(row []float32, k int) []TokenLogit {
	ids := make([]int, len(row))
	for i := range ids {
		ids[i] = i
	}
	sort.SliceStable(ids, func(a, b int) bool { return row[ids[a]] > row[ids[b]] })
	out := make([]TokenLogit, min(k, len(ids)))
	for i := range out {
		out[i] = TokenLogit{ids[i], row[ids[i]]}
	}
	return out
}

// LogitShift is how much interventions move the next-token logits of one sequence.
type LogitShift struct {
	MaxDelta      []float64    // per position: max over the vocabulary of |ablated − base|
	Base, Ablated []TokenLogit // the top k next tokens after the last position
}

// ShiftLogits runs ids with and without ivs and compares the logits (the tour's ablation step).
func ShiftLogits(m *model.Model, ids []int, k int, ivs ...hook.Intervention) (*LogitShift, error) {
	in := model.Input{InputIDs: [][]int{ids}}
	var lg [2][]float32
	var shape []int
	for i, opts := range [][]model.Option{nil, {model.WithInterventions(ivs...)}} {
		res, err := m.Forward(in, opts...)
		if err != nil {
			return nil, err
		}
		if lg[i], shape, err = res.Logits(); err != nil {
			return nil, err
		}
	}
	S, V := shape[1], shape[2]
	r := &LogitShift{MaxDelta: make([]float64, S)}
	for s := 0; s < S; s++ {
		for v := 0; v < V; v++ {
			r.MaxDelta[s] = math.Max(r.MaxDelta[s], math.Abs(float64(lg[1][s*V+v]-lg[0][s*V+v])))
		}
	}
	r.Base, r.Ablated = TopK(lg[0][(S-1)*V:], k), TopK(lg[1][(S-1)*V:], k)
	return r, nil
}

// ResidNorms returns ‖resid_post‖ at position pos for every layer, under the given interventions.
func ResidNorms(m *model.Model, ids []int, pos int, ivs ...hook.Intervention) ([]float64, error) {
	var sites []hook.Site
	for l := 0; l < m.Config.NumLayers; l++ {
		sites = append(sites, hook.ResidPost(l))
	}
	res, err := m.Forward(model.Input{InputIDs: [][]int{ids}}, model.Capture(sites...), model.WithInterventions(ivs...))
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(sites))
	for l, s := range sites {
		flat, shape, err := res.Float32(s)
		if err != nil {
			return nil, err
		}
		d := shape[2]
		if pos < 0 || pos >= shape[1] {
			return nil, fmt.Errorf("experiment: position %d outside a sequence of %d", pos, shape[1])
		}
		for _, x := range flat[pos*d : (pos+1)*d] {
			out[l] += float64(x) * float64(x)
		}
		out[l] = math.Sqrt(out[l])
	}
	return out, nil
}
