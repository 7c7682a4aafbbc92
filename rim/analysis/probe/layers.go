package probe

import (
	"fmt"
	"sort"
)

// Sample describes one input for a layer-wise probe run.
type Sample struct {
	Positive bool   // class: harmful (+) vs harmless (−), or refuse (+) vs fulfill (−)
	Group    string // test group the sample is scored in (e.g. "harmful", "safe", "reject", "fulfill")
	Train    bool   // in the calibration (training) split; otherwise a test sample
}

// Config selects the probe and its evaluation.
type Config struct {
	Method string  // "steering" (the paper's, default) or "logistic" (extension)
	Lambda float64 // L2 strength for "logistic"
	Folds  int     // k of the cross-validation; 0 = 5 (the paper's); <0 = skip
	Seed   uint64  // fold assignment
	// Groups are reported even when they have no test samples (score nil);
	// the distinct groups of the test samples are always reported.
	Groups []string
}

// GroupResult is one group's dataset-level probe score at one layer.
// Score is nil when the group has no test samples (reported, not failed:
// a mode can leave a group empty, like no-think "fulfill" with ~21 samples).
type GroupResult struct {
	N     int      `json:"n"`
	Score *float64 `json:"score"`
}

// LayerResult is the probe evaluated at one layer (one point per series of
// Fig 3).
type LayerResult struct {
	Layer     int                    `json:"layer"`
	Threshold *float64               `json:"threshold,omitempty"` // τ (steering only)
	TrainAcc  float64                `json:"train_accuracy"`
	TestAcc   *float64               `json:"test_accuracy"` // nil without test samples
	CV        *CV                    `json:"cv,omitempty"`  // over all samples (train and test)
	Groups    map[string]GroupResult `json:"groups"`
}

// Layers fits and evaluates a probe at every layer (paper §3.1, Fig 3). layer(l)
// returns the activations [samples, d] of layer l at the probed token
// position or region (pooled with PoolMean), in the order of samples. The
// probe is fit on the Train samples and scored on the others by group; the
// k-fold CV accuracy uses all samples.
func Layers(nLayers int, layer func(l int) ([][]float64, error), samples []Sample, cfg Config) ([]LayerResult, error) {
	fit := SteeringFit
	switch cfg.Method {
	case "", "steering":
	case "logistic":
		fit = LogisticFit(cfg.Lambda)
	default:
		return nil, fmt.Errorf("probe: unknown method %q (want steering or logistic)", cfg.Method)
	}
	folds := cfg.Folds
	if folds == 0 {
		folds = 5
	}
	var groups []string
	seen := map[string]bool{}
	for _, g := range cfg.Groups {
		if !seen[g] {
			seen[g] = true
			groups = append(groups, g)
		}
	}
	for _, s := range samples {
		if !s.Train && !seen[s.Group] {
			seen[s.Group] = true
			groups = append(groups, s.Group)
		}
	}
	sort.Strings(groups)
	var out []LayerResult
	for l := range nLayers {
		rows, err := layer(l)
		if err != nil {
			return nil, fmt.Errorf("probe: layer %d: %w", l, err)
		}
		if len(rows) != len(samples) {
			return nil, fmt.Errorf("probe: layer %d has %d activation rows but there are %d samples", l, len(rows), len(samples))
		}
		var trP, trN, teP, teN, allP, allN [][]float64
		byGroup := map[string][][]float64{}
		for i, s := range samples {
			r := rows[i]
			if s.Positive {
				allP = append(allP, r)
			} else {
				allN = append(allN, r)
			}
			switch {
			case s.Train && s.Positive:
				trP = append(trP, r)
			case s.Train:
				trN = append(trN, r)
			case s.Positive:
				teP = append(teP, r)
				byGroup[s.Group] = append(byGroup[s.Group], r)
			default:
				teN = append(teN, r)
				byGroup[s.Group] = append(byGroup[s.Group], r)
			}
		}
		c, err := fit(trP, trN)
		if err != nil {
			return nil, fmt.Errorf("probe: layer %d: training split: %w", l, err)
		}
		res := LayerResult{Layer: l, TrainAcc: Accuracy(c, trP, trN), Groups: map[string]GroupResult{}}
		if len(teP)+len(teN) > 0 {
			a := Accuracy(c, teP, teN)
			res.TestAcc = &a
		}
		if st, ok := c.(*Steering); ok {
			th := st.Threshold
			res.Threshold = &th
		}
		for _, g := range groups {
			rows := byGroup[g]
			gr := GroupResult{N: len(rows)}
			if len(rows) > 0 {
				s, _ := GroupScore(c, g, rows)
				gr.Score = &s
			}
			res.Groups[g] = gr
		}
		if folds > 0 {
			cv, err := CrossValidate(allP, allN, folds, cfg.Seed, fit)
			if err != nil {
				return nil, fmt.Errorf("probe: layer %d: %w", l, err)
			}
			res.CV = &cv
		}
		out = append(out, res)
	}
	return out, nil
}
