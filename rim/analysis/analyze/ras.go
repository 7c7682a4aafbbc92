package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/rimlab/rim/rim/analysis/neurons"
	"github.com/rimlab/rim/rim/analysis/ras"
)

// RASOptions are the inputs of `rim analyze ras`.
type RASOptions struct {
	Base, Tuned string // safetensors files, each with tensors "safe" and "math"
	Options     ras.Options
	Neurons     string  // optional JSON neuron set restricting the dims (RAS target)
	RandomSeed  *uint64 // with Neurons: also RAS on a random set of the same per-layer sizes
	JSON        string  // optional output file
}

// RASReport is written with --json.
type RASReport struct {
	Base      string      `json:"base"`
	Tuned     string      `json:"tuned"`
	Norm      string      `json:"norm"`
	Guard     string      `json:"guard"`
	Aggregate string      `json:"aggregate"`
	Eps       float64     `json:"eps"`
	Dims      int         `json:"dims"` // n of the set the formula ran over
	Result    ras.Result  `json:"result"`
	Random    *ras.Result `json:"random,omitempty"`
	RandomSet []int       `json:"random_dims,omitempty"`
}

// ParseNorm, ParseGuard and ParseAggregate read the flag spellings.
func ParseNorm(s string) (ras.Norm, error) {
	switch s {
	case "all":
		return ras.NormAll, nil
	case "qualifying":
		return ras.NormQualifying, nil
	}
	return 0, fmt.Errorf("unknown --norm %q (want all or qualifying)", s)
}

func ParseGuard(s string) (ras.Guard, error) {
	switch s {
	case "skip":
		return ras.GuardSkip, nil
	case "abs":
		return ras.GuardAbs, nil
	case "error":
		return ras.GuardError, nil
	case "none":
		return ras.GuardNone, nil
	}
	return 0, fmt.Errorf("unknown --guard %q (want skip, abs, error or none)", s)
}

func ParseAggregate(s string) (ras.Aggregate, error) {
	switch s {
	case "mean":
		return ras.MeanFirst, nil
	case "per-sample":
		return ras.PerSample, nil
	}
	return 0, fmt.Errorf("unknown --aggregate %q (want mean or per-sample)", s)
}

var normNames = map[ras.Norm]string{ras.NormAll: "all", ras.NormQualifying: "qualifying"}
var guardNames = map[ras.Guard]string{ras.GuardSkip: "skip", ras.GuardAbs: "abs", ras.GuardError: "error", ras.GuardNone: "none"}
var aggNames = map[ras.Aggregate]string{ras.MeanFirst: "mean", ras.PerSample: "per-sample"}

// RAS prints the fixed form `delta_safe=… delta_math=… ras=…` (paper §4.1)
// for base vs tuned activations, and with a random seed a second line
// `random delta_safe=… delta_math=… ras=…`. Skipped (guarded) dims are
// reported on stderr.
func RAS(o RASOptions, stdout, stderr io.Writer) error {
	if o.Base == "" || o.Tuned == "" {
		return fmt.Errorf("--base and --tuned are required")
	}
	var ts [4]*tensor
	for i, fn := range []struct{ path, name string }{{o.Base, "safe"}, {o.Tuned, "safe"}, {o.Base, "math"}, {o.Tuned, "math"}} {
		t, err := readTensor(fn.path, fn.name, 2, 3)
		if err != nil {
			return err
		}
		ts[i] = t
	}
	// Shapes: same per-sample shape everywhere; equal sample counts base vs tuned.
	for i := 1; i < 4; i++ {
		if fmt.Sprint(ts[i].shape[1:]) != fmt.Sprint(ts[0].shape[1:]) {
			return fmt.Errorf("%v and %v differ in their per-sample shape", ts[0], ts[i])
		}
	}
	for _, p := range [][2]int{{0, 1}, {2, 3}} {
		if a, b := ts[p[0]], ts[p[1]]; a.shape[0] != b.shape[0] {
			return fmt.Errorf("sample counts differ: %v has %d samples, %v has %d", a, a.shape[0], b, b.shape[0])
		}
	}
	widths := []int{ts[0].shape[1]}
	if len(ts[0].shape) == 3 {
		widths = make([]int, ts[0].shape[1])
		for l := range widths {
			widths[l] = ts[0].shape[2]
		}
	}
	n := 0
	for _, w := range widths {
		n += w
	}
	var dims []int
	var set []neurons.Neuron
	if o.Neurons != "" {
		var err error
		if set, err = readNeuronSet(o.Neurons, widths); err != nil {
			return err
		}
		if dims, err = neurons.Flat(set, widths); err != nil {
			return fmt.Errorf("%s: %w", o.Neurons, err)
		}
	} else if o.RandomSeed != nil {
		return fmt.Errorf("--random-seed needs --neurons (the random set matches its per-layer sizes)")
	}
	// Mean-first needs only the mean vectors: averaging while reading keeps
	// memory at the float32 tensors (Qwen3-4B: 36×9728 dims per sample).
	var rows [4][][]float64
	for i, t := range ts {
		if o.Options.Aggregate == ras.MeanFirst {
			rows[i] = [][]float64{t.meanRow()}
		} else {
			rows[i] = t.rows()
		}
	}
	res, err := ras.Compute(rows[0], rows[1], rows[2], rows[3], dims, o.Options)
	if err != nil {
		return err
	}
	rep := RASReport{Base: o.Base, Tuned: o.Tuned, Norm: normNames[o.Options.Norm], Guard: guardNames[o.Options.Guard],
		Aggregate: aggNames[o.Options.Aggregate], Eps: o.Options.Eps, Dims: n, Result: res}
	if rep.Eps == 0 {
		rep.Eps = ras.DefaultEps
	}
	if dims != nil {
		rep.Dims = len(dims)
	}
	fmt.Fprintf(stdout, "delta_safe=%s delta_math=%s ras=%s\n", fmtNum(res.DeltaSafe.Value), fmtNum(res.DeltaMath.Value), fmtNum(res.RAS))
	noteSkipped(stderr, "", res)
	if o.RandomSeed != nil {
		rset, err := neurons.RandomControl(set, widths, *o.RandomSeed)
		if err != nil {
			return err
		}
		rdims, _ := neurons.Flat(rset, widths)
		rr, err := ras.Compute(rows[0], rows[1], rows[2], rows[3], rdims, o.Options)
		if err != nil {
			return fmt.Errorf("random set: %w", err)
		}
		rep.Random, rep.RandomSet = &rr, rdims
		fmt.Fprintf(stdout, "random delta_safe=%s delta_math=%s ras=%s\n", fmtNum(rr.DeltaSafe.Value), fmtNum(rr.DeltaMath.Value), fmtNum(rr.RAS))
		noteSkipped(stderr, "random set: ", rr)
	}
	return writeJSON(o.JSON, rep)
}

