package experiment

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/tokenize"
)

// SFTExamples turns GSM8K-style problems into the math SFT set (docs/paper.md §5.3): user question → assistant
// worked solution ending "\n#### answer", rendered with the chat template and tokenizer of tokenizerDir,
// truncated to maxLen tokens. One example per problem.
func SFTExamples(ps []data.Problem, tokenizerDir string, maxLen int) ([]sft.Example, error) {
	recs := make([]sft.Record, len(ps))
	for i, p := range ps {
		if p.Question == "" {
			return nil, fmt.Errorf("experiment: sft: problem %d (%s) has no question", i, p.ID)
		}
		recs[i].Messages = []chat.Message{{Role: "user", Content: p.Question}, {Role: "assistant", Content: p.Solution + "\n#### " + p.Answer}}
	}
	tok, err := tokenize.Load(tokenizerDir)
	if err != nil {
		return nil, err
	}
	tmpl, err := chat.LoadTemplate(tokenizerDir)
	if err != nil {
		return nil, err
	}
	exs, _, err := sft.Build(recs, tmpl, chat.Wrap(tok), sft.Options{MaxLen: maxLen, Policy: "truncate"})
	return exs, err
}

// TrainOnce fine-tunes the model in modelDir on exs with cfg (§5.3, LoRA SFT) and exports the merged model,
// once: the run lives under c's runs/<key> (key: ModelID(modelDir, tokenizerDir), finetune.Fingerprint(exs),
// cfg), and a later call with the same inputs reuses it. Returns the merged model dir and the loss history
// (one entry per optimizer step). onStep, when not nil, is called after each step of a fresh run.
func TrainOnce(c *cache.Cache, modelDir, tokenizerDir string, exs []sft.Example, cfg finetune.Config, onStep func(finetune.Entry)) (string, []finetune.Entry, error) {
	id, err := ModelID(modelDir, tokenizerDir)
	if err != nil {
		return "", nil, err
	}
	ch, err := cache.HashValue(cfg)
	if err != nil {
		return "", nil, err
	}
	key := cache.Key{Kind: "notebooks/finetune", Model: id, Data: finetune.Fingerprint(exs), Code: "v1", Params: map[string]string{"config": ch}}
	dir := filepath.Join(c.Dir(), "runs", key.Hash())
	merged := filepath.Join(dir, "merged")
	if _, err := os.Stat(filepath.Join(merged, "config.json")); err != nil {
		if err := train(modelDir, dir, merged, exs, cfg, onStep); err != nil {
			return "", nil, err
		}
	}
	latest, err := os.ReadFile(filepath.Join(dir, finetune.LatestFile))
	if err != nil {
		return "", nil, err
	}
	var st finetune.State
	b, err := os.ReadFile(filepath.Join(dir, strings.TrimSpace(string(latest)), finetune.StateFile))
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	return merged, st.History, err
}

// train runs the fine-tuning into dir and exports the merged model to merged.
func train(modelDir, dir, merged string, exs []sft.Example, cfg finetune.Config, onStep func(finetune.Entry)) error {
	m, err := model.Load(modelDir, model.Options{})
	if err != nil {
		return err
	}
	defer m.Close()
	tr, err := finetune.New(m, exs, m.Config.PadID(), cfg)
	if err != nil {
		return err
	}
	tr.OnStep = onStep
	if _, err := tr.Prepare(dir, false, true); err != nil {
		return err
	}
	if err := tr.Run(dir); err != nil {
		return err
	}
	if err := os.RemoveAll(merged); err != nil { // a half-exported dir from an interrupted run
		return err
	}
	return tr.ExportMerged(merged)
}
