package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/finetune/sft"
)

// Fig7Options are the options of Fig 7 measured.
type Fig7Options struct {
	Samples  int                   // harmful prompts, GSM8K questions and identification pairs (0: $RIM_SAMPLES, else 30, as Fig8Measured)
	Progress func(done, total int) `json:"-"` // called after each step of a fresh fine-tuning run (may be nil)
}

// Fig7Arm is one fine-tune of Fig 7: its training set, RAS on A_safe and on as many random neurons per
// layer, KL(π₀‖π_τ), and the misalignment after it with its change from the base model in points.
type Fig7Arm struct {
	TunedRow
	RAS       float64 `json:"ras"`
	RASRandom float64 `json:"ras_random"`
	KL        float64 `json:"kl"`
}

// Fig7MeasuredResult is Fig 7 (docs/paper.md §8.2) measured on the settings' model: RAS (§8.1) after LoRA
// fine-tuning on the GSM8k(L) Control and Target edits, beside the paper's dense models.
type Fig7MeasuredResult struct {
	Provenance
	Neurons int               `json:"neurons"` // |A_safe|, identified on the base model
	Base    eval.SafetyReport `json:"base"`
	Arms    []Fig7Arm         `json:"arms"` // Control, Target
	Paper   []ModelPair       `json:"paper"`
}

// Fig7Measured identifies A_safe on the settings' model (Settings.SafetyNeurons), fine-tunes it once on the
// GSM8k(L) Control and once on the Target edits in $RIM_DERIVED (DerivedExamples, the recipe of SFTConfig),
// and measures RAS between the base and each fine-tune on A_safe and on random neurons (Forgetting), with the
// misalignment after each (docs/paper.md §8.2). Without $RIM_DERIVED it is an error saying how to build them.
func Fig7Measured(s Settings, o Fig7Options) (*Fig7MeasuredResult, error) {
	if err := s.needDerived("Fig 7", ControlFile, TargetFile); err != nil {
		return nil, err
	}
	if err := s.engineOnly("Fig 7", "answers with the models it fine-tunes"); err != nil {
		return nil, err
	}
	n := s.count(o.Samples, 30)
	harm, qs, _, err := s.HarmAndMath(n)
	if err != nil {
		return nil, err
	}
	var sets [2][]sft.Example
	for i, f := range []string{ControlFile, TargetFile} {
		if sets[i], err = s.DerivedExamples(f); err != nil {
			return nil, err
		}
	}
	prov, err := s.measured("fig7", [4]any{harm, qs, sets[0], sets[1]})
	if err != nil {
		return nil, err
	}
	return cachedResult(prov, o, func() (*Fig7MeasuredResult, error) {
		sn, f, err := s.safetyForgetting(n, harm, qs)
		if err != nil {
			return nil, err
		}
		r := &Fig7MeasuredResult{Neurons: len(sn.Set)}
		if r.Base, err = s.misalignment(s.ModelDir(), harm); err != nil {
			return nil, err
		}
		for i, name := range []string{"GSM8k(L) Control", "GSM8k(L) Target"} {
			row, dir, err := s.tunedRow(name, sets[i], harm, r.Base, o.Progress)
			if err != nil {
				return nil, err
			}
			rows, kl, err := f.Measure(dir)
			if err != nil {
				return nil, err
			}
			r.Arms = append(r.Arms, Fig7Arm{TunedRow: row, RAS: rows[0].Result.RAS, RASRandom: rows[1].Result.RAS, KL: kl})
		}
		fig7, err := Fig7()
		if err != nil {
			return nil, err
		}
		r.Paper = fig7.Models
		return r, nil
	})
}

// Reading compares RAS after Target with RAS after Control, from the numbers, beside the paper's.
func (r *Fig7MeasuredResult) Reading() string {
	c, t := r.Arms[0], r.Arms[1]
	verdict := "higher after Target than after Control, as the paper finds for every dense model"
	if t.RAS <= c.RAS {
		verdict = "not higher after Target than after Control, unlike every dense model of the paper"
	}
	higher := 0
	for _, m := range r.Paper {
		if m.Pair[1] > m.Pair[0] {
			higher++
		}
	}
	q := paper.Fig7["Qwen3-4B"]
	return fmt.Sprintf("RAS on A_safe (%s) is %.4g after fine-tuning on %d Control edits and %.4g after %d Target edits: %s (random neurons: %.4g and %.4g). "+
		"Misalignment moves by %+.1f and %+.1f points from %.1f%%. Paper: Target above Control for %d of %d dense models, e.g. Qwen3-4B %.2f vs %.2f (docs/paper.md §8.2).",
		plural(r.Neurons, "neuron"), c.RAS, c.Examples, t.RAS, t.Examples, verdict, c.RASRandom, t.RASRandom, c.Delta, t.Delta, 100*r.Base.Rate.Rate, higher, len(r.Paper), q[0], q[1])
}
