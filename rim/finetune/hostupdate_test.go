package finetune

import (
	"math"
	"reflect"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/optim"
)

// TestScaleAndNorm: the fused parallel scale + norm equals scaling then
// optim.GlobalNorm bit for bit.
func TestScaleAndNorm(t *testing.T) {
	var a, b [][]float32
	for i, n := range []int{1, 7, 1 << 17, 3, 100003, 0, 65536} {
		x := make([]float32, n)
		for j := range x {
			x[j] = float32(math.Sin(float64(i*7919+j))) * float32(1+j%13)
		}
		y := make([]float32, n)
		copy(y, x)
		a, b = append(a, x), append(b, y)
	}
	inv := float32(1.0 / 37)
	for _, x := range b {
		for j := range x {
			x[j] *= inv
		}
	}
	want := optim.GlobalNorm(b...)
	if got := scaleAndNorm(a, inv); got != want || !reflect.DeepEqual(a, b) {
		t.Fatalf("norm %v, want %v (scaled equal: %v)", got, want, reflect.DeepEqual(a, b))
	}
}

// TestHostUpdateInPlace: full fine-tuning with the in-place host update
// trains its own copies: the model's tensors keep their values, and the
// trainer's parameter tensors stay the same objects across steps.
func TestHostUpdateInPlace(t *testing.T) {
	m := load(t, fixtureDir(t, "llama"))
	before := map[string][]float32{}
	for _, n := range m.ParamNames() {
		before[n] = tensors.MustCopyFlatData[float32](m.Param(n))
	}
	cfg := loraCfg()
	cfg.Mode, cfg.Update, cfg.MaxSteps = "full", "host", 2
	tr, err := New(m, tinyData(8, 512), 0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ps := append([]*tensors.Tensor(nil), tr.params().values...)
	for i, n := range m.ParamNames() {
		if ps[i] == m.Param(n) {
			t.Fatalf("%s: the trainer trains the model's own tensor", n)
		}
	}
	for i := 0; i < 2; i++ {
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(ps, tr.params().values) {
		t.Error("parameter tensors were replaced, not updated in place")
	}
	moved := false
	for n, w := range tr.Params() {
		if !reflect.DeepEqual(w, before[n]) {
			moved = true
		}
		if got := tensors.MustCopyFlatData[float32](m.Param(n)); !reflect.DeepEqual(got, before[n]) {
			t.Fatalf("%s: the model's weights changed", n)
		}
	}
	if !moved {
		t.Error("no weight moved")
	}
}
