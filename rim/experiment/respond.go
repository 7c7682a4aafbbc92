package experiment

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/eval/respond"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
)

// ModelID names a model and the tokenizer it is run with by content (cache keys), not by path:
// cache.ModelFingerprint(modelDir) + "+" + the hash of tokenizerDir's tokenizer.json and
// tokenizer_config.json. The tokenizer may live apart from the model (usually tokenizerDir ==
// modelDir, as for the tiny demo model testdata/model/tiny-qwen3).
func ModelID(modelDir, tokenizerDir string) (id string, err error) {
	if modelDir, err = ResolveModelDir(modelDir); err != nil {
		return "", err
	}
	fp, err := cache.ModelFingerprint(modelDir)
	if err != nil {
		return "", err
	}
	if tokenizerDir, err = ResolveTokenizerDir(tokenizerDir); err != nil {
		return "", err
	}
	tk, err := cache.HashFiles(filepath.Join(tokenizerDir, "tokenizer.json"), filepath.Join(tokenizerDir, "tokenizer_config.json"))
	if err != nil {
		return "", fmt.Errorf("experiment: tokenizer %s: %w", tokenizerDir, err)
	}
	return fp + "+" + tk, nil
}

// RespondOptions configures greedy answering (docs/paper.md §4.3).
type RespondOptions struct {
	Think         *bool               // think mode; nil = the template's default
	Prefill       string              // assistant-turn prefill the response continues
	MaxTokens     int                 // new tokens per response (> 0)
	Batch         int                 // prompts per generation batch (> 0)
	Interventions []hook.Intervention // active at every decoding step (e.g. neuron or head ablations)
	// Server, when Enabled, is where Answer and CachedResponses take the responses from (ServerRespond)
	// instead of loading the model; Respond ignores it.
	Server GenServer
}

// Respond answers the prompts greedily with m, the chat template and tokenizer read from tokenizerDir, after
// an optional prefill and with optional interventions. Returns one response per prompt.
func Respond(ctx context.Context, m *model.Model, tokenizerDir string, prompts []string, o RespondOptions) ([]string, error) {
	if err := o.checkSizes(); err != nil {
		return nil, err
	}
	tdir, err := ResolveTokenizerDir(tokenizerDir)
	if err != nil {
		return nil, err
	}
	s := generate.NewModelStepper(m)
	g, err := generate.NewChat(tdir, s, m.Config.MaxPositions)
	if err != nil {
		return nil, err
	}
	return respondWith(ctx, g, s, prompts, o, nil)
}

// Answer answers the prompts greedily (docs/paper.md §4.3) with the model in modelDir, the tokenizer and chat
// template read from tokenizerDir ("" = modelDir): the model mode of rim eval. With o.Server enabled the
// responses come from that server (ServerRespond: modelDir is not read, and interventions or a prefill are
// errors naming the setting); else the model is loaded (Load) and run in rim's engine with o.Interventions
// active at every decoding step, then closed. onBatch (may be nil) is called with 0 done before the first
// response is asked for, then after each batch of rim's engine with the responses done and the total.
func Answer(ctx context.Context, modelDir, tokenizerDir string, prompts []string, o RespondOptions, onBatch func(done, total int)) ([]string, error) {
	if onBatch != nil {
		onBatch(0, len(prompts))
	}
	if o.Server.Enabled() {
		return ServerRespond(ctx, o.Server, or(tokenizerDir, modelDir), prompts, o)
	}
	if err := o.checkSizes(); err != nil {
		return nil, err
	}
	l, err := Load(modelDir, tokenizerDir, LoadOptions{})
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return respondWith(ctx, l.Chat, l.Stepper, prompts, o, onBatch)
}

// checkSizes rejects a max tokens or batch size ≤ 0.
func (o RespondOptions) checkSizes() error {
	if o.MaxTokens <= 0 || o.Batch <= 0 {
		return fmt.Errorf("experiment: respond: max tokens %d and batch %d must be positive", o.MaxTokens, o.Batch)
	}
	return nil
}

// respondWith answers with g, whose stepper s gets o's interventions first.
func respondWith(ctx context.Context, g *generate.Chat, s *generate.ModelStepper, prompts []string, o RespondOptions, onBatch func(done, total int)) ([]string, error) {
	for _, iv := range o.Interventions {
		s.Interventions = append(s.Interventions, generate.ScopedIntervention{Intervention: iv})
	}
	r := &respond.Model{Chat: g, MaxTokens: o.MaxTokens, Batch: o.Batch, Think: o.Think, Prefill: o.Prefill, OnBatch: onBatch}
	return r.Respond(ctx, prompts)
}

// CachedResponses is Respond for data prompts with the model in modelDir, through cache c: the key holds
// ModelID(modelDir, tokenizerDir), the prompts, the interventions, think mode, prefill and max tokens (not
// the batch size, which does not change greedy outputs). The model is loaded only on a cache miss.
//
// With o.Server enabled the responses come from that server (ServerRespond) and the key holds its URL and
// model name instead of ModelID (modelDir is not read: the server serves it), so that responses of rim's
// engine and of a server are never mixed up.
func CachedResponses(c *cache.Cache, modelDir, tokenizerDir string, ps []data.Prompt, o RespondOptions) ([]string, error) {
	dh, err := cache.HashValue(ps)
	if err != nil {
		return nil, err
	}
	if o.Server.Enabled() {
		return cachedServerResponses(c, o.Server, tokenizerDir, texts(ps), o, dh)
	}
	id, err := ModelID(modelDir, tokenizerDir)
	if err != nil {
		return nil, err
	}
	ih, err := cache.HashValue(o.Interventions)
	if err != nil {
		return nil, err
	}
	key := cache.Key{Kind: "notebooks/responses", Model: id, Data: dh, Code: "v1", Intervention: ih,
		Params: map[string]string{"think": thinkParam(o.Think), "prefill": o.Prefill, "max_tokens": strconv.Itoa(o.MaxTokens)}}
	return cache.Cached(c, key, func() ([]string, error) {
		return Answer(context.Background(), modelDir, tokenizerDir, texts(ps), o, nil)
	})
}

// GradeAll grades each response against its gold answer with eval.Grader (GSM8K-style final-answer match,
// §4.3 math accuracy): one Grade per response.
func GradeAll(responses, golds []string) ([]eval.Grade, error) {
	if len(responses) != len(golds) {
		return nil, fmt.Errorf("experiment: grade: %d responses for %d gold answers", len(responses), len(golds))
	}
	gs := make([]eval.Grade, len(responses))
	for i, r := range responses {
		gs[i] = eval.Grader{}.Grade(r, golds[i])
	}
	return gs, nil
}
