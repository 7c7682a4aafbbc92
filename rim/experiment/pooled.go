package experiment

import (
	"github.com/rimlab/rim/rim/analysis/neurons"
	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/hook"
)

// CachedMLPMaxPool returns blocks.L.mlp.hook_post of the model in modelDir (tokenizer: tokenizerDir),
// max-pooled over region (e.g. "user..answer", §7.1) of each conversation — the prompt as the user turn,
// no-think mode, responses[i] (when responses is not nil) as the assistant turn: [layers][samples][dMLP].
// Batches of batch rows; results go through cache c, keyed by model content, prompts, responses and region.
func CachedMLPMaxPool(c *cache.Cache, modelDir, tokenizerDir string, ps []data.Prompt, responses []string, region string, batch int) ([][][]float64, error) {
	id, err := ModelID(modelDir, tokenizerDir)
	if err != nil {
		return nil, err
	}
	dh, err := cache.HashValue([]any{ps, responses})
	if err != nil {
		return nil, err
	}
	key := cache.Key{Kind: "notebooks/mlp-post-maxpool", Model: id, Data: dh, Code: "v1", Params: map[string]string{"region": region, "think": "false"}}
	return cache.Cached(c, key, func() ([][][]float64, error) {
		l, err := Load(modelDir, tokenizerDir, LoadOptions{})
		if err != nil {
			return nil, err
		}
		defer l.Close()
		convs := make([]generate.Conversation, len(ps))
		for i, p := range ps {
			convs[i] = generate.Conversation{Messages: chat.User(p.Text), Think: chat.Bool(false)}
			if responses != nil {
				convs[i].Prefill = responses[i]
			}
		}
		a, err := RegionActs(l.Model, l.Chat, convs, []string{region}, hook.MLPPost, neurons.MaxPool, batch)
		if err != nil {
			return nil, err
		}
		return a[region], nil
	})
}
