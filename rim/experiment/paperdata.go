package experiment

import (
	"fmt"
	"math"
	"strings"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/stats"
)

// ModelPair is one model's pair of values from the paper, and a computed quantity of it.
type ModelPair struct {
	Model string     `json:"model"`
	Pair  [2]float64 `json:"pair"`
}

// Fig7Result is Fig 7 (docs/paper.md §8.2): RAS after GSM8k(L) Control and Target fine-tuning per dense model.
type Fig7Result struct {
	Provenance
	Models []ModelPair `json:"models"` // (control, target)
}

// Fig7 reads Fig 7's bars from paper.Fig7 in Table 3's model order (paper data: no model is run).
func Fig7() (*Fig7Result, error) {
	r := &Fig7Result{Provenance: Provenance{Item: "fig7", Source: PaperData, RimVersion: Version()}}
	for _, m := range paper.DenseModels {
		v, ok := paper.Fig7[m]
		if !ok {
			return nil, fmt.Errorf("experiment: fig7: no values for %s", m)
		}
		r.Models = append(r.Models, ModelPair{m, v})
	}
	return r, nil
}

// Reading counts the models where Target's RAS exceeds Control's and names the largest contrast.
func (r *Fig7Result) Reading() string {
	higher, best, ratio := 0, "", 0.0
	for _, m := range r.Models {
		if m.Pair[1] > m.Pair[0] {
			higher++
		}
		if q := m.Pair[1] / m.Pair[0]; q > ratio {
			best, ratio = m.Model, q
		}
	}
	return fmt.Sprintf("In the paper's Fig 7, RAS after Target fine-tuning exceeds RAS after Control for %d of %d dense models; the contrast is largest for %s (Target/Control = %.2f). "+
		"Target data carries the effort-minimizing patterns, so a higher RAS there is the paper's link between those patterns and the eroded safety neurons (docs/paper.md §8.2).", higher, len(r.Models), best, ratio)
}

// TableA7Result is Table A7 (docs/paper.md §5.3): Δ misalignment after GSM8k vs GSM8k-Literal fine-tuning,
// with the column means computed here beside the printed ones.
type TableA7Result struct {
	Provenance
	Models  []ModelPair `json:"models"` // (GSM8k, GSM8k-Literal)
	Means   [2]float64  `json:"means"`
	Printed [2]float64  `json:"printed"`
}

// TableA7 reads Table A7 from paper.TableA7 in Fig 6's model order and computes its averages (paper data).
func TableA7() (*TableA7Result, error) {
	r := &TableA7Result{Provenance: Provenance{Item: "tablea7", Source: PaperData, RimVersion: Version()}, Printed: paper.TableA7Averages}
	var cols [2][]float64
	for _, m := range paper.AllModels {
		v, ok := paper.TableA7[m]
		if !ok {
			return nil, fmt.Errorf("experiment: table A7: no values for %s", m)
		}
		r.Models = append(r.Models, ModelPair{m, v})
		cols[0], cols[1] = append(cols[0], v[0]), append(cols[1], v[1])
	}
	for j := range cols {
		mean, err := stats.Mean(cols[j])
		if err != nil {
			return nil, err
		}
		r.Means[j] = mean
	}
	return r, nil
}

// Reading compares the two columns from the numbers.
func (r *TableA7Result) Reading() string {
	lower := 0
	for _, m := range r.Models {
		if m.Pair[1] < m.Pair[0] {
			lower++
		}
	}
	return fmt.Sprintf("Fine-tuning on GSM8k-Literal (the same stories, no math reasoning) changes misalignment by %+.2f points on average against %+.2f for GSM8k (computed; printed %+.2f and %+.2f), "+
		"and less than GSM8k for %d of %d models: the reasoning, not the topic, drives the rise (docs/paper.md §5.3).", r.Means[1], r.Means[0], r.Printed[1], r.Printed[0], lower, len(r.Models))
}

// Fig1Point is one model of Fig 1: base accuracy and misalignment divided by the fine-tuned values.
type Fig1Point struct {
	Model        string  `json:"model"`
	Accuracy     float64 `json:"accuracy"`
	Misalignment float64 `json:"misalignment"`
	Source       string  `json:"source"`
}

// Fig1Result is Fig 1 (docs/paper.md §5.3): the paper's four base models and, when measured, the settings'
// model from its Table 2 run, each normalised so that the fine-tuned model sits at (1, 1).
type Fig1Result struct {
	Provenance
	Points []Fig1Point `json:"points"`
	Note   string      `json:"note,omitempty"` // why the measured point is missing
}

// Fig1 draws on the paper's points and, with t2 (may be nil), adds the measured base point of Table2.
func Fig1(t2 *Table2Result) (*Fig1Result, error) {
	r := &Fig1Result{Provenance: Provenance{Item: "fig1", Source: PaperData, RimVersion: Version()}}
	for _, m := range paper.Fig1Models {
		p := paper.Fig1[m]
		r.Points = append(r.Points, Fig1Point{Model: m, Accuracy: p[0], Misalignment: p[1], Source: PaperData})
	}
	if t2 == nil {
		return r, nil
	}
	r.Provenance = t2.Provenance
	r.Provenance.Item = "fig1"
	b, t := t2.Rows[0], t2.Rows[1]
	acc, mis := b.Math.Rate.Rate/t.Math.Rate.Rate, b.Safety.Rate.Rate/t.Safety.Rate.Rate
	if math.IsNaN(acc) || math.IsInf(acc, 0) || math.IsNaN(mis) || math.IsInf(mis, 0) {
		r.Note = fmt.Sprintf("the fine-tuned model's accuracy (%.1f%%) or misalignment (%.1f%%) is 0, so its base point cannot be normalised", 100*t.Math.Rate.Rate, 100*t.Safety.Rate.Rate)
		return r, nil
	}
	r.Points = append(r.Points, Fig1Point{Model: ModelName(t2.Model), Accuracy: acc, Misalignment: mis, Source: MeasuredOn(t2.Model)})
	return r, nil
}

// Reading says where the base models sit relative to their fine-tunes.
func (r *Fig1Result) Reading() string {
	var below []string
	for _, p := range r.Points {
		if p.Accuracy < 1 && p.Misalignment < 1 {
			below = append(below, p.Model)
		}
	}
	s := fmt.Sprintf("%d of %d base models lie below and left of their fine-tune at (1, 1) — fine-tuning raised both math accuracy and misalignment — (%s).",
		len(below), len(r.Points), strings.Join(below, ", "))
	if r.Note != "" {
		s += " The measured model is not drawn: " + r.Note + "."
	}
	q := paper.Fig1[paper.Fig1Models[0]]
	return s + fmt.Sprintf(" Paper: all %d of its models do, e.g. %s at (%.3f, %.3f) (docs/paper.md §5.3).", len(paper.Fig1Models), paper.Fig1Models[0], q[0], q[1])
}
