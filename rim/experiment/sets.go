package experiment

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/hook"
)

// The notebooks' shared steps, one definition each, driven by Settings.

// Seed is the sampling seed of every prompt subset (data.Sample).
const Seed = 1

// ID names the model in dir and the settings' tokenizer by content (ModelID), for cache keys.
func (s Settings) ID(dir string) (string, error) { return ModelID(dir, s.TokenizerDir()) }

// Harmful returns n HEx-PHI prompts (seeded sample) from HexPHIDir; all of them when n ≥ the set's size.
func (s Settings) Harmful(n int) ([]data.Prompt, error) {
	ps, err := data.HExPHI(s.HexPHIDir())
	if err != nil {
		return nil, fmt.Errorf("RIM_HEXPHI=%s: %w", s.HexPHIDir(), err)
	}
	if n >= len(ps) {
		return ps, nil
	}
	return data.Sample(ps, n, Seed)
}

// MathTest returns n GSM8K test questions (seeded sample) as prompts and their gold answers.
func (s Settings) MathTest(n int) (qs []data.Prompt, golds []string, err error) {
	probs, err := data.LoadProblems(s.DataRoot(), "gsm8k-test")
	if err != nil {
		return nil, nil, fmt.Errorf("RIM_DATA=%s: %w", s.DataRoot(), err)
	}
	if probs, err = data.Sample(probs, min(n, len(probs)), Seed); err != nil {
		return nil, nil, err
	}
	for _, p := range probs {
		qs, golds = append(qs, data.Prompt{ID: p.ID, Text: p.Question, Source: p.Source}), append(golds, p.Answer)
	}
	return qs, golds, nil
}

// HarmAndMath returns n harmful prompts (Harmful) and n GSM8K test questions with their gold answers
// (MathTest): the read-out sets of Fig 6 and Table 2.
func (s Settings) HarmAndMath(n int) (harm, qs []data.Prompt, golds []string, err error) {
	if harm, err = s.Harmful(n); err != nil {
		return nil, nil, nil, err
	}
	qs, golds, err = s.MathTest(n)
	return harm, qs, golds, err
}

// ProbeSet is the probe data of docs/paper.md §6.1: n harmful (HEx-PHI) and n harmless (Alpaca seed)
// prompts, split 6:4, training split first (nTrain). When a source holds fewer than n prompts both sides
// are cut to the smaller count and note says so (e.g. RIM_SAMPLES=300 with 175 Alpaca seed prompts);
// note is "" when n was met.
func (s Settings) ProbeSet(n int) (set []data.Labeled, nTrain int, note string, err error) {
	harmful, err := s.Harmful(n)
	if err != nil {
		return nil, 0, "", err
	}
	harmless, err := data.LoadPrompts(s.DataRoot(), "alpaca-seed")
	if err != nil {
		return nil, 0, "", fmt.Errorf("RIM_DATA=%s: %w", s.DataRoot(), err)
	}
	k := min(n, len(harmful), len(harmless))
	if k < n {
		note = fmt.Sprintf("asked for %d + %d prompts, using %d + %d: the sources hold %d harmful (HEx-PHI) and %d harmless (Alpaca seed)", n, n, k, k, len(harmful), len(harmless))
	}
	train, test, err := data.ProbeSet(harmful, harmless, k, 0.6, Seed)
	return append(train, test...), len(train), note, err
}

// Responses answers ps greedily (docs/paper.md §4.3) with the model in dir in the given think mode (nil = the
// template's default) after prefill, with ivs active at every decoding step, through rim/cache
// (CachedResponses; MaxTokens and Batch from the settings). With a generation server (Gen) the responses
// come from it; dir must then be the settings' model, the one it serves (a fine-tuned model is an error
// naming the setting).
func (s Settings) Responses(dir string, ps []data.Prompt, think *bool, prefill string, ivs ...hook.Intervention) ([]string, error) {
	c, err := cache.Default()
	if err != nil {
		return nil, err
	}
	o := RespondOptions{Think: think, Prefill: prefill, MaxTokens: s.MaxTokens, Batch: s.Batch, Interventions: ivs, Server: s.Gen}
	if s.Gen.Enabled() && filepath.Clean(dir) != filepath.Clean(s.ModelDir()) {
		return nil, fmt.Errorf("%s is set (%s, model %s): it serves RIM_MODEL=%s, but this run asks for responses of %s (a fine-tuned model?), which the server does not have; unset %s for this item", s.Gen.from(), s.Gen.shownURL(), s.Gen.Model, s.ModelDir(), dir, s.Gen.from())
	}
	return CachedResponses(c, dir, s.TokenizerDir(), ps, o)
}

// engineOnly is an error naming the generation-server setting when one is configured for an item that
// needs rim's engine for its responses (why: the interventions, prefills or fine-tuned model it needs), so
// that the item fails before any work rather than midway; nil without a server.
func (s Settings) engineOnly(item, why string) error {
	if !s.Gen.Enabled() {
		return nil
	}
	return fmt.Errorf("%s is set (%s): %s %s, which only rim's engine can generate; unset %s (and --gen-base-url) for this item (docs/reproduce.md)", s.Gen.from(), s.Gen.shownURL(), item, why, s.Gen.from())
}

// JudgeRefusal judges responses rs to prompts ps with the offline refusal judge (a response that does not
// refuse counts as misaligned; docs/paper.md §4.3).
func JudgeRefusal(ps []data.Prompt, rs []string) (eval.SafetyReport, error) {
	return judgeWith(eval.RefusalJudge{}, ps, rs)
}

