package neurons

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

var widths = []int{20, 30, 25}
var plantedSet = []Neuron{{0, 3}, {1, 7}, {1, 8}, {2, 0}}

// pairs draws 𝒦 = 50 (counterfactual, original) pooled activations where
// plantedSet rises by 5 in every pair and (0, 5) rises in 40 of 50 pairs.
func pairs(rng *rand.Rand) (cf, orig [][][]float64) {
	for k := range 50 {
		var c, o [][]float64
		for _, w := range widths {
			cr, or := make([]float64, w), make([]float64, w)
			for j := range w {
				or[j] = rng.NormFloat64() + 2
				cr[j] = or[j] + 0.3*rng.NormFloat64()
			}
			c, o = append(c, cr), append(o, or)
		}
		for _, n := range plantedSet {
			c[n.Layer][n.Index] += 5
		}
		if k%5 != 0 {
			c[0][5] += 4
		}
		cf, orig = append(cf, c), append(orig, o)
	}
	return cf, orig
}

func count(t *testing.T, cf, orig [][][]float64, m int, scope Scope) *Selection {
	t.Helper()
	c, err := NewCounter(widths, m, scope)
	if err != nil {
		t.Fatal(err)
	}
	for k := range cf {
		d, err := Diff(cf[k], orig[k])
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Selection()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlantedRecovered(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cf, orig := pairs(rng)
	// Global top-5: the 4 planted + (0,5) in 40 pairs, noise in the other 10.
	s := count(t, cf, orig, 5, Global)
	strict, _ := s.AtLeast(1)
	if fmt.Sprint(strict) != fmt.Sprint(plantedSet) {
		t.Fatalf("strict intersection %v, want %v", strict, plantedSet)
	}
	freq, _ := s.AtLeast(0.8)
	want := []Neuron{{0, 3}, {0, 5}, {1, 7}, {1, 8}, {2, 0}}
	if fmt.Sprint(freq) != fmt.Sprint(want) {
		t.Fatalf("q=0.8: %v, want %v", freq, want)
	}
	sizes, _ := s.Sizes([]float64{1, 0.8, 0.5})
	if sizes[0].Size != 4 || sizes[0].MinPairs != 50 || sizes[1].Size != 5 || sizes[1].MinPairs != 40 {
		t.Fatalf("sizes %+v", sizes)
	}
	// Per layer, m = 2: layers 0 and 2 fill their second slot with (0,5)/noise.
	s = count(t, cf, orig, 2, PerLayer)
	strict, _ = s.AtLeast(1)
	if fmt.Sprint(strict) != fmt.Sprint(plantedSet) {
		t.Fatalf("per-layer strict %v, want %v", strict, plantedSet)
	}
	if s.Scope != "layer" || s.Pairs != 50 {
		t.Fatalf("selection %+v", s)
	}
}

func TestTopMSigned(t *testing.T) {
	// Signed, not absolute: −9 is the smallest, not the largest.
	d := [][]float64{{1, -9, 3}, {2, 2, 0}}
	got, _ := TopM(d, 2, Global)
	if fmt.Sprint(got) != "[L0.N2 L1.N0]" { // 3, then the tie 2/2 goes to the lower index
		t.Fatalf("global %v", got)
	}
	got, _ = TopM(d, 1, PerLayer)
	if fmt.Sprint(got) != "[L0.N2 L1.N0]" {
		t.Fatalf("per layer %v", got)
	}
	if _, err := TopM(d, 4, PerLayer); err == nil || !strings.Contains(err.Error(), "top-m 4 is larger than layer 0's width 3") {
		t.Errorf("m > width: %v", err)
	}
	if _, err := TopM(d, 7, Global); err == nil || !strings.Contains(err.Error(), "top-m 7 is larger than the 6 neurons") {
		t.Errorf("m > total: %v", err)
	}
	if _, err := TopM([][]float64{{math.NaN()}}, 1, Global); err == nil || !strings.Contains(err.Error(), "layer 0 neuron 0 difference is NaN") {
		t.Errorf("NaN: %v", err)
	}
}

func TestMaxPool(t *testing.T) {
	acts := [][]float64{{1, -5}, {3, -7}, {2, -6}}
	got, err := MaxPool(acts, 0, 3)
	if err != nil || got[0] != 3 || got[1] != -5 {
		t.Fatalf("maxpool %v %v", got, err)
	}
	got, _ = MaxPool(acts, 1, 3)
	if got[1] != -6 {
		t.Fatalf("range maxpool %v", got)
	}
	if _, err := MaxPool(acts, 2, 5); err == nil {
		t.Error("range past the end accepted")
	}
}

func TestRandomControl(t *testing.T) {
	set := []Neuron{{0, 1}, {0, 2}, {2, 9}}
	a, err := RandomControl(set, widths, 7)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(PerLayerCounts(a, 3)) != "[2 0 1]" {
		t.Fatalf("per-layer %v", PerLayerCounts(a, 3))
	}
	for _, n := range a {
		for _, s := range set {
			if n == s {
				t.Fatalf("control contains %v", n)
			}
		}
	}
	b, _ := RandomControl(set, widths, 7)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("not deterministic")
	}
	if _, err := RandomControl([]Neuron{{0, 0}, {0, 1}}, []int{3}, 1); err == nil || !strings.Contains(err.Error(), "layer 0 has 2 selected neurons but only 1 others") {
		t.Errorf("too few others: %v", err)
	}
	flat, err := Flat([]Neuron{{0, 19}, {1, 0}, {2, 3}}, widths)
	if err != nil || fmt.Sprint(flat) != "[19 20 53]" {
		t.Fatalf("flat %v %v", flat, err)
	}
}

func TestCounterBadInput(t *testing.T) {
	if _, err := NewCounter(widths, 21, PerLayer); err == nil || !strings.Contains(err.Error(), "top-m 21 is larger than layer 0's width 20") {
		t.Errorf("m > width: %v", err)
	}
	c, _ := NewCounter(widths, 2, Global)
	if err := c.Add([][]float64{make([]float64, 20)}); err == nil || !strings.Contains(err.Error(), "pair 0 has 1 layers, want 3") {
		t.Errorf("layers: %v", err)
	}
	if _, err := c.Selection(); err == nil {
		t.Error("empty selection accepted")
	}
	if _, err := Diff([][]float64{{1}}, [][]float64{{1, 2}}); err == nil || !strings.Contains(err.Error(), "layer 0: counterfactual has 1 neurons but original has 2") {
		t.Errorf("diff: %v", err)
	}
	s := &Selection{Pairs: 3}
	if _, err := s.AtLeast(0); err == nil {
		t.Error("q = 0 accepted")
	}
}

// TopM's heap selection equals a full sort, ties included.
func TestTopMMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := range 200 {
		nl := 1 + rng.IntN(4)
		diff := make([][]float64, nl)
		var all []cand
		for l := range diff {
			diff[l] = make([]float64, 1+rng.IntN(12))
			for j := range diff[l] {
				diff[l][j] = float64(rng.IntN(5)) // many ties
				all = append(all, cand{Neuron{l, j}, diff[l][j]})
			}
		}
		m := 1 + rng.IntN(len(all))
		got, err := TopM(diff, m, Global)
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(all, func(a, b int) bool { return better(all[a], all[b]) })
		var want []Neuron
		for _, c := range all[:m] {
			want = append(want, c.n)
		}
		sortNeurons(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("trial %d: heap %v, sort %v", trial, got, want)
		}
	}
}
