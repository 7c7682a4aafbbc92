package lora

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/rimlab/rim/rim/backend"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/safetensors"
)

func fixtureModules(t *testing.T, name string) []Module {
	t.Helper()
	d, err := safetensors.OpenDir(testpaths.Shared(t, "fixtures", "hf-tiny", name))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	shapes := map[string][]int{}
	for _, n := range d.Names() {
		info, _ := d.Info(n)
		shapes[n] = info.Shape
	}
	return ModulesFromWeights(shapes)
}

func names(ms []Module) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

func TestResolveFixtures(t *testing.T) {
	cases := []struct {
		model   string
		targets []string
		want    []string // module names for layer 0 (or all when short)
		count   int
	}{
		{"qwen3", []string{"attn.q", "mlp.down"}, nil, 4},
		{"qwen3", PaperTargets, nil, 14},
		{"phi3", []string{"attn.q"}, []string{"model.layers.0.self_attn.qkv_proj", "model.layers.1.self_attn.qkv_proj"}, 2},
		{"phi3", []string{"attn.q", "attn.k", "mlp.up"}, nil, 4},
		{"mixtral", []string{"blocks.1.moe.experts.*.up"}, []string{
			"model.layers.1.block_sparse_moe.experts.0.w3", "model.layers.1.block_sparse_moe.experts.1.w3",
			"model.layers.1.block_sparse_moe.experts.2.w3", "model.layers.1.block_sparse_moe.experts.3.w3"}, 4},
		{"qwen3_moe", []string{"moe.router"}, nil, -1},
		{"qwen3_moe", []string{"moe.experts.2.down"}, nil, -1},
	}
	for _, c := range cases {
		ms := fixtureModules(t, c.model)
		sel, err := Resolve(ms, c.targets)
		if err != nil {
			t.Fatalf("%s %v: %v", c.model, c.targets, err)
		}
		if c.want != nil && !reflect.DeepEqual(names(sel), c.want) {
			t.Errorf("%s %v: got %v", c.model, c.targets, names(sel))
		}
		if c.count >= 0 && len(sel) != c.count {
			t.Errorf("%s %v: %d modules %v", c.model, c.targets, len(sel), names(sel))
		}
		for _, m := range sel {
			if c.targets[0] == "moe.router" && !strings.HasSuffix(m.Name, "mlp.gate") {
				t.Errorf("router resolved to %s", m.Name)
			}
			if c.targets[0] == "moe.experts.2.down" && !strings.HasSuffix(m.Name, "experts.2.down_proj") {
				t.Errorf("expert resolved to %s", m.Name)
			}
		}
	}
}

func TestResolveErrors(t *testing.T) {
	ms := fixtureModules(t, "qwen3")
	for _, c := range []struct {
		targets []string
		want    string
	}{
		{[]string{"attn.qq"}, `target "attn.qq": not in rim's vocabulary`},
		{[]string{"blocks.40.attn.q"}, `target "blocks.40.attn.q" matches no module`},
		{[]string{"attn.qkv"}, `target "attn.qkv" matches no module`},
		{[]string{"moe.router"}, "match no module of this model"},
		{nil, "no targets"},
		{[]string{"q_proj"}, "not in rim's vocabulary"},
	} {
		_, err := Resolve(ms, c.targets)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.targets, err, c.want)
		}
	}
	moe := fixtureModules(t, "qwen3_moe")
	if _, err := Resolve(moe, []string{"moe.experts.9.up"}); err == nil {
		t.Error("expert 9 of 8: want error")
	}
}

func TestInitAndScaling(t *testing.T) {
	ms := fixtureModules(t, "llama")
	cfg := Config{R: 4, Alpha: 8, RSLoRA: true, Targets: []string{"attn.q", "attn.v"}}
	a, err := New(cfg, ms, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Pairs) != 4 {
		t.Fatalf("%d pairs", len(a.Pairs))
	}
	for _, p := range a.Pairs {
		bound := 1 / math.Sqrt(float64(p.Module.In))
		var maxAbs float64
		for _, x := range p.A {
			maxAbs = math.Max(maxAbs, math.Abs(float64(x)))
		}
		if maxAbs > bound || maxAbs < 0.8*bound {
			t.Errorf("%s: max|A| %g, bound %g", p.Module.Name, maxAbs, bound)
		}
		for _, x := range p.B {
			if x != 0 {
				t.Fatalf("%s: B not zero", p.Module.Name)
			}
		}
	}
	b, _ := New(cfg, ms, 7)
	if !reflect.DeepEqual(a.Pairs[0].A, b.Pairs[0].A) {
		t.Error("same seed, different A")
	}
	if s := cfg.Scaling(); s != 4 {
		t.Errorf("rslora scaling %v, want 8/sqrt(4)=4", s)
	}
	cfg.RSLoRA = false
	if s := cfg.Scaling(); s != 2 {
		t.Errorf("scaling %v, want 8/4=2", s)
	}
	for _, bad := range []Config{{R: 0, Alpha: 1}, {R: 2, Alpha: 0}, {R: 2, Alpha: 1, Dropout: 1}} {
		bad.Targets = []string{"attn.q"}
		if _, err := New(bad, ms, 1); err == nil {
			t.Errorf("%+v: want error", bad)
		}
	}
}

