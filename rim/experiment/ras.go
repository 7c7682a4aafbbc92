package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/analysis/ras"
	"github.com/rimlab/rim/rim/analysis/stats"
)

// Table3Model is one dense model of Table 3's RAS row: r and p computed from its checkpoint points, and
// the printed r.
type Table3Model struct {
	Model    string            `json:"model"`
	Computed stats.Correlation `json:"computed"`
	Printed  float64           `json:"printed"`
}

// Table3Result is Table 3's RAS row (docs/paper.md §8.3) recomputed from the recovered checkpoint points.
type Table3Result struct {
	Provenance
	Models      []Table3Model `json:"models"`
	Mean        float64       `json:"mean"`
	PrintedMean float64       `json:"printed_mean"`
}

// Table3 computes Pearson r (RAS on A_safe, misalignment rate) over the 8 checkpoints of each dense model
// (paper.RASPoints; Qwen3-4B's from paper.Fig8), beside Table 3 as printed (paper data: no model is run).
func Table3() (*Table3Result, error) {
	r := &Table3Result{Provenance: Provenance{Item: "table3", Source: PaperData, RimVersion: Version()}, PrintedMean: paper.Table3[0].Average}
	var rs []float64
	for i, name := range paper.DenseModels {
		var x, y []float64
		if pts, ok := paper.RASPoints[name]; ok {
			for _, p := range pts {
				x, y = append(x, p[0]), append(y, p[1])
			}
		} else {
			for _, p := range paper.Fig8 {
				x, y = append(x, p.RASTarget), append(y, p.MRate)
			}
		}
		c, err := stats.Pearson(x, y)
		if err != nil {
			return nil, fmt.Errorf("experiment: table3 %s: %w", name, err)
		}
		rs = append(rs, c.R)
		r.Models = append(r.Models, Table3Model{Model: name, Computed: c, Printed: paper.Table3[0].R[i]})
	}
	var err error
	r.Mean, err = stats.Mean(rs)
	return r, err
}

// Reading compares the recomputed with the printed correlations.
func (r *Table3Result) Reading() string {
	worst, d := "", -1.0
	for _, m := range r.Models {
		if e := abs(m.Computed.R - m.Printed); e > d {
			worst, d = m.Model, e
		}
	}
	return fmt.Sprintf("From the recovered points, RAS correlates with misalignment at r = %.3f on average over %d dense models (the paper prints %.3f); "+
		"the largest gap to a printed r is %.3f (%s), the precision of points read off a figure (docs/paper.md §8.3).", r.Mean, len(r.Models), r.PrintedMean, d, worst)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// RASOptions are the options of RAS on the demo pipeline.
type RASOptions struct {
	Samples  int                   // harmful prompts, GSM8K questions and identification pairs (0: $RIM_SAMPLES, else 16)
	Progress func(done, total int) `json:"-"` // fine-tuning progress (may be nil)
}

// RASRow is RAS (docs/paper.md §8.1) and its baselines on one neuron set.
type RASRow struct {
	Neurons string     `json:"neurons"`
	Size    int        `json:"size"` // 0: all MLP neurons
	Result  ras.Result `json:"result"`
}

// RASResult is RAS between the settings' model and its GSM8K fine-tune (Settings.Tuned) on A_safe, on as
// many random neurons per layer and on all neurons, with KL(π₀‖π_τ) over the GSM8K prompt tokens.
type RASResult struct {
	Provenance
	Rows []RASRow `json:"rows"`
	KL   float64  `json:"kl"`
}

// RAS pools mlp.hook_post over the request tokens of harmful and GSM8K prompts with the base and the tuned
// model (max-pool) and computes RAS and its baselines (rim/analysis/ras, default options) on three neuron sets
// (Settings.NewForgetting).
func RAS(s Settings, o RASOptions) (*RASResult, error) {
	n := s.count(o.Samples, 16)
	in, err := s.tuningInputs("ras", n)
	if err != nil {
		return nil, err
	}
	return cachedResult(in.prov, o, func() (*RASResult, error) {
		tuned, _, err := s.Tuned(o.Progress)
		if err != nil {
			return nil, err
		}
		sn, err := s.SafetyNeurons(n)
		if err != nil {
			return nil, err
		}
		f, err := s.NewForgetting(in.harm, in.qs, sn, true)
		if err != nil {
			return nil, err
		}
		r := &RASResult{}
		r.Rows, r.KL, err = f.Measure(tuned)
		return r, err
	})
}

// Reading compares RAS on A_safe with the random control, from the numbers, beside the paper's finding.
func (r *RASResult) Reading() string {
	a, rd := r.Rows[0].Result.RAS, r.Rows[1].Result.RAS
	cmp := "above"
	if a <= rd {
		cmp = "not above"
	}
	fig8 := paper.Table3P["Qwen3-4B"]
	return fmt.Sprintf("RAS on A_safe (%d neurons) is %.4g, %s the random control's %.4g; KL(π₀‖π_τ) per GSM8K prompt token is %.4g. "+
		"One fine-tune gives one point: RAS predicts misalignment only across checkpoints, where the paper finds r = %.3f for A_safe vs %.3f for random neurons on Qwen3-4B (docs/paper.md §8.4).",
		r.Rows[0].Size, a, cmp, rd, r.KL, fig8[0].R, fig8[1].R)
}
