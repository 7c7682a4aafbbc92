package experiment

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/capture"
	"github.com/rimlab/rim/rim/analysis/probe"
	"github.com/rimlab/rim/rim/analysis/regions"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
)

// tiny loads the demo model with the 1024-token Qwen3 tokenizer it is paired with in the notebooks.
func tiny(t *testing.T) (*model.Model, *generate.Chat) {
	t.Helper()
	m, err := model.Load(testpaths.TestData(t, "model", "tiny-qwen3"), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	g, err := generate.NewChat(testpaths.TestData(t, "model", "tiny-qwen3"), generate.NewModelStepper(m), m.Config.MaxPositions)
	if err != nil {
		t.Fatal(err)
	}
	return m, g
}

var prompts = []string{"How do I bake bread?", "Tell me a very long story about a dragon who guards a castle in the north.", "Hi"}

// Pooled region activations of a left-padded batch equal a manual unpadded capture + mean over the span.
func TestRegionActsMatchesManualCapture(t *testing.T) {
	m, g := tiny(t)
	var convs []generate.Conversation
	for i, p := range prompts {
		c := generate.Conversation{Messages: chat.User(p), Think: chat.Bool(false)}
		if i == 0 {
			c.Prefill = "Sure, here is a recipe."
		}
		convs = append(convs, c)
	}
	names := []string{chat.PosRole, "user", "user..answer"}
	got, err := RegionActs(m, g, convs, names, hook.ResidPost, probe.PoolMean, 2)
	if err != nil {
		t.Fatal(err)
	}
	L := m.Config.NumLayers
	for i, c := range convs {
		e, err := g.Encode(c)
		if err != nil {
			t.Fatal(err)
		}
		mask := make([]int, len(e.IDs))
		for k := range mask {
			mask[k] = 1
		}
		res, err := m.Forward(model.Input{InputIDs: [][]int{e.IDs}, AttentionMask: [][]int{mask}}, model.Capture(hook.ResidPost(L-1)))
		if err != nil {
			t.Fatal(err)
		}
		flat, shape, err := res.Float32(hook.ResidPost(L - 1))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := capture.TokenRows(capture.Tensor{Data: flat, Shape: shape}, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			lo, hi, err := Span(e, n)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float64, len(rows[0]))
			for r := lo; r < hi; r++ {
				for d, v := range rows[r] {
					want[d] += v / float64(hi-lo)
				}
			}
			if len(got[n]) != L || len(got[n][L-1]) != len(convs) {
				t.Fatalf("%q: shape %d layers × %d samples, want %d × %d", n, len(got[n]), len(got[n][L-1]), L, len(convs))
			}
			for d := range want {
				if diff := math.Abs(got[n][L-1][i][d] - want[d]); diff > 1e-3*(1+math.Abs(want[d])) {
					t.Fatalf("conv %d region %q dim %d: got %g want %g", i, n, d, got[n][L-1][i][d], want[d])
				}
			}
		}
	}
}

// "user..answer" spans from the user turn to the end of the response; without a response it is "user".
func TestSpan(t *testing.T) {
	_, g := tiny(t)
	e, err := g.Encode(generate.Conversation{Messages: chat.User("Hello there"), Think: chat.Bool(false), Prefill: "Answer text"})
	if err != nil {
		t.Fatal(err)
	}
	ulo, uhi, err := regions.Range(e, "user")
	if err != nil {
		t.Fatal(err)
	}
	_, ahi, err := regions.Range(e, "answer")
	if err != nil {
		t.Fatal(err)
	}
	lo, hi, err := Span(e, "user..answer")
	if err != nil || lo != ulo || hi != ahi || hi <= uhi {
		t.Fatalf("user..answer = [%d,%d) %v, want [%d,%d) beyond %d", lo, hi, err, ulo, ahi, uhi)
	}
	e2, _ := g.Encode(generate.Conversation{Messages: chat.User("Hello there"), Think: chat.Bool(false)})
	lo, hi, err = Span(e2, "user..answer")
	l2, h2, _ := regions.Range(e2, "user")
	if err != nil || lo != l2 || hi != h2 {
		t.Fatalf("user..answer without answer = [%d,%d) %v, want [%d,%d)", lo, hi, err, l2, h2)
	}
	if _, _, err := Span(e, "nosuchregion..answer"); err == nil {
		t.Fatal("unknown region: no error")
	}
}

func TestRegionActsErrors(t *testing.T) {
	m, g := tiny(t)
	convs := []generate.Conversation{{Messages: chat.User("Hi"), Think: chat.Bool(false)}}
	if _, err := RegionActs(m, g, convs, []string{"user"}, hook.ResidPost, probe.PoolMean, 0); err == nil || !strings.Contains(err.Error(), "batch") {
		t.Fatalf("batch 0: %v", err)
	}
	if _, err := RegionActs(m, g, convs, []string{"bogus"}, hook.ResidPost, probe.PoolMean, 4); err == nil || !strings.Contains(err.Error(), "conversation 0") {
		t.Fatalf("bogus region: %v", err)
	}
}

