package capture

import (
	"testing"

	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/neurons"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
)

func TestAblationsGroupByLayer(t *testing.T) {
	ivs := HeadAblations([]heads.Head{{Layer: 1, Head: 3}, {Layer: 0, Head: 2}, {Layer: 1, Head: 0}})
	want := `[{"site":"blocks.0.attn.hook_z","kind":"zero","heads":[2]} {"site":"blocks.1.attn.hook_z","kind":"zero","heads":[0,3]}]`
	if got := ivString(ivs); got != want {
		t.Fatalf("head ablations %s, want %s", got, want)
	}
	ivs = NeuronAblations([]neurons.Neuron{{Layer: 2, Index: 9}, {Layer: 2, Index: 1}})
	want = `[{"site":"blocks.2.mlp.hook_post","kind":"zero","neurons":[1,9]}]`
	if got := ivString(ivs); got != want {
		t.Fatalf("neuron ablations %s, want %s", got, want)
	}
}

func ivString(ivs []hook.Intervention) string {
	s := "["
	for i, iv := range ivs {
		if i > 0 {
			s += " "
		}
		s += iv.String()
	}
	return s + "]"
}

// The interventions act on the engine: ablated heads' hook_z and ablated
// neurons' hook_post are zero, the others are not.
func TestAblationsOnEngine(t *testing.T) {
	m, err := model.Load(testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3"), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ivs := append(HeadAblations([]heads.Head{{Layer: 1, Head: 2}}), NeuronAblations([]neurons.Neuron{{Layer: 0, Index: 5}})...)
	res, err := m.Forward(model.Input{InputIDs: [][]int{{5, 17, 99, 3, 250}}},
		model.Capture(hook.Z(1), hook.MLPPost(0)), model.WithInterventions(ivs...))
	if err != nil {
		t.Fatal(err)
	}
	z, zs, _ := res.Float32(hook.Z(1)) // [1, S, nHeads, dHead]
	for s := 0; s < zs[1]; s++ {
		for h := 0; h < zs[2]; h++ {
			var norm float64
			for d := 0; d < zs[3]; d++ {
				v := float64(z[((s*zs[2])+h)*zs[3]+d])
				norm += v * v
			}
			if (h == 2) != (norm == 0) {
				t.Fatalf("pos %d head %d: |z|² = %g", s, h, norm)
			}
		}
	}
	a, as, _ := res.Float32(hook.MLPPost(0)) // [1, S, dMLP]
	for s := 0; s < as[1]; s++ {
		if a[s*as[2]+5] != 0 || a[s*as[2]+4] == 0 {
			t.Fatalf("pos %d: neuron 5 = %g, neuron 4 = %g", s, a[s*as[2]+5], a[s*as[2]+4])
		}
	}
}