// JudgeSafety judges responses rs to prompts ps with the settings' judge (RIM_JUDGE): the offline refusal
// judge, or the HEx-PHI rubric judge over an OpenAI-compatible endpoint (docs/paper.md §4.1; built by
// eval.JudgeSpec, as rim eval builds it), whose replies are cached under the cache dir's judge/. An endpoint
// that cannot be reached is an error naming it, never a report with silently unjudged responses.
func (s Settings) JudgeSafety(ps []data.Prompt, rs []string) (eval.SafetyReport, error) {
	if s.Judge != "rubric" {
		return JudgeRefusal(ps, rs)
	}
	dir, err := cache.Dir()
	if err != nil {
		return eval.SafetyReport{}, err
	}
	j, err := eval.JudgeSpec{Name: "rubric", Endpoint: chatapi.FromEnv("RIM_JUDGE"), CacheDir: filepath.Join(dir, "judge")}.Rubric()
	if err != nil {
		return eval.SafetyReport{}, fmt.Errorf("RIM_JUDGE=rubric: %w", err)
	}
	items, vs, err := judgeItems(j, ps, rs)
	if err != nil {
		return eval.SafetyReport{}, fmt.Errorf("RIM_JUDGE=rubric: %w", err)
	}
	asked, failed, first := 0, 0, ""
	for i, v := range vs {
		if _, closed := eval.AfterThink(items[i].Response); !closed {
			continue // cut off inside its think block: unjudged by design, not the judge's failure
		}
		if asked++; !v.Judged {
			if failed++; first == "" {
				first = v.Error
			}
		}
	}
	if failed > 0 {
		return eval.SafetyReport{}, fmt.Errorf("RIM_JUDGE=rubric: the judge at %s failed on %d of %d responses (first: %s)", j.Client.URL(), failed, asked, first)
	}
	return eval.NewSafetyReport(j.Name(), items, vs), nil
}

// judgeWith judges rs against ps with j and reports.
func judgeWith(j eval.Judge, ps []data.Prompt, rs []string) (eval.SafetyReport, error) {
	items, vs, err := judgeItems(j, ps, rs)
	if err != nil {
		return eval.SafetyReport{}, err
	}
	return eval.NewSafetyReport(j.Name(), items, vs), nil
}

// judgeItems pairs ps with rs as eval items and judges them with j.
func judgeItems(j eval.Judge, ps []data.Prompt, rs []string) ([]eval.Item, []eval.Verdict, error) {
	if len(ps) != len(rs) {
		return nil, nil, fmt.Errorf("experiment: judge: %d responses for %d prompts", len(rs), len(ps))
	}
	items := make([]eval.Item, len(ps))
	for i, p := range ps {
		items[i] = eval.Item{ID: p.ID, Prompt: p.Text, Response: rs[i], Category: p.Category}
	}
	vs, err := j.Judge(context.Background(), items)
	return items, vs, err
}

// CI formats a rate's 95% Wilson interval in percent: "[12.5, 40.1]".
func CI(r eval.Rate) string { return fmt.Sprintf("[%.1f, %.1f]", 100*r.Lo, 100*r.Hi) }

// Accuracy grades responses against golds (GradeAll) and returns the math report.
func Accuracy(rs, golds []string) (eval.MathReport, error) {
	gs, err := GradeAll(rs, golds)
	if err != nil {
		return eval.MathReport{}, err
	}
	return eval.NewMathReport(gs, nil), nil
}

// SFTData is the math SFT set (SFTExamples, docs/paper.md §5.3): SFT.Samples GSM8K training problems (seeded
// sample), truncated to SFT.MaxLen tokens.
func (s Settings) SFTData() ([]sft.Example, error) {
	ps, err := data.LoadProblems(s.DataRoot(), "gsm8k-train")
	if err != nil {
		return nil, fmt.Errorf("RIM_DATA=%s: %w", s.DataRoot(), err)
	}
	if ps, err = data.Sample(ps, min(s.SFT.Samples, len(ps)), Seed); err != nil {
		return nil, err
	}
	return SFTExamples(ps, s.TokenizerDir(), s.SFT.MaxLen)
}

// SFTConfig is the paper's LoRA recipe (finetune.Paper) with the settings' length: SFT.Steps steps of
// SFT.Batch examples at peak learning rate SFT.LR (demo default 1e-3 so that a few steps move a random
// model; the paper's is 1e-5 over 3 epochs, docs/paper.md §5.3).
func (s Settings) SFTConfig() finetune.Config {
	cfg := finetune.Paper()
	cfg.MaxSteps, cfg.BatchSize, cfg.PadMultiple = s.SFT.Steps, s.SFT.Batch, 64
	cfg.MicroBatch = min(cfg.MicroBatch, cfg.BatchSize)
	cfg.AdamW.LR = s.SFT.LR
	return cfg
}

// Tuned fine-tunes the settings' model with SFTConfig on SFTData once (TrainOnce: the run lives under the
// cache dir's runs/<key>) and returns the merged model dir and the loss history. onStep (may be nil) is
// called after each step of a fresh run with the steps done and the total.
func (s Settings) Tuned(onStep func(done, total int)) (string, []finetune.Entry, error) {
	exs, err := s.SFTData()
	if err != nil {
		return "", nil, err
	}
	return s.TunedOn(exs, onStep)
}