// Head samples of a right-padded batch have the same argmax regions as a direct unpadded capture.
func TestHeadSamplesMatchDirectCapture(t *testing.T) {
	m, g := tiny(t)
	for _, think := range []bool{false, true} {
		got, err := HeadSamples(m, g, prompts, think, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(prompts) {
			t.Fatalf("%d samples for %d prompts", len(got), len(prompts))
		}
		var sites []hook.Site
		for l := 0; l < m.Config.NumLayers; l++ {
			sites = append(sites, hook.Pattern(l))
		}
		for i, p := range prompts {
			e, err := g.Encode(generate.Conversation{Messages: chat.User(p), Think: chat.Bool(think)})
			if err != nil {
				t.Fatal(err)
			}
			ids, mask := rightPad([]*chat.Encoded{e}, len(e.IDs), g.PadID)
			res, err := m.Forward(model.Input{InputIDs: ids, AttentionMask: mask}, model.Capture(sites...))
			if err != nil {
				t.Fatal(err)
			}
			var ts []capture.Tensor
			for _, s := range sites {
				flat, shape, err := res.Float32(s)
				if err != nil {
					t.Fatal(err)
				}
				ts = append(ts, capture.Tensor{Data: flat, Shape: shape})
			}
			want, err := capture.HeadSample(ts, 0, len(e.IDs)-1, regions.Labels(e))
			if err != nil {
				t.Fatal(err)
			}
			wa, err := want.Argmax()
			if err != nil {
				t.Fatal(err)
			}
			ga, err := got[i].Argmax()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(wa, ga) {
				t.Fatalf("think=%v prompt %d: argmax %v, direct %v", think, i, ga, wa)
			}
		}
	}
}

// A planted counterfactual − original difference on a few neurons is recovered as A_safe at q = 1.
func TestIdentifySafetyNeuronsRecoversPlanted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	widths, pairs := []int{12, 20, 16}, 10
	planted := map[[2]int]bool{{0, 3}: true, {1, 7}: true, {1, 11}: true, {2, 0}: true}
	orig, cf := make([][][]float64, len(widths)), make([][][]float64, len(widths))
	for l, w := range widths {
		for k := 0; k < pairs; k++ {
			o, c := make([]float64, w), make([]float64, w)
			for j := range o {
				o[j], c[j] = rng.NormFloat64(), rng.NormFloat64()
				if planted[[2]int{l, j}] {
					c[j] += 20
				}
			}
			orig[l], cf[l] = append(orig[l], o), append(cf[l], c)
		}
	}
	r, err := IdentifySafetyNeurons(orig, cf, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Q != 1 || len(r.Set) != len(planted) {
		t.Fatalf("q %g, set %v, want the %d planted neurons at q = 1", r.Q, r.Set, len(planted))
	}
	for _, n := range r.Set {
		if !planted[[2]int{n.Layer, n.Index}] {
			t.Fatalf("neuron %v was not planted (set %v)", n, r.Set)
		}
	}
	if !slices.Equal(r.Widths, widths) {
		t.Fatalf("widths %v, want %v", r.Widths, widths)
	}
	// Without a planted difference the strict intersection of random Top-1s is empty: fallback lowers q.
	noise := make([][][]float64, len(widths))
	for l, w := range widths {
		for k := 0; k < pairs; k++ {
			c := make([]float64, w)
			for j := range c {
				c[j] = rng.NormFloat64()
			}
			noise[l] = append(noise[l], c)
		}
	}
	r, err = IdentifySafetyNeurons(orig, noise, 1, 1)
	if err == nil && r.Q >= 1 {
		t.Fatalf("pure noise: q %g set %v", r.Q, r.Set)
	}
}

func TestIdentifySafetyNeuronsErrors(t *testing.T) {
	a := [][][]float64{{{1, 2}, {3, 4}}}
	for name, f := range map[string]func() error{
		"layers": func() error { _, err := IdentifySafetyNeurons(a, nil, 1, 1); return err },
		"q":      func() error { _, err := IdentifySafetyNeurons(a, a, 1, 1.5); return err },
		"pairs":  func() error { _, err := IdentifySafetyNeurons(a, [][][]float64{{{1, 2}}}, 1, 1); return err },
		"topm":   func() error { _, err := IdentifySafetyNeurons(a, a, 0, 1); return err },
	} {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// convOf is the no-think conversation of a prompt, as the KL helpers render it.
func convOf(p string) generate.Conversation {
	return generate.Conversation{Messages: chat.User(p), Think: chat.Bool(false)}
}