func randomize(a *Adapter, seed float64) {
	for _, p := range a.Pairs {
		for i := range p.B {
			p.B[i] = float32(math.Sin(float64(i)*0.37+seed) * 0.05)
		}
	}
}

func TestMergeUnmerge(t *testing.T) {
	ms := fixtureModules(t, "qwen2")
	a, err := New(Config{R: 3, Alpha: 6, Targets: []string{"mlp.down"}}, ms, 1)
	if err != nil {
		t.Fatal(err)
	}
	randomize(a, 1)
	p := a.Pairs[0]
	in, out, r := p.Module.In, p.Module.Out, a.Config.R
	w := make([]float32, out*in)
	for i := range w {
		w[i] = float32(math.Cos(float64(i)))
	}
	w0 := append([]float32(nil), w...)
	if err := a.Merge(p, w); err != nil {
		t.Fatal(err)
	}
	// Naive check of one element: W'[o,i] = W + s Σ_k B[o,k] A[k,i].
	o, i := out-1, in/2
	var want float64
	for k := 0; k < r; k++ {
		want += float64(p.B[o*r+k]) * float64(p.A[k*in+i])
	}
	want = float64(w0[o*in+i]) + a.Config.Scaling()*want
	if math.Abs(float64(w[o*in+i])-want) > 1e-6 {
		t.Fatalf("merged %v want %v", w[o*in+i], want)
	}
	if err := a.Unmerge(p, w); err != nil {
		t.Fatal(err)
	}
	for j := range w {
		if math.Abs(float64(w[j]-w0[j])) > 1e-6 {
			t.Fatalf("unmerge [%d]: %v vs %v", j, w[j], w0[j])
		}
	}
	if err := a.Merge(p, w[:5]); err == nil {
		t.Fatal("want size error")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	ms := fixtureModules(t, "mixtral")
	cfg := Config{R: 2, Alpha: 16, RSLoRA: true, Targets: []string{"attn.*", "moe.experts.*.down"}, BaseName: "tiny-mixtral"}
	a, err := New(cfg, ms, 3)
	if err != nil {
		t.Fatal(err)
	}
	randomize(a, 2)
	dir := t.TempDir()
	if err := a.Save(dir); err != nil {
		t.Fatal(err)
	}
	b, err := Load(dir, ms)
	if err != nil {
		t.Fatal(err)
	}
	if b.Config.R != 2 || b.Config.Alpha != 16 || !b.Config.RSLoRA || b.Config.BaseName != "tiny-mixtral" ||
		!reflect.DeepEqual(b.Config.Targets, cfg.Targets) {
		t.Fatalf("config %+v", b.Config)
	}
	if len(b.Pairs) != len(a.Pairs) {
		t.Fatalf("%d pairs, want %d", len(b.Pairs), len(a.Pairs))
	}
	for i := range a.Pairs {
		if !reflect.DeepEqual(a.Pairs[i], b.Pairs[i]) {
			t.Fatalf("pair %s differs", a.Pairs[i].Module.Name)
		}
	}
	// PEFT layout: tensor names and config keys.
	f, err := safetensors.Open(filepath.Join(dir, WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, ok := f.Info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
	if !ok || !reflect.DeepEqual(info.Shape, []int{2, 64}) {
		t.Fatalf("lora_A: %v %v (names %v)", ok, info.Shape, f.Names()[:2])
	}
	raw, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
	var js map[string]any
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	if js["peft_type"] != "LORA" || js["r"] != 2.0 || js["lora_alpha"] != 16.0 || js["use_rslora"] != true || js["task_type"] != "CAUSAL_LM" {
		t.Fatalf("adapter_config: %s", raw)
	}
	if _, ok := js["rim_targets"]; ok {
		t.Fatal("adapter_config.json carries a key PEFT does not know")
	}
	tm := js["target_modules"].([]any)
	want := []any{"k_proj", "o_proj", "q_proj", "v_proj", "w2"}
	if !reflect.DeepEqual(tm, want) {
		t.Fatalf("target_modules %v want %v", tm, want)
	}
}

// TestLoadPEFTWritten loads an adapter laid out exactly as PEFT's
// save_pretrained writes it (regex target_modules, no rim_targets), and checks
// the refusals.
func TestLoadPEFTWritten(t *testing.T) {
	ms := fixtureModules(t, "llama")
	dir := t.TempDir()
	write := func(cfg string, ts []safetensors.Tensor) {
		if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := safetensors.Write(filepath.Join(dir, WeightsFile), ts, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
	}
	q0a, q0b := TensorNames("model.layers.0.self_attn.q_proj")
	q1a, q1b := TensorNames("model.layers.1.self_attn.q_proj")
	good := []safetensors.Tensor{
		safetensors.F32(q0a, []int{2, 64}, make([]float32, 128)), safetensors.F32(q0b, []int{64, 2}, make([]float32, 128)),
		safetensors.F32(q1a, []int{2, 64}, make([]float32, 128)), safetensors.F32(q1b, []int{64, 2}, make([]float32, 128)),
	}
	peftCfg := `{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "lora_dropout": 0.05, "bias": "none",
	  "target_modules": ".*\\.q_proj", "use_rslora": false, "use_dora": false, "task_type": "CAUSAL_LM",
	  "rank_pattern": {}, "alpha_pattern": {}, "modules_to_save": null, "fan_in_fan_out": false}`
	write(peftCfg, good)
	a, err := Load(dir, ms)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Pairs) != 2 || a.Config.Scaling() != 2 || a.Config.Dropout != 0.05 {
		t.Fatalf("%d pairs, scaling %v", len(a.Pairs), a.Config.Scaling())
	}
	for _, c := range []struct {
		cfg  string
		ts   []safetensors.Tensor
		want string
	}{
		{peftCfg, good[:2], "selects model.layers.1.self_attn.q_proj but the adapter has no factors"},
		{strings.Replace(peftCfg, `"use_dora": false`, `"use_dora": true`, 1), good, "use_dora"},
		{strings.Replace(peftCfg, `"r": 2`, `"r": 3`, 1), good, "want [3 64]"},
		{peftCfg, append(good[:2:2], safetensors.F32("base_model.model.lm_head.lora_A.weight", []int{2, 64}, make([]float32, 128))), `"lm_head" is not an adaptable module`},
		{peftCfg, append(good[:2:2], safetensors.F32("extra", []int{1}, []float32{0})), `"extra" is not a PEFT LoRA factor`},
	} {
		write(c.cfg, c.ts)
		if _, err := Load(dir, ms); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

// TestWrapLinear: with B = 0 the adapted projection equals the base exactly;
// with B ≠ 0 it equals the projection with the merged weight.
func TestWrapLinear(t *testing.T) {
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	ms := fixtureModules(t, "llama")
	a, err := New(Config{R: 4, Alpha: 8, RSLoRA: true, Targets: []string{"blocks.0.attn.o"}}, ms, 5)
	if err != nil {
		t.Fatal(err)
	}
	p := a.Pairs[0]
	in, out := p.Module.In, p.Module.Out
	w := make([]float32, out*in)
	x := make([]float32, 3*in)
	for i := range w {
		w[i] = float32(math.Sin(float64(i) * 0.1))
	}
	for i := range x {
		x[i] = float32(math.Cos(float64(i) * 0.3))
	}
	name := p.Module.Name
	exec, err := graph.NewExec(b, func(in []*graph.Node) []*graph.Node {
		base := func(n string, x *graph.Node) *graph.Node {
			return graph.DotGeneral(x, []int{1}, nil, in[1], []int{1}, nil)
		}
		lin := WrapLinear(base, map[string]Factors{name: {A: in[2], B: in[3]}}, a.Config.Scaling(), nil)
		return []*graph.Node{lin(name, in[0]), base(name, in[0]), lin("other", in[0])}
	})
	if err != nil {
		t.Fatal(err)
	}
	run := func(wt []float32) ([]float32, []float32, []float32) {
		outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, 3, in), tensors.FromFlatDataAndDimensions(wt, out, in),
			tensors.FromFlatDataAndDimensions(p.A, a.Config.R, in), tensors.FromFlatDataAndDimensions(p.B, out, a.Config.R))
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1]), tensors.MustCopyFlatData[float32](outs[2])
	}
	lo, base, other := run(w)
	if !reflect.DeepEqual(lo, base) || !reflect.DeepEqual(other, base) {
		t.Fatal("B=0: adapted output differs from base")
	}
	randomize(a, 3)
	lo, base, _ = run(w)
	merged := append([]float32(nil), w...)
	if err := a.Merge(p, merged); err != nil {
		t.Fatal(err)
	}
	_, mergedOut, _ := run(merged)
	var maxd, maxdelta float64
	for i := range lo {
		maxd = math.Max(maxd, math.Abs(float64(lo[i]-mergedOut[i])))
		maxdelta = math.Max(maxdelta, math.Abs(float64(lo[i]-base[i])))
	}
	if maxd > 1e-5 || maxdelta < 1e-3 {
		t.Fatalf("unmerged vs merged %g (delta from base %g)", maxd, maxdelta)
	}
}
