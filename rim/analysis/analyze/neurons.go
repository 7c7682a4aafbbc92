package analyze

import (
	"fmt"
	"io"
	"math"

	"github.com/rimlab/rim/rim/analysis/neurons"
)

// NeuronsOptions are the inputs of `rim analyze neurons`.
type NeuronsOptions struct {
	Original, Counterfactual string    // safetensors files with tensor "acts" [pairs, layers, width], max-pooled
	Tensor                   string    // default "acts"
	M                        int       // Top-m
	Scope                    string    // "layer" (default) or "global"
	Q                        float64   // frequency threshold in (0, 1]; 1 = strict intersection (default)
	Sizes                    []float64 // thresholds to report set sizes for
	Seed                     uint64    // random control
	JSON                     string
}

// NeuronsReport is written with --json; its "neurons" field is what
// `rim analyze ras --neurons` reads.
type NeuronsReport struct {
	Pairs         int              `json:"pairs"`
	Layers        int              `json:"layers"`
	Width         int              `json:"width"`
	M             int              `json:"m"`
	Scope         string           `json:"scope"`
	Q             float64          `json:"q"`
	MinPairs      int              `json:"min_pairs"`
	Neurons       []neurons.Neuron `json:"neurons"`
	PerLayer      []int            `json:"per_layer"`
	Sizes         []neurons.Size   `json:"sizes"`
	RandomSeed    uint64           `json:"random_seed"`
	RandomControl []neurons.Neuron `json:"random_control"`
	ControlError  string           `json:"random_control_error,omitempty"`
	Note          string           `json:"note,omitempty"`
}

// Neurons selects safety-critical neurons (paper §4.1.1) from pooled
// activations of original and counterfactual requests, prints the set sizes
// at each threshold and the size of the chosen set, and writes the set with
// a random control of equal per-layer sizes.
func Neurons(o NeuronsOptions, stdout, stderr io.Writer) error {
	if o.Original == "" || o.Counterfactual == "" {
		return fmt.Errorf("--original and --counterfactual are required")
	}
	if o.Tensor == "" {
		o.Tensor = "acts"
	}
	if o.Q == 0 {
		o.Q = 1
	}
	scope, err := neurons.ParseScope(o.Scope)
	if o.Scope == "" {
		scope, err = neurons.PerLayer, nil
	}
	if err != nil {
		return err
	}
	orig, err := readTensor(o.Original, o.Tensor, 3)
	if err != nil {
		return err
	}
	cf, err := readTensor(o.Counterfactual, o.Tensor, 3)
	if err != nil {
		return err
	}
	if fmt.Sprint(orig.shape) != fmt.Sprint(cf.shape) {
		return fmt.Errorf("%v and %v differ in shape (pairs must match one to one)", orig, cf)
	}
	np, nl, w := orig.shape[0], orig.shape[1], orig.shape[2]
	widths := make([]int, nl)
	for l := range widths {
		widths[l] = w
	}
	ctr, err := neurons.NewCounter(widths, o.M, scope)
	if err != nil {
		return err
	}
	maxDiff := math.Inf(-1) // the largest counterfactual − original change seen
	for k := range np {
		diff := make([][]float64, nl)
		for l := range diff {
			diff[l] = make([]float64, w)
			base := (k*nl + l) * w
			for j := range w {
				diff[l][j] = float64(cf.data[base+j]) - float64(orig.data[base+j])
				maxDiff = math.Max(maxDiff, diff[l][j])
			}
		}
		if err := ctr.Add(diff); err != nil {
			return err
		}
	}
	sel, err := ctr.Selection()
	if err != nil {
		return err
	}
	rep := NeuronsReport{Pairs: np, Layers: nl, Width: w, M: o.M, Scope: scope.String(), Q: o.Q, RandomSeed: o.Seed}
	if rep.MinPairs, err = sel.MinPairs(o.Q); err != nil {
		return err
	}
	if rep.Neurons, err = sel.AtLeast(o.Q); err != nil {
		return err
	}
	qs := o.Sizes
	if len(qs) == 0 {
		qs = []float64{1, 0.9, 0.75, 0.5}
	}
	if rep.Sizes, err = sel.Sizes(qs); err != nil {
		return err
	}
	rep.PerLayer = neurons.PerLayerCounts(rep.Neurons, nl)
	if rep.RandomControl, err = neurons.RandomControl(rep.Neurons, widths, o.Seed); err != nil {
		rep.ControlError = err.Error() // not fatal: the selection is still the result
		fmt.Fprintf(stderr, "note: no random control: %v\n", err)
	}
	if rep.Neurons == nil {
		rep.Neurons = []neurons.Neuron{}
		rep.Note = "the set is empty: lower --q (frequency threshold) or raise --m"
	} else if maxDiff <= 0 {
		// paper §4.1.1 selects neurons whose activation *rises* under the
		// counterfactual; with no rise anywhere the Top-m is decided by the
		// least decrease or by ties, not by a safety signal.
		rep.Note = fmt.Sprintf("no activation rises under the counterfactual (largest difference %s): the selection reflects ties or the smallest decreases, not a safety signal", fmtNum(maxDiff))
		fmt.Fprintf(stderr, "note: %s\n", rep.Note)
	}
	for _, s := range rep.Sizes {
		fmt.Fprintf(stdout, "q=%s min_pairs=%d size=%d\n", fmtNum(s.Q), s.MinPairs, s.Size)
	}
	fmt.Fprintf(stdout, "selected %d neurons (m=%d scope=%s q=%s over %d pairs)\n", len(rep.Neurons), o.M, rep.Scope, fmtNum(o.Q), np)
	if err := writeJSON(o.JSON, rep); err != nil {
		return err
	}
	if len(rep.Neurons) == 0 {
		// The sizes above and the JSON report are still written.
		return fmt.Errorf("no neuron is in the top-%d of ≥ %d of the %d pairs: lower --q or raise --m", o.M, rep.MinPairs, np)
	}
	return nil
}