func noteSkipped(w io.Writer, prefix string, r ras.Result) {
	if s := r.DeltaSafe.Skipped + r.DeltaMath.Skipped; s > 0 {
		fmt.Fprintf(w, "note: %s%d safe and %d math dims skipped by the guard (non-positive denominator)\n", prefix, r.DeltaSafe.Skipped, r.DeltaMath.Skipped)
	}
}

// readNeuronSet reads a neuron set: the output of `rim analyze neurons`
// ({"neurons": [{"layer": l, "index": i}, …]}), a bare array of such
// objects, or an array of flat dim indices (into the concatenated layers).
func readNeuronSet(path string, widths []int) ([]neurons.Neuron, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var wrapped struct {
		Neurons []neurons.Neuron `json:"neurons"`
	}
	if json.Unmarshal(b, &wrapped) == nil && wrapped.Neurons != nil {
		return checkSet(path, wrapped.Neurons, widths)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(b, &elems); err != nil {
		return nil, fmt.Errorf("%s: want {\"neurons\": [{\"layer\", \"index\"}…]}, an array of such objects, or an array of dim indices", path)
	}
	if len(elems) > 0 && bytes.HasPrefix(bytes.TrimSpace(elems[0]), []byte("{")) {
		var objs []neurons.Neuron
		if err := json.Unmarshal(b, &objs); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return checkSet(path, objs, widths)
	}
	var flat []int
	if err := json.Unmarshal(b, &flat); err != nil {
		return nil, fmt.Errorf("%s: want an array of {\"layer\", \"index\"} objects or of dim indices: %w", path, err)
	}
	set := make([]neurons.Neuron, len(flat))
	for i, d := range flat {
		l := 0
		for l < len(widths) && d >= widths[l] {
			d -= widths[l]
			l++
		}
		if flat[i] < 0 || l == len(widths) {
			return nil, fmt.Errorf("%s: dim %d outside the %d dims", path, flat[i], sum(widths))
		}
		set[i] = neurons.Neuron{Layer: l, Index: d}
	}
	return checkSet(path, set, widths)
}

func checkSet(path string, set []neurons.Neuron, widths []int) ([]neurons.Neuron, error) {
	if len(set) == 0 {
		return nil, fmt.Errorf("%s: empty neuron set", path)
	}
	if _, err := neurons.Flat(set, widths); err != nil {
		return nil, fmt.Errorf("%s: %w (activations have %d layers of width %d)", path, err, len(widths), widths[0])
	}
	seen := map[neurons.Neuron]bool{}
	for _, n := range set {
		if seen[n] {
			return nil, fmt.Errorf("%s: %v listed twice", path, n)
		}
		seen[n] = true
	}
	return set, nil
}

func sum(v []int) int {
	s := 0
	for _, x := range v {
		s += x
	}
	return s
}
