package analyze

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/neurons"
	"github.com/rimlab/rim/rim/analysis/probe"
	"github.com/rimlab/rim/rim/analysis/ras"
	"github.com/rimlab/rim/rim/analysis/stats"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// TestAgainstPythonReference checks every analysis against an independent
// pure-Python implementation written from docs/paper.md
// (testdata/analysis/reference/reference.py, which generated data.json and
// expected.json): probe, RAS variants with zero/negative activations,
// Top-m with ties, head counts and histogram, KL, Pearson/Spearman with
// p-values from its own incomplete beta function.
func TestAgainstPythonReference(t *testing.T) {
	var data struct {
		Corr  struct{ X, Y []float64 }
		Probe []struct{ Pos, Neg [][]float64 }
		RAS   struct {
			BaseSafe  [][]float64 `json:"base_safe"`
			TunedSafe [][]float64 `json:"tuned_safe"`
			BaseMath  [][]float64 `json:"base_math"`
			TunedMath [][]float64 `json:"tuned_math"`
		}
		Neurons [][][]float64
		Heads   struct {
			Think          [][][]float64 `json:"think"`
			NoThink        [][][]float64 `json:"no_think"`
			ThinkRegions   []string      `json:"think_regions"`
			NoThinkRegions []string      `json:"no_think_regions"`
		}
		KL struct{ Base, Tuned [][][]float64 }
	}
	var exp struct {
		Pearson, Spearman [2]float64
		PValues           [][3]float64
		Probe             []struct {
			Direction []float64
			Threshold float64
			Pos       float64 `json:"pos_score"`
			Neg       float64 `json:"neg_score"`
		}
		RAS     map[string]map[string]float64
		Neurons map[string][][]int
		Heads   struct {
			Counts    []int
			HistThink [][2]int `json:"hist_think"`
		}
		KL struct{ Token, Sequence float64 }
	}
	for name, v := range map[string]any{"data.json": &data, "expected.json": &exp} {
		b, err := os.ReadFile(testpaths.TestData(t, "analysis", "reference", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.IsNaN(got) || math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %.17g, python %.17g", what, got, want)
		}
	}

	p, err := stats.Pearson(data.Corr.X, data.Corr.Y)
	if err != nil {
		t.Fatal(err)
	}
	near("pearson r", p.R, exp.Pearson[0], 1e-12)
	near("pearson p", p.P, exp.Pearson[1], 1e-10)
	s, _ := stats.Spearman(data.Corr.X, data.Corr.Y)
	near("spearman rho", s.R, exp.Spearman[0], 1e-12)
	near("spearman p", s.P, exp.Spearman[1], 1e-10)
	for _, c := range exp.PValues {
		// Relative tolerance: p spans 1e-15 … 0.6.
		got := stats.PValue(c[0], int(c[1]))
		if math.Abs(got-c[2]) > 1e-9*c[2]+1e-15 {
			t.Errorf("p(r=%g, n=%g) = %.17g, python %.17g", c[0], c[1], got, c[2])
		}
	}

	if len(exp.Probe) != len(data.Probe) || len(exp.Probe) == 0 {
		t.Fatal("probe data missing")
	}
	for l, L := range data.Probe {
		pr, err := probe.FitSteering(L.Pos[:14], L.Neg[:10])
		if err != nil {
			t.Fatal(err)
		}
		e := exp.Probe[l]
		for j := range e.Direction {
			near(fmt.Sprintf("layer %d d[%d]", l, j), pr.Direction[j], e.Direction[j], 1e-12)
		}
		near(fmt.Sprintf("layer %d threshold", l), pr.Threshold, e.Threshold, 1e-12)
		ps, _ := probe.GroupScore(pr, "pos", L.Pos[14:])
		ns, _ := probe.GroupScore(pr, "neg", L.Neg[10:])
		near(fmt.Sprintf("layer %d pos score", l), ps, e.Pos, 0)
		near(fmt.Sprintf("layer %d neg score", l), ns, e.Neg, 0)
	}

	if len(exp.RAS) != 8 {
		t.Fatalf("%d RAS variants", len(exp.RAS))
	}
	for key, want := range exp.RAS {
		parts := strings.Split(key, "/")
		norm, guard, agg := parts[0], parts[1], parts[2]
		var o ras.Options
		var e1, e2, e3 error
		o.Norm, e1 = ParseNorm(norm)
		o.Guard, e2 = ParseGuard(guard)
		o.Aggregate, e3 = ParseAggregate(agg)
		if e1 != nil || e2 != nil || e3 != nil {
			t.Fatal(key, e1, e2, e3)
		}
		r, err := ras.Compute(data.RAS.BaseSafe, data.RAS.TunedSafe, data.RAS.BaseMath, data.RAS.TunedMath, nil, o)
		_, hasRAS := want["ras"]
		if !hasRAS {
			// Python found a negative δ: rim must refuse the means.
			if err == nil {
				t.Errorf("%s: python has a negative δ (%v) but rim computed RAS %g", key, want, r.RAS)
			}
			d, derr := ras.DeltaSafe(stats.MeanRows(data.RAS.BaseSafe), stats.MeanRows(data.RAS.TunedSafe), nil, o)
			if agg == "mean" && derr == nil {
				near(key+" δ⁻_safe", d.Value, want["delta_safe"], 1e-12)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		near(key+" δ⁻_safe", r.DeltaSafe.Value, want["delta_safe"], 1e-12)
		near(key+" δ⁺_math", r.DeltaMath.Value, want["delta_math"], 1e-12)
		near(key+" ras", r.RAS, want["ras"], 1e-12)
		near(key+" arithmetic", r.Arithmetic, want["arithmetic"], 1e-12)
		near(key+" geometric", r.Geometric, want["geometric"], 1e-12)
	}

	for key, want := range exp.Neurons {
		parts := strings.Split(key, "/")
		m, _ := strconv.Atoi(parts[0])
		sc, _ := neurons.ParseScope(parts[1])
		c, err := neurons.NewCounter([]int{6, 6, 6}, m, sc)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range data.Neurons {
			if err := c.Add(d); err != nil {
				t.Fatal(err)
			}
		}
		sel, _ := c.Selection()
		if fmt.Sprint(sel.Counts) != fmt.Sprint(want) {
			t.Errorf("neurons %s: counts %v, python %v", key, sel.Counts, want)
		}
	}

	var think, noThink []heads.Sample
	flat := func(rows [][]float64) []float32 {
		var out []float32
		for _, r := range rows {
			for _, v := range r {
				out = append(out, float32(v))
			}
		}
		return out
	}
	for i := range data.Heads.Think {
		think = append(think, heads.Sample{Attn: flat(data.Heads.Think[i]), Layers: 2, Heads: 3, Keys: 7, Regions: data.Heads.ThinkRegions})
		noThink = append(noThink, heads.Sample{Attn: flat(data.Heads.NoThink[i]), Layers: 2, Heads: 3, Keys: 7, Regions: data.Heads.NoThinkRegions})
	}
	hc, err := heads.Pattern(think, noThink, heads.RegionAssistant, heads.RegionThink)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(hc.N) != fmt.Sprint(exp.Heads.Counts) {
		t.Errorf("head counts %v, python %v", hc.N, exp.Heads.Counts)
	}
	hist, _ := heads.RelativeHistogram(think, "role")
	var got [][2]int
	for _, b := range hist {
		got = append(got, [2]int{b.Offset, b.Count})
	}
	if fmt.Sprint(got) != fmt.Sprint(exp.Heads.HistThink) {
		t.Errorf("histogram %v, python %v", got, exp.Heads.HistThink)
	}

	var b32, t32 [][]float32
	for s := range data.KL.Base {
		b32 = append(b32, flat(data.KL.Base[s]))
		t32 = append(t32, flat(data.KL.Tuned[s]))
	}
	// float32 logits: tolerance 1e-6.
	tk, _ := ras.MeanKL(b32, t32, 5, ras.TokenMean)
	sk, _ := ras.MeanKL(b32, t32, 5, ras.SequenceMean)
	near("kl token", tk, exp.KL.Token, 1e-6)
	near("kl sequence", sk, exp.KL.Sequence, 1e-6)
}
