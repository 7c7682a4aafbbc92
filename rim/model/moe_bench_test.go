package model_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/modeltest"
)

// TestMoEBenchSparseVsDense (RIM_MOE_BENCH=1) times dense and sparse experts
// on a qwen3_moe shape with 64 experts, top-8: a batched forward and a
// single-token decode step. Numbers are in docs/engine.md.
func TestMoEBenchSparseVsDense(t *testing.T) {
	if os.Getenv("RIM_MOE_BENCH") == "" {
		t.Skip("set RIM_MOE_BENCH=1 to run")
	}
	dir := t.TempDir()
	spec := modeltest.Spec{ModelType: "qwen3_moe", Vocab: 1024, Hidden: 512, Heads: 8, KVHeads: 4, HeadDim: 64,
		Layers: 2, Experts: 64, TopK: 8, MoEIntermediate: 256, Intermediate: 1024, Seed: 1}
	if err := modeltest.Write(dir, spec); err != nil {
		t.Fatal(err)
	}
	batch := 2
	if os.Getenv("RIM_MOE_BENCH") == "8" {
		batch = 8
	}
	ids := make([][]int, batch)
	for b := range ids {
		for i := 0; i < 128; i++ {
			ids[b] = append(ids[b], (31*i+7*b)%1024)
		}
	}
	for _, mode := range benchModes() {
		m, err := model.Load(dir, model.Options{MoE: mode})
		if err != nil {
			t.Fatal(err)
		}
		f, err := m.BenchForward(fmt.Sprintf("%s forward %dx128", mode, batch), ids, 3)
		if err != nil {
			t.Fatal(err)
		}
		d, err := m.BenchDecode(string(mode)+" decode", ids[0][:16], 20)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println(f)
		fmt.Println(d)
		m.Close()
	}
}

func benchModes() []model.MoEMode {
	if m := os.Getenv("RIM_MOE_BENCH_MODE"); m != "" {
		return []model.MoEMode{model.MoEMode(m)}
	}
	return []model.MoEMode{model.MoEDense, model.MoESparse}
}
