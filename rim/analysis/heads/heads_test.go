package heads

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/paper"
)

const L, H = 4, 8

var thinkRegions = []string{"user", "user", "user", "user", "user_end", "header_start", "role", "header_nl"}
var noThinkRegions = append(append([]string{}, thinkRegions...), "think_open", "think", "think_close")

// sample builds attention rows whose argmax for head lh is at[lh] (default key 1).
func sample(regions []string, keys int, at map[Head]int) Sample {
	s := Sample{Layers: L, Heads: H, Keys: keys, Regions: regions, Attn: make([]float32, L*H*keys)}
	for l := range L {
		for h := range H {
			k, ok := at[Head{l, h}]
			if !ok {
				k = 1
			}
			row := s.Attn[(l*H+h)*keys:]
			for j := range keys {
				row[j] = 0.01
			}
			row[k] = 0.5
			if keys > len(regions) {
				row[keys-1] = 0.9 // padding carries the largest weight and must be ignored
			}
		}
	}
	return s
}

func planted() (think, noThink []Sample) {
	for i := range 10 {
		ta := map[Head]int{{1, 3}: 6, {0, 0}: 6}
		na := map[Head]int{{1, 3}: 9, {0, 0}: 4}
		if i < 6 {
			ta[Head{2, 5}] = 6
			na[Head{2, 5}] = 9
		}
		think = append(think, sample(thinkRegions, 12, ta))
		noThink = append(noThink, sample(noThinkRegions, 12, na))
	}
	return think, noThink
}

func TestPlantedPattern(t *testing.T) {
	think, noThink := planted()
	c, err := Pattern(think, noThink, RegionAssistant, RegionThink)
	if err != nil {
		t.Fatal(err)
	}
	if c.At(1, 3) != 10 || c.At(2, 5) != 6 || c.At(0, 0) != 0 {
		t.Fatalf("counts L1-H3=%d L2-H5=%d L0-H0=%d", c.At(1, 3), c.At(2, 5), c.At(0, 0))
	}
	r := Ranked(c)
	if len(r) != 2 || r[0].Name != "L1-H3" || r[0].Fraction != 1 || r[1].Name != "L2-H5" || r[1].Fraction != 0.6 {
		t.Fatalf("ranked %+v", r)
	}
	sel, _ := Select(r, 7)
	if len(sel) != 1 || sel[0] != (Head{1, 3}) {
		t.Fatalf("select ≥7: %v", sel)
	}
	// Fig A3-style histogram: think mode, relative to `assistant` (key 6).
	hist, err := RelativeHistogram(think, RegionAssistant)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(hist)
	// Per sample: 2 heads (+1 for 6 samples) at offset 0, the rest at key 1 (offset −5).
	want := fmt.Sprint([]Bin{{-5, 10*L*H - 26}, {0, 26}})
	if got != want {
		t.Fatalf("histogram %s, want %s", got, want)
	}
	hist, _ = RelativeHistogram(noThink, RegionAssistant)
	if hist[len(hist)-1] != (Bin{3, 16}) {
		t.Fatalf("no-think histogram %v: the empty think span is +3", hist)
	}
}

