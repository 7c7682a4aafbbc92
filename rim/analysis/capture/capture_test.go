package capture

import (
	"math"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/neurons"
	"github.com/rimlab/rim/rim/analysis/probe"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
)

// TestWithEngine runs the hf-tiny Qwen3 model through rim/model with
// captures and feeds them to the analyses: the layouts agree (attention rows
// are causal distributions), and the pipeline runs end to end.
func TestWithEngine(t *testing.T) {
	m, err := model.Load(testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3"), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	const S = 9
	ids := [][]int{{5, 17, 99, 3, 250, 8, 41, 7, 300}, {5, 17, 99, 3, 251, 9, 42, 7, 301}}
	sites := []hook.Site{hook.Pattern(0), hook.Pattern(1), hook.MLPPost(0), hook.MLPPost(1), hook.ResidPost(1)}
	res, err := m.Forward(model.Input{InputIDs: ids}, model.Capture(sites...))
	if err != nil {
		t.Fatal(err)
	}
	get := func(s hook.Site) Tensor {
		d, sh, err := res.Float32(s)
		if err != nil {
			t.Fatal(err)
		}
		return Tensor{d, sh}
	}
	pats := []Tensor{get(hook.Pattern(0)), get(hook.Pattern(1))}
	// Query 4 attends to keys 0..4 only, summing to 1 per head.
	row, err := QueryRow(pats[1], 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	K := pats[1].Shape[3]
	for h := 0; h < pats[1].Shape[1]; h++ {
		var sum float64
		for k := range K {
			v := float64(row[h*K+k])
			if k > 4 && v != 0 {
				t.Fatalf("head %d attends to future key %d: %g", h, k, v)
			}
			sum += v
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Fatalf("head %d row sums to %g", h, sum)
		}
	}
	regions := []string{"user", "user", "user", "user_end", "header_start", "role", "header_nl", "think_open", "think"}
	var samples []heads.Sample
	for b := range ids {
		s, err := HeadSample(pats, b, S-1, regions)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, s)
	}
	if _, err := heads.Pattern(samples, samples, heads.RegionAssistant, heads.RegionThink); err != nil {
		t.Fatal(err)
	}
	hist, err := heads.RelativeHistogram(samples, "role")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, b := range hist {
		total += b.Count
	}
	if total != 2*2*pats[0].Shape[1] {
		t.Fatalf("histogram counts %d argmaxes", total)
	}
	// Neurons: max-pool the MLP activations and take a difference.
	var pooled [2][][]float64
	for b := range ids {
		for _, l := range []int{0, 1} {
			rows, err := TokenRows(get(hook.MLPPost(l)), b)
			if err != nil {
				t.Fatal(err)
			}
			p, err := neurons.MaxPool(rows, 0, S)
			if err != nil {
				t.Fatal(err)
			}
			pooled[b] = append(pooled[b], p)
		}
	}
	diff, err := neurons.Diff(pooled[1], pooled[0])
	if err != nil {
		t.Fatal(err)
	}
	top, err := neurons.TopM(diff, 3, neurons.PerLayer)
	if err != nil || len(top) != 6 {
		t.Fatalf("top-m %v %v", top, err)
	}
	// Probe pooling over a region of the residual stream.
	rows, _ := TokenRows(get(hook.ResidPost(1)), 0)
	if v, err := probe.PoolMean(rows, 7, 9); err != nil || len(v) != 64 {
		t.Fatalf("pool %d %v", len(v), err)
	}
	if _, err := TokenRows(pats[0], 0); err == nil || !strings.Contains(err.Error(), "want rank 3") {
		t.Errorf("pattern as token rows: %v", err)
	}
}
