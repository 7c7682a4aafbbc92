package experiment

import (
	"math"
	"testing"

	"github.com/rimlab/rim/rim/analysis/neurons"
	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// The cached max-pool equals RegionActs over the same conversations, and the response is part of the region.
func TestCachedMLPMaxPool(t *testing.T) {
	m, g := tiny(t)
	tokDir := testpaths.TestData(t, "model", "tiny-qwen3")
	ps := []data.Prompt{{ID: "a", Text: prompts[0]}, {ID: "b", Text: prompts[1]}}
	rs := []string{"Sure, first mix flour.", "Once upon a time"}
	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	got, err := CachedMLPMaxPool(c, testpaths.TestData(t, "model", "tiny-qwen3"), tokDir, ps, rs, "user..answer", 1)
	if err != nil {
		t.Fatal(err)
	}
	convs := []generate.Conversation{
		{Messages: chat.User(ps[0].Text), Think: chat.Bool(false), Prefill: rs[0]},
		{Messages: chat.User(ps[1].Text), Think: chat.Bool(false), Prefill: rs[1]},
	}
	want, err := RegionActs(m, g, convs, []string{"user..answer"}, hook.MLPPost, neurons.MaxPool, 2)
	if err != nil {
		t.Fatal(err)
	}
	noResp, err := CachedMLPMaxPool(c, testpaths.TestData(t, "model", "tiny-qwen3"), tokDir, ps, nil, "user..answer", 2)
	if err != nil {
		t.Fatal(err)
	}
	same := true
	for l := range want["user..answer"] {
		for k := range ps {
			for j, v := range want["user..answer"][l][k] {
				if math.Abs(got[l][k][j]-v) > 1e-3*(1+math.Abs(v)) {
					t.Fatalf("layer %d sample %d neuron %d: %g vs %g", l, k, j, got[l][k][j], v)
				}
				if noResp[l][k][j] != got[l][k][j] {
					same = false
				}
			}
		}
	}
	if same {
		t.Fatal("pooling with and without the response gave identical activations")
	}
}
