package experiment

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/probe"
	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/hook"
)

// texts returns the prompts' texts.
func texts(ps []data.Prompt) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Text
	}
	return out
}

// PooledMLP is CachedMLPMaxPool with the settings' tokenizer and batch: blocks.L.mlp.hook_post of the model
// in dir max-pooled over region of each no-think conversation (rs, when not nil, as the responses).
func (s Settings) PooledMLP(dir string, ps []data.Prompt, rs []string, region string) ([][][]float64, error) {
	c, err := cache.Default()
	if err != nil {
		return nil, err
	}
	return CachedMLPMaxPool(c, dir, s.TokenizerDir(), ps, rs, region, s.Batch)
}

// SafetyNeurons identifies A_safe (docs/paper.md §7.1) on n HEx-PHI requests and their HEx-PHI-MI
// counterfactuals: the model's own no-think responses, mlp.hook_post max-pooled over request + response
// ("user..answer"), IdentifySafetyNeurons with m = TopM and q = Q (falling back to 0.9, 0.75, 0.5 when empty).
func (s Settings) SafetyNeurons(n int) (*SafetyNeurons, error) {
	orig, err := s.Harmful(n)
	if err != nil {
		return nil, err
	}
	cf, err := data.WithIntent(orig, false)
	if err != nil {
		return nil, err
	}
	var pooled [2][][][]float64
	for i, ps := range [][]data.Prompt{orig, cf} {
		rs, err := s.Responses(s.ModelDir(), ps, chat.Bool(false), "")
		if err != nil {
			return nil, err
		}
		if pooled[i], err = s.PooledMLP(s.ModelDir(), ps, rs, "user..answer"); err != nil {
			return nil, err
		}
	}
	return IdentifySafetyNeurons(pooled[0], pooled[1], s.TopM, s.Q)
}

// NextTokenKL is the mean KL(intact ‖ intervened) of the next-token distribution after each prompt with the
// settings' model (the package-level NextTokenKL: no-think, one left-padded batch; docs/paper.md §7.2).
func (s Settings) NextTokenKL(ps []data.Prompt, ivs []hook.Intervention) (float64, error) {
	l, err := Load(s.ModelDir(), s.TokenizerDir(), LoadOptions{})
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return NextTokenKL(l.Model, l.Chat, texts(ps), ivs)
}

// PromptLogits returns, per prompt, the logits of the model in dir over the prompt's tokens (the
// package-level PromptLogits) and the vocabulary size.
func (s Settings) PromptLogits(dir string, ps []data.Prompt) ([][]float32, int, error) {
	l, err := Load(dir, s.TokenizerDir(), LoadOptions{})
	if err != nil {
		return nil, 0, err
	}
	defer l.Close()
	out, err := PromptLogits(l.Model, l.Chat, texts(ps))
	return out, l.Model.Config.Vocab, err
}

// HeadSamples is the package-level HeadSamples for the settings' model through rim/cache: each prompt's
// first-generated-token attention rows in think or no-think mode (docs/paper.md §6.2).
func (s Settings) HeadSamples(ps []data.Prompt, think bool) ([]heads.Sample, error) {
	id, err := s.ID(s.ModelDir())
	if err != nil {
		return nil, err
	}
	dh, err := cache.HashValue(ps)
	if err != nil {
		return nil, err
	}
	c, err := cache.Default()
	if err != nil {
		return nil, err
	}
	key := cache.Key{Kind: "notebooks/first-token-attention", Model: id, Data: dh, Code: "v1", Params: map[string]string{"think": strconv.FormatBool(think)}}
	return cache.Cached(c, key, func() ([]heads.Sample, error) {
		l, err := Load(s.ModelDir(), s.TokenizerDir(), LoadOptions{})
		if err != nil {
			return nil, err
		}
		defer l.Close()
		return HeadSamples(l.Model, l.Chat, texts(ps), think, s.Batch)
	})
}

// Calibration returns the refusal-head calibration samples (docs/paper.md §6.2): the harmful prompts of the
// probe set's training split (n per side), in think and in no-think mode.
func (s Settings) Calibration(n int) (think, noThink []heads.Sample, err error) {
	set, nTrain, _, err := s.ProbeSet(n)
	if err != nil {
		return nil, nil, err
	}
	var ps []data.Prompt
	for _, p := range set[:nTrain] {
		if p.Harmful {
			ps = append(ps, p.Prompt)
		}
	}
	if think, err = s.HeadSamples(ps, true); err != nil {
		return nil, nil, err
	}
	noThink, err = s.HeadSamples(ps, false)
	return think, noThink, err
}

// ResidByRegion returns hook_resid_post of the settings' model mean-pooled over each named region of each
// prompt of set (no-think mode; docs/paper.md §6.1): [region][layer][sample][dModel], through rim/cache,
// with ivs active (e.g. head ablations, Fig 5).
func (s Settings) ResidByRegion(set []data.Labeled, regions []string, ivs ...hook.Intervention) (map[string][][][]float64, error) {
	convs := make([]generate.Conversation, len(set))
	for i, p := range set {
		convs[i] = generate.Conversation{Messages: chat.User(p.Text), Think: chat.Bool(false)}
	}
	return s.ResidByRegionConvs(convs, regions, ivs...)
}

// ResidByRegionConvs is ResidByRegion for any conversations (e.g. think mode with the model's own reasoning
// as the prefill, Fig 3a), through rim/cache keyed by the conversations.
func (s Settings) ResidByRegionConvs(convs []generate.Conversation, regions []string, ivs ...hook.Intervention) (map[string][][][]float64, error) {
	id, err := s.ID(s.ModelDir())
	if err != nil {
		return nil, err
	}
	dh, err := cache.HashValue(convs)
	if err != nil {
		return nil, err
	}
	ih, err := cache.HashValue(ivs)
	if err != nil {
		return nil, err
	}
	c, err := cache.Default()
	if err != nil {
		return nil, err
	}
	key := cache.Key{Kind: "notebooks/resid-post-by-region", Model: id, Data: dh, Code: "v2", Intervention: ih,
		Params: map[string]string{"regions": strings.Join(regions, ",")}}
	return cache.Cached(c, key, func() (map[string][][][]float64, error) {
		l, err := Load(s.ModelDir(), s.TokenizerDir(), LoadOptions{})
		if err != nil {
			return nil, err
		}
		defer l.Close()
		return RegionActs(l.Model, l.Chat, convs, regions, hook.ResidPost, probe.PoolMean, s.Batch, ivs...)
	})
}

// ParseHeads reads "L0-H1,L1-H2" (RIM_HEADS) into heads.
func ParseHeads(v string) ([]heads.Head, error) {
	var out []heads.Head
	for _, name := range strings.Split(v, ",") {
		var h heads.Head
		if _, err := fmt.Sscanf(strings.TrimSpace(name), "L%d-H%d", &h.Layer, &h.Head); err != nil {
			return nil, fmt.Errorf("RIM_HEADS: %q: want L<layer>-H<head>", name)
		}
		out = append(out, h)
	}
	return out, nil
}

// Flat turns [layers][samples][d] into [samples][layers·d] (the RAS dimension index l·d + j, neurons.Flat's).
func Flat(a [][][]float64) [][]float64 {
	if len(a) == 0 {
		return nil
	}
	out := make([][]float64, len(a[0]))
	for _, layer := range a {
		for k, v := range layer {
			out[k] = append(out[k], v...)
		}
	}
	return out
}
