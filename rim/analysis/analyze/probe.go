package analyze

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/rimlab/rim/rim/analysis/probe"
)

// ProbeOptions are the inputs of `rim analyze probe`.
type ProbeOptions struct {
	Acts      string  // safetensors file
	Tensor    string  // tensor name, shape [samples, layers, d]; default "acts"
	Labels    string  // CSV/JSON table: label (required), group, split (optional)
	TrainFrac float64 // used when the table has no split column; default 0.6 (the paper's 6:4)
	Config    probe.Config
	JSON, CSV string // optional outputs
}

// ProbeReport is written with --json.
type ProbeReport struct {
	Acts    string `json:"acts"`
	Tensor  string `json:"tensor"`
	Method  string `json:"method"`
	Samples int    `json:"samples"`
	Train   int    `json:"train"`
	Folds   int    `json:"folds"`
	Seed    uint64 `json:"seed"`
	// MeanCV averages the per-layer CV accuracies (the paper reports one CV
	// accuracy per mode, 0.923 / 0.929, without saying over which layers).
	MeanCV *float64            `json:"mean_cv_accuracy,omitempty"`
	Layers []probe.LayerResult `json:"layers"`
}

func parseLabel(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "pos", "positive", "+":
		return true, nil
	case "0", "false", "neg", "negative", "-":
		return false, nil
	}
	return false, fmt.Errorf("label %q is not one of 1/0, true/false, pos/neg", s)
}

// readProbeSamples reads the label table into probe samples.
func readProbeSamples(path string, trainFrac float64, seed uint64) ([]probe.Sample, error) {
	t, err := readTable(path)
	if err != nil {
		return nil, err
	}
	lc, err := t.col("label", true)
	if err != nil {
		return nil, err
	}
	gc, _ := t.col("group", false)
	sc, _ := t.col("split", false)
	out := make([]probe.Sample, len(t.rows))
	for i, r := range t.rows {
		cell := func(c int) string {
			if c < 0 || c >= len(r) {
				return ""
			}
			return strings.TrimSpace(r[c])
		}
		pos, err := parseLabel(cell(lc))
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", path, i+1, err)
		}
		g := cell(gc)
		if g == "" {
			g = "negative"
			if pos {
				g = "positive"
			}
		}
		out[i] = probe.Sample{Positive: pos, Group: g}
		if sc >= 0 {
			switch strings.ToLower(cell(sc)) {
			case "train":
				out[i].Train = true
			case "test":
			default:
				return nil, fmt.Errorf("%s: row %d: split %q is neither train nor test", path, i+1, cell(sc))
			}
		}
	}
	if sc < 0 {
		if trainFrac == 0 {
			trainFrac = 0.6
		}
		pos := make([]bool, len(out))
		for i, smp := range out {
			pos[i] = smp.Positive
		}
		train, _, err := probe.StratifiedSplit(pos, trainFrac, seed)
		if err != nil {
			return nil, err
		}
		for _, i := range train {
			out[i].Train = true
		}
	}
	return out, nil
}

// Probe fits the paper's steering-vector probe (or the logistic extension)
// at every layer and prints one line per layer: CV accuracy, test accuracy
// and each group's probe score (fraction above threshold; "-" for a group
// with no test samples).
func Probe(o ProbeOptions, w io.Writer) error {
	// Files are written before anything is printed, so that a closed pipe
	// (rim analyze … | head) cannot lose them.
	var stdout bytes.Buffer
	if o.Acts == "" || o.Labels == "" {
		return fmt.Errorf("--acts and --labels are required")
	}
	if o.Tensor == "" {
		o.Tensor = "acts"
	}
	t, err := readTensor(o.Acts, o.Tensor, 3)
	if err != nil {
		return err
	}
	samples, err := readProbeSamples(o.Labels, o.TrainFrac, o.Config.Seed)
	if err != nil {
		return err
	}
	ns, nl, d := t.shape[0], t.shape[1], t.shape[2]
	if len(samples) != ns {
		return fmt.Errorf("%s has %d label rows but %v has %d samples", o.Labels, len(samples), t, ns)
	}
	layer := func(l int) ([][]float64, error) {
		rows := make([][]float64, ns)
		for i := range rows {
			rows[i] = make([]float64, d)
			base := (i*nl + l) * d
			for j := range d {
				rows[i][j] = float64(t.data[base+j])
			}
		}
		return rows, nil
	}
	res, err := probe.Layers(nl, layer, samples, o.Config)
	if err != nil {
		return err
	}
	rep := ProbeReport{Acts: o.Acts, Tensor: o.Tensor, Method: o.Config.Method, Samples: ns, Folds: o.Config.Folds, Seed: o.Config.Seed, Layers: res}
	if rep.Method == "" {
		rep.Method = "steering"
	}
	if rep.Folds == 0 {
		rep.Folds = 5
	}
	for _, s := range samples {
		if s.Train {
			rep.Train++
		}
	}
	if len(res) > 0 && res[0].CV != nil {
		var m float64
		for _, r := range res {
			m += r.CV.Accuracy / float64(len(res))
		}
		rep.MeanCV = &m
	}
	var groups []string
	if len(res) > 0 {
		for g := range res[0].Groups {
			groups = append(groups, g)
		}
		sort.Strings(groups)
	}
	fmt.Fprintf(&stdout, "layer cv_acc test_acc %s\n", strings.Join(groups, " "))
	records := [][]string{{"layer", "threshold", "cv_accuracy", "test_accuracy", "group", "n", "score"}}
	for _, r := range res {
		cv, th := "-", ""
		if r.CV != nil {
			cv = strconv.FormatFloat(r.CV.Accuracy, 'f', 4, 64)
		}
		if r.Threshold != nil {
			th = strconv.FormatFloat(*r.Threshold, 'g', 8, 64)
		}
		te := "-"
		if r.TestAcc != nil {
			te = strconv.FormatFloat(*r.TestAcc, 'f', 4, 64)
		}
		line := []string{strconv.Itoa(r.Layer), cv, te}
		for _, g := range groups {
			gr := r.Groups[g]
			sc := "-"
			if gr.Score != nil {
				sc = strconv.FormatFloat(*gr.Score, 'f', 4, 64)
			}
			line = append(line, sc)
			records = append(records, []string{strconv.Itoa(r.Layer), th, cv, line[2], g, strconv.Itoa(gr.N), sc})
		}
		fmt.Fprintln(&stdout, strings.Join(line, " "))
	}
	if err := writeCSV(o.CSV, records); err != nil {
		return err
	}
	if err := writeJSON(o.JSON, rep); err != nil {
		return err
	}
	_, err = w.Write(stdout.Bytes())
	return err
}