// TestFig4bLabels: the paper's ranked heads (Fig 4b) come out in order and
// the printed bubble labels are count/180 (L6-H20 1.00, L0-H11 0.97, …).
func TestFig4bLabels(t *testing.T) {
	c := &Counts{Layers: 36, Heads: 32, Samples: paper.Fig4bSamples, N: make([]int, 36*32)}
	// Insert in reverse so that Ranked must sort.
	for i := len(paper.Fig4b) - 1; i >= 0; i-- {
		var l, h int
		fmt.Sscanf(paper.Fig4b[i].Name, "L%d-H%d", &l, &h)
		c.N[l*32+h] = paper.Fig4b[i].Count
	}
	r := Ranked(c)
	if len(r) != len(paper.Fig4b) {
		t.Fatalf("%d ranked heads, want %d", len(r), len(paper.Fig4b))
	}
	for i, f := range paper.Fig4b {
		if r[i].Count != f.Count {
			t.Errorf("rank %d: %s %d, want %s %d", i, r[i].Name, r[i].Count, f.Name, f.Count)
		}
	}
	labels := map[string]float64{"L6-H20": 1.00, "L0-H11": 0.97, "L0-H23": 0.96, "L17-H16": 0.74, "L17-H13": 0.73, "L0-H0": 0.71,
		"L1-H25": 0.55, "L15-H5": 0.44, "L6-H11": 0.41, "L15-H9": 0.19, "L18-H7": 0.16, "L15-H31": 0.12, "L21-H15": 0.11}
	for _, h := range r {
		if want, ok := labels[h.Name]; ok && math.Abs(math.Round(h.Fraction*100)/100-want) > 1e-9 {
			t.Errorf("%s fraction %.4f, printed label %.2f", h.Name, h.Fraction, want)
		}
	}
	// Ties are ordered by layer then head (L3-H2 before L14-H4, both 14).
	for i := 1; i < len(r); i++ {
		if r[i].Count == r[i-1].Count && (r[i].Layer < r[i-1].Layer || r[i].Layer == r[i-1].Layer && r[i].Head.Head < r[i-1].Head.Head) {
			t.Errorf("tie order: %s after %s", r[i].Name, r[i-1].Name)
		}
	}
}

func TestRandomControl(t *testing.T) {
	target := []Head{{0, 0}, {0, 1}, {2, 7}}
	a, err := RandomControl(target, L, H, 1)
	if err != nil {
		t.Fatal(err)
	}
	per := map[int]int{}
	for _, h := range a {
		per[h.Layer]++
		for _, x := range target {
			if h == x {
				t.Fatalf("control contains target head %v", h)
			}
		}
	}
	if per[0] != 2 || per[2] != 1 || len(a) != 3 {
		t.Fatalf("per-layer counts %v", per)
	}
	b, _ := RandomControl(target, L, H, 1)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same seed, different control")
	}
	differ := false
	for s := uint64(2); s < 10 && !differ; s++ {
		c, _ := RandomControl(target, L, H, s)
		differ = fmt.Sprint(a) != fmt.Sprint(c)
	}
	if !differ {
		t.Fatal("control ignores the seed")
	}
	full := []Head{{1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}}
	if _, err := RandomControl(full, L, H, 1); err == nil || !strings.Contains(err.Error(), "layer 1 has 5 target heads but only 3 others") {
		t.Errorf("full layer: %v", err)
	}
	if _, err := RandomControl([]Head{{4, 0}}, L, H, 1); err == nil || !strings.Contains(err.Error(), "L4-H0 outside 4 layers × 8 heads") {
		t.Errorf("out of range: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	think, noThink := planted()
	if _, err := Pattern(think, noThink[:3], RegionAssistant, RegionThink); err == nil || !strings.Contains(err.Error(), "10 think samples but 3 no-think samples") {
		t.Errorf("count mismatch: %v", err)
	}
	bad := sample(thinkRegions, 12, nil)
	bad.Attn[5] = float32(math.NaN())
	if _, err := Pattern([]Sample{bad}, noThink[:1], RegionAssistant, RegionThink); err == nil || !strings.Contains(err.Error(), "L0-H0 key 5 is NaN") {
		t.Errorf("NaN: %v", err)
	}
	short := sample(thinkRegions, 12, nil)
	short.Attn = short.Attn[:10]
	if _, err := Pattern([]Sample{short}, noThink[:1], RegionAssistant, RegionThink); err == nil || !strings.Contains(err.Error(), "10 attention weights for shape [4, 8, 12]") {
		t.Errorf("short: %v", err)
	}
	if _, err := RelativeHistogram(think[:1], "nowhere"); err == nil || !strings.Contains(err.Error(), `no key labelled "nowhere"`) {
		t.Errorf("anchor: %v", err)
	}
	if _, err := Select(nil, 0); err == nil {
		t.Error("min count 0 accepted")
	}
}
