package experiment

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval/derive"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/finetune/sft"
)

// The LLM-derived training sets of docs/paper.md §3.2, as `rim eval derive` writes them into $RIM_DERIVED:
//
//	rim eval derive literal --out $RIM_DERIVED/literal.jsonl          (GSM8k-Literal, Table A7)
//	rim eval derive edit --in GSM8KL.jsonl --out $RIM_DERIVED/edits   (GSM8k(L) control and target, Fig 7)
const (
	LiteralFile = "literal.jsonl"
	ControlFile = "edits.control.jsonl"
	TargetFile  = "edits.target.jsonl"
)

// needDerived says, in one sentence naming the setting and the command that builds it, why an item that
// fine-tunes on a derived set cannot run; nil when $RIM_DERIVED holds every file it needs.
func (s Settings) needDerived(item string, files ...string) error {
	how := fmt.Sprintf("%s fine-tunes on LLM-derived sets (%s) that `rim eval derive` builds with an OpenAI-compatible endpoint; set RIM_DERIVED to the folder holding them (docs/reproduce.md)",
		item, strings.Join(files, ", "))
	if s.Derived == "" {
		return fmt.Errorf("RIM_DERIVED is not set: %s", how)
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(s.Derived, f)); err != nil {
			return fmt.Errorf("RIM_DERIVED=%s: no %s: %s", s.Derived, f, how)
		}
	}
	return nil
}

// derivedRecords reads one derived set as chat SFT records: a GSM8k-Literal item (derive.LiteralItem)
// trains the literal problem → the answer sentence, a GSM8k(L) edit (derive.EditItem) the instruction (and
// input) → the edited solution. Items that failed, and edits that changed the final answer, are skipped, as
// `rim eval derive` reports them. A file whose lines are neither kind is an error naming file:line.
func derivedRecords(path string) ([]sft.Record, error) {
	// The fields of derive.LiteralItem and derive.EditItem that training reads (both types carry "error").
	type item struct {
		Problem     string          `json:"problem"`
		Answer      string          `json:"answer"`
		Kind        derive.EditKind `json:"kind"`
		Instruction string          `json:"instruction"`
		Input       string          `json:"input"`
		Edited      string          `json:"edited"`
		Preserved   bool            `json:"preserved"`
		Error       string          `json:"error"`
	}
	var recs []sft.Record
	err := data.ReadJSONL(path, func(line int, it item) error {
		user, answer := it.Problem, it.Answer
		if it.Kind != "" {
			user, answer = it.Instruction, it.Edited
			if it.Input != "" {
				user += "\n\n" + it.Input
			}
			if !it.Preserved {
				return nil
			}
		}
		if it.Error != "" {
			return nil
		}
		if user == "" || answer == "" {
			return data.Malformed("neither a literal item (problem, answer) nor an edit (instruction, edited)")
		}
		recs = append(recs, sft.Record{Messages: []chat.Message{{Role: "user", Content: user}, {Role: "assistant", Content: answer}}})
		return nil
	})
	if err == nil && len(recs) == 0 {
		err = fmt.Errorf("experiment: %s has no usable item (every one failed or changed the final answer)", path)
	}
	return recs, err
}

// DerivedExamples is the derived set in $RIM_DERIVED/file as SFT examples: a seeded sample of SFT.Samples
// records, rendered with the settings' chat template and truncated to SFT.MaxLen tokens (as SFTData).
func (s Settings) DerivedExamples(file string) ([]sft.Example, error) {
	recs, err := derivedRecords(filepath.Join(s.Derived, file))
	if err != nil {
		return nil, fmt.Errorf("RIM_DERIVED=%s: %w", s.Derived, err)
	}
	if recs, err = data.Sample(recs, min(s.SFT.Samples, len(recs)), Seed); err != nil {
		return nil, err
	}
	return recordExamples(recs, s.TokenizerDir(), s.SFT.MaxLen)
}

// TunedOn fine-tunes the settings' model with SFTConfig on exs once (TrainOnce: the run lives under the cache
// dir's runs/<key>) and returns the merged model dir and the loss history; onStep as for Tuned.
func (s Settings) TunedOn(exs []sft.Example, onStep func(done, total int)) (string, []finetune.Entry, error) {
	c, err := cache.Default()
	if err != nil {
		return "", nil, err
	}
	cfg := s.SFTConfig()
	return TrainOnce(c, s.ModelDir(), s.TokenizerDir(), exs, cfg, stepCounter(cfg.MaxSteps, onStep))
}

// stepCounter adapts a (done, total) progress callback (may be nil) to the trainer's per-step callback.
func stepCounter(total int, onStep func(done, total int)) func(finetune.Entry) {
	done := 0
	return func(finetune.Entry) {
		if done++; onStep != nil {
			onStep(done, total)
		}
	}
}

// safetyForgetting identifies A_safe on the settings' model from n pairs (SafetyNeurons) and prepares
// Forgetting on harm and math prompts qs for A_safe and as many random neurons (docs/paper.md §7.1, §8.1).
func (s Settings) safetyForgetting(n int, harm, qs []data.Prompt) (*SafetyNeurons, *Forgetting, error) {
	sn, err := s.SafetyNeurons(n)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.NewForgetting(harm, qs, sn, false)
	return sn, f, err
}
