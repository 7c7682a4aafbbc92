package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/rimlab/rim/rim/analysis/heads"
)

// HeadsOptions are the inputs of `rim analyze heads`.
type HeadsOptions struct {
	Think, NoThink               string // safetensors files with tensor "attn" [samples, layers, heads, keys]
	ThinkRegions, NoThinkRegions string // JSON: one array of region names (one per key) per sample
	Tensor                       string // default "attn"
	From, To, Anchor             string // defaults heads.RegionAssistant, heads.RegionThink, From
	MinCount                     int    // heads with count ≥ MinCount are "detected"; default 1
	Seed                         uint64 // random control heads
	JSON, CSV                    string
}

// HeadsReport is written with --json.
type HeadsReport struct {
	Samples       int               `json:"samples"`
	Layers        int               `json:"layers"`
	Heads         int               `json:"heads"`
	From          string            `json:"from"`
	To            string            `json:"to"`
	Anchor        string            `json:"anchor"`
	Ranked        []heads.HeadCount `json:"ranked"`
	MinCount      int               `json:"min_count"`
	Detected      []heads.Head      `json:"detected"`
	RandomSeed    uint64            `json:"random_seed"`
	RandomControl []heads.Head      `json:"random_control"`
	ControlError  string            `json:"random_control_error,omitempty"`
	HistThink     []heads.Bin       `json:"histogram_think"`
	HistNoThink   []heads.Bin       `json:"histogram_no_think"`
}

func readHeadSamples(path, tensorName, regionsPath string) ([]heads.Sample, error) {
	t, err := readTensor(path, tensorName, 4)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(regionsPath)
	if err != nil {
		return nil, err
	}
	var regions [][]string
	if err := json.Unmarshal(b, &regions); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of arrays of region names: %w", regionsPath, err)
	}
	ns, nl, nh, nk := t.shape[0], t.shape[1], t.shape[2], t.shape[3]
	if len(regions) != ns {
		return nil, fmt.Errorf("%s has %d samples but %v has %d", regionsPath, len(regions), t, ns)
	}
	out := make([]heads.Sample, ns)
	per := nl * nh * nk
	for i := range out {
		if len(regions[i]) == 0 || len(regions[i]) > nk {
			return nil, fmt.Errorf("%s: sample %d has %d region labels for %d keys", regionsPath, i, len(regions[i]), nk)
		}
		out[i] = heads.Sample{Attn: t.data[i*per : (i+1)*per], Layers: nl, Heads: nh, Keys: nk, Regions: regions[i]}
	}
	return out, nil
}

// Heads counts refusal-pattern heads (paper §3.2, Fig 4b), the argmax
// histograms relative to the anchor region (Fig A3) and a seeded random
// control with the detected heads' per-layer counts (Fig 5). It prints the
// ranked heads, one per line: `L6-H20 count=180 fraction=1`, on w; notes
// (no random control) go to errw.
func Heads(o HeadsOptions, w, errw io.Writer) error {
	// Files are written before anything is printed, so that a closed pipe
	// (rim analyze … | head) cannot lose them.
	var stdout bytes.Buffer
	if o.Think == "" || o.NoThink == "" || o.ThinkRegions == "" || o.NoThinkRegions == "" {
		return fmt.Errorf("--think, --no-think, --think-regions and --no-think-regions are required")
	}
	if o.Tensor == "" {
		o.Tensor = "attn"
	}
	if o.From == "" {
		o.From = heads.RegionAssistant
	}
	if o.To == "" {
		o.To = heads.RegionThink
	}
	if o.Anchor == "" {
		o.Anchor = o.From
	}
	if o.MinCount == 0 {
		o.MinCount = 1
	}
	think, err := readHeadSamples(o.Think, o.Tensor, o.ThinkRegions)
	if err != nil {
		return err
	}
	noThink, err := readHeadSamples(o.NoThink, o.Tensor, o.NoThinkRegions)
	if err != nil {
		return err
	}
	c, err := heads.Pattern(think, noThink, o.From, o.To)
	if err != nil {
		return err
	}
	rep := HeadsReport{Samples: c.Samples, Layers: c.Layers, Heads: c.Heads, From: o.From, To: o.To, Anchor: o.Anchor,
		Ranked: heads.Ranked(c), MinCount: o.MinCount, RandomSeed: o.Seed}
	if rep.Detected, err = heads.Select(rep.Ranked, o.MinCount); err != nil {
		return err
	}
	if rep.RandomControl, err = heads.RandomControl(rep.Detected, c.Layers, c.Heads, o.Seed); err != nil {
		// Not fatal: the counts are still the result (raise --min-count).
		rep.ControlError = err.Error()
		fmt.Fprintf(errw, "note: no random control: %v (raise --min-count)\n", err)
	}
	if rep.HistThink, err = heads.RelativeHistogram(think, o.Anchor); err != nil {
		return fmt.Errorf("think: %w", err)
	}
	if rep.HistNoThink, err = heads.RelativeHistogram(noThink, o.Anchor); err != nil {
		return fmt.Errorf("no-think: %w", err)
	}
	records := [][]string{{"head", "layer", "index", "count", "fraction"}}
	for _, r := range rep.Ranked {
		fmt.Fprintf(&stdout, "%s count=%d fraction=%s\n", r.Name, r.Count, fmtNum(r.Fraction))
		records = append(records, []string{r.Name, strconv.Itoa(r.Layer), strconv.Itoa(r.Head.Head), strconv.Itoa(r.Count), fmtNum(r.Fraction)})
	}
	if len(rep.Ranked) == 0 {
		fmt.Fprintf(&stdout, "no head moves its argmax from %q to %q on any of the %d samples\n", o.From, o.To, c.Samples)
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
