package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/analysis/neurons"
)

// SafetyNeurons is A_safe as identified by IdentifySafetyNeurons (§7.1).
type SafetyNeurons struct {
	Set    []neurons.Neuron // neurons in the Top-m of at least a fraction Q of the pairs
	Sizes  []neurons.Size   // |A_safe| at q = 1, 0.9, 0.75, 0.5
	Q      float64          // the threshold actually used (may be a fallback below the requested one)
	Widths []int            // neurons per layer
}

// fallbackQ are the thresholds tried, in order, after the requested one gives an empty set.
var fallbackQ = []float64{1, 0.9, 0.75, 0.5}

// IdentifySafetyNeurons finds A_safe (§7.1) from pooled activations of the original requests and their
// counterfactuals, both [layers][pairs][d_layer] (e.g. RegionActs(..., hook.MLPPost, neurons.MaxPool)
// over "user..answer"): for each pair k the Top-m per layer of counterfactual − original is taken, and
// A_safe holds the neurons in the Top-m of at least a fraction q of the pairs. q = 1 is the paper's strict
// intersection; when the set at q is empty, the first non-empty of 0.9, 0.75, 0.5 is used and reported in Q.
func IdentifySafetyNeurons(orig, cf [][][]float64, topM int, q float64) (*SafetyNeurons, error) {
	if len(orig) == 0 || len(orig) != len(cf) {
		return nil, fmt.Errorf("experiment: safety neurons: %d original vs %d counterfactual layers", len(orig), len(cf))
	}
	if !(q > 0 && q <= 1) {
		return nil, fmt.Errorf("experiment: safety neurons: q %g outside (0, 1]", q)
	}
	nPairs := len(orig[0])
	if nPairs == 0 {
		return nil, fmt.Errorf("experiment: safety neurons: no pairs")
	}
	var widths []int
	for l := range orig {
		if len(orig[l]) != nPairs || len(cf[l]) != nPairs {
			return nil, fmt.Errorf("experiment: safety neurons: layer %d has %d original and %d counterfactual samples, want %d", l, len(orig[l]), len(cf[l]), nPairs)
		}
		widths = append(widths, len(orig[l][0]))
	}
	ctr, err := neurons.NewCounter(widths, topM, neurons.PerLayer)
	if err != nil {
		return nil, err
	}
	for k := 0; k < nPairs; k++ {
		o, c := make([][]float64, len(orig)), make([][]float64, len(cf))
		for l := range orig {
			o[l], c[l] = orig[l][k], cf[l][k]
		}
		d, err := neurons.Diff(c, o)
		if err == nil {
			err = ctr.Add(d)
		}
		if err != nil {
			return nil, fmt.Errorf("experiment: pair %d: %w", k, err)
		}
	}
	sel, err := ctr.Selection()
	if err != nil {
		return nil, err
	}
	r := &SafetyNeurons{Widths: widths, Q: q}
	if r.Sizes, err = sel.Sizes(fallbackQ); err != nil {
		return nil, err
	}
	for _, qq := range append([]float64{q}, fallbackQ...) {
		if qq > q {
			continue
		}
		set, err := sel.AtLeast(qq)
		if err != nil {
			return nil, err
		}
		if len(set) > 0 {
			r.Set, r.Q = set, qq
			return r, nil
		}
	}
	return nil, fmt.Errorf("experiment: no safety-critical neurons even at q = 0.5 (sizes %v); raise top-m", r.Sizes)
}
