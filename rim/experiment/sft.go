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
	return recordExamples(recs, tokenizerDir, maxLen)
}

// recordExamples renders chat SFT records with the chat template and tokenizer of tokenizerDir, loss on the
// assistant tokens, truncated to maxLen tokens.
func recordExamples(recs []sft.Record, tokenizerDir string, maxLen int) ([]sft.Example, error) {
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
// once: the run lives under c's runs/<key> (RunDir), and a later call with the same inputs reuses it.
// Returns the merged model dir and the loss history (one entry per optimizer step). onStep, when not nil,
// is called after each step of a fresh run.
func TrainOnce(c *cache.Cache, modelDir, tokenizerDir string, exs []sft.Example, cfg finetune.Config, onStep func(finetune.Entry)) (string, []finetune.Entry, error) {
	dir, err := RunDir(c, modelDir, tokenizerDir, exs, cfg)
	if err != nil {
		return "", nil, err
	}
	merged := filepath.Join(dir, "merged")
	if _, err := os.Stat(filepath.Join(merged, "config.json")); err != nil {
		if err := train(modelDir, dir, merged, exs, cfg, nil, onStep); err != nil {
			return "", nil, err
		}
	}
	hist, err := RunHistory(dir)
	return merged, hist, err
}

// RunDir is the folder of TrainOnce's run of modelDir on exs with cfg: c's runs/<key>, key: ModelID(modelDir,
// tokenizerDir), finetune.Fingerprint(exs), cfg.
func RunDir(c *cache.Cache, modelDir, tokenizerDir string, exs []sft.Example, cfg finetune.Config) (string, error) {
	id, err := ModelID(modelDir, tokenizerDir)
	if err != nil {
		return "", err
	}
	ch, err := cache.HashValue(cfg)
	if err != nil {
		return "", err
	}
	key := cache.Key{Kind: "notebooks/finetune", Model: id, Data: finetune.Fingerprint(exs), Code: "v1", Params: map[string]string{"config": ch}}
	return filepath.Join(c.Dir(), "runs", key.Hash()), nil
}

// RunHistory is the loss history (one entry per optimiser step) of the fine-tuning run in dir, read from
// its latest checkpoint's trainer state.
func RunHistory(dir string) ([]finetune.Entry, error) {
	latest, err := os.ReadFile(filepath.Join(dir, finetune.LatestFile))
	if err != nil {
		return nil, err
	}
	var st finetune.State
	b, err := os.ReadFile(filepath.Join(dir, strings.TrimSpace(string(latest)), finetune.StateFile))
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	return st.History, err
}

// train runs the fine-tuning into dir (a fresh run), with hooks (may be nil), and exports the merged model
// to merged.
func train(modelDir, dir, merged string, exs []sft.Example, cfg finetune.Config, hooks []finetune.Hook, onStep func(finetune.Entry)) error {
	if err := os.RemoveAll(merged); err != nil { // a half-exported dir from an interrupted run
		return err
	}
	r := FinetuneRun{ModelDir: modelDir, Examples: exs, Config: cfg, Dir: dir, Overwrite: true, Export: merged, OnStep: onStep}
	if hooks != nil {
		r.Hooks = func(*model.Model) ([]finetune.Hook, error) { return hooks, nil }
	}
	_, err := Finetune(r)
	return err
}

// FinetuneRun is one fine-tuning run (docs/paper.md §5.3): the model, the examples, the recipe, the run
// directory with its checkpoints, and what to do around the steps.
type FinetuneRun struct {
	ModelDir          string
	Examples          []sft.Example
	Config            finetune.Config
	Dir               string // run directory: checkpoints and state
	Resume, Overwrite bool   // continue the run in Dir, or replace it (neither: Dir must hold no run)
	Export            string // merged model dir written after training ("" = none); checked before training
	TokenizerDir      string // tokenizer copied into Export ("" = the model dir's)
	// Hooks, when set, adds checkpoint hooks built with the loaded model (e.g. probes).
	Hooks func(m *model.Model) ([]finetune.Hook, error)
	// OnStart, when set, is called after the run is prepared, before the first step, with the trainer and
	// the checkpoint resumed from ("" for a fresh run).
	OnStart func(tr *finetune.Trainer, resumedFrom string)
	OnStep  func(finetune.Entry) // after each step (may be nil)
}

// Finetune is the one driver of a fine-tuning run, for rim finetune and the notebooks' TrainOnce: it checks
// the export dir, loads the model, builds the trainer with r.Config, prepares Dir (resume or overwrite),
// trains and exports the merged model. It returns the trainer's final state (loss history included).
func Finetune(r FinetuneRun) (*finetune.State, error) {
	removeExport := false
	if r.Export != "" {
		var err error
		if removeExport, err = finetune.CheckExport(r.Export, r.Dir, r.Overwrite); err != nil {
			return nil, err
		}
	}
	m, err := model.Load(r.ModelDir, model.Options{}) // zero Backend: backend.Default() (rim/backend)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	tr, err := finetune.New(m, r.Examples, m.Config.PadID(), r.Config)
	if err != nil {
		return nil, err
	}
	if r.Hooks != nil {
		hs, err := r.Hooks(m)
		if err != nil {
			return nil, err
		}
		tr.Hooks = append(tr.Hooks, hs...)
	}
	from, err := tr.Prepare(r.Dir, r.Resume, r.Overwrite)
	if err != nil {
		return nil, err
	}
	if removeExport { // an old rim export inside the overwritten run
		if err := finetune.RemoveExport(r.Export); err != nil {
			return nil, err
		}
	}
	if r.OnStart != nil {
		r.OnStart(tr, from)
	}
	tr.OnStep = r.OnStep
	if err := tr.Run(r.Dir); err != nil {
		return nil, err
	}
	if r.Export != "" {
		tr.TokenizerDir = r.TokenizerDir // the exported dir must carry the tokenizer the data was built with
		if err := tr.ExportMerged(r.Export); err != nil {
			return nil, err
		}
	}
	return &tr.State, nil
}
