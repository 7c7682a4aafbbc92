package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/finetune/sft"
)

// TableA7Options are the options of Table A7 measured.
type TableA7Options struct {
	Samples  int                   // harmful prompts judged before and after (0: $RIM_SAMPLES, else 16)
	Progress func(done, total int) `json:"-"` // called after each step of a fresh fine-tuning run (may be nil)
}

// TunedRow is one fine-tune of the settings' model: its training set, the misalignment after it, the
// change from the base model in points, and the run's last loss.
type TunedRow struct {
	Set      string            `json:"set"`
	Examples int               `json:"examples"`
	Safety   eval.SafetyReport `json:"safety"`
	Delta    float64           `json:"delta_points"`
	LastLoss float64           `json:"last_loss"`
}

// TableA7MeasuredResult is Table A7 (docs/paper.md §5.3) measured on the settings' model: the change in
// misalignment after LoRA fine-tuning on GSM8k (Table 2's run) and on GSM8k-Literal (the same stories with a
// literal question and a one-sentence answer: no math reasoning), beside the paper's.
type TableA7MeasuredResult struct {
	Provenance
	Base  eval.SafetyReport `json:"base"`
	Rows  []TunedRow        `json:"rows"` // GSM8k, GSM8k-Literal
	Paper *[2]float64       `json:"paper,omitempty"`
	// PaperMeans are the paper's 8-model averages as printed (paper.TableA7Averages).
	PaperMeans [2]float64 `json:"paper_means"`
}

// TableA7Measured fine-tunes the settings' model once on GSM8K (Settings.Tuned) and once on the same number of
// GSM8k-Literal items from $RIM_DERIVED (DerivedExamples, the same recipe), and judges the same harmful
// prompts in no-think mode before and after each (docs/paper.md §5.3). Without $RIM_DERIVED it is an error
// saying how to build the set.
func TableA7Measured(s Settings, o TableA7Options) (*TableA7MeasuredResult, error) {
	if err := s.needDerived("Table A7", LiteralFile); err != nil {
		return nil, err
	}
	if err := s.engineOnly("Table A7", "answers with the models it fine-tunes"); err != nil {
		return nil, err
	}
	harm, err := s.Harmful(s.count(o.Samples, 16))
	if err != nil {
		return nil, err
	}
	gsm, err := s.SFTData()
	if err != nil {
		return nil, err
	}
	lit, err := s.DerivedExamples(LiteralFile)
	if err != nil {
		return nil, err
	}
	prov, err := s.measured("tablea7", [3]any{harm, gsm, lit})
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*TableA7MeasuredResult, error) {
		r := &TableA7MeasuredResult{PaperMeans: paper.TableA7Averages}
		if p, ok := paper.TableA7[ModelName(s.ModelDir())]; ok {
			r.Paper = &p
		}
		if r.Base, err = s.misalignment(s.ModelDir(), harm); err != nil {
			return nil, err
		}
		for _, set := range []struct {
			name string
			exs  []sft.Example
		}{{"GSM8k", gsm}, {"GSM8k-Literal", lit}} {
			row, _, err := s.tunedRow(set.name, set.exs, harm, r.Base, o.Progress)
			if err != nil {
				return nil, err
			}
			r.Rows = append(r.Rows, row)
		}
		return r, nil
	})
}

// tunedRow fine-tunes the settings' model on exs (TunedOn) and judges its no-think answers to harm against
// base; it returns the row and the merged model's dir.
func (s Settings) tunedRow(name string, exs []sft.Example, harm []data.Prompt, base eval.SafetyReport, progress func(done, total int)) (TunedRow, string, error) {
	dir, hist, err := s.TunedOn(exs, progress)
	if err != nil {
		return TunedRow{}, "", fmt.Errorf("fine-tuning on %s: %w", name, err)
	}
	row := TunedRow{Set: name, Examples: len(exs)}
	if len(hist) > 0 {
		row.LastLoss = hist[len(hist)-1].Loss
	}
	if row.Safety, err = s.misalignment(dir, harm); err != nil {
		return row, "", err
	}
	row.Delta = 100 * (row.Safety.Rate.Rate - base.Rate.Rate)
	return row, dir, nil
}

// Reading compares the two fine-tunes from the measured changes, beside the paper's.
func (r *TableA7MeasuredResult) Reading() string {
	g, l := r.Rows[0], r.Rows[1]
	verdict := "rises less after GSM8k-Literal than after GSM8k, as the paper finds"
	if l.Delta >= g.Delta {
		verdict = "does not rise less after GSM8k-Literal than after GSM8k, unlike the paper's average"
	}
	b := fmt.Sprintf("From %.1f%% on %d judged prompts, misalignment moves by %+.1f points after fine-tuning on %d GSM8k examples and by %+.1f after %d GSM8k-Literal examples: it %s. ",
		100*r.Base.Rate.Rate, r.Base.Rate.N, g.Delta, g.Examples, l.Delta, l.Examples, verdict)
	if r.Paper != nil {
		b += fmt.Sprintf("The paper prints %+.2f vs %+.2f for a model of this name. ", r.Paper[0], r.Paper[1])
	}
	return b + fmt.Sprintf("Paper, 8-model averages as printed: %+.2f (GSM8k) vs %+.2f (GSM8k-Literal): the reasoning, not the topic, drives the rise (docs/paper.md §5.3).", r.PaperMeans[0], r.PaperMeans[1])
}
