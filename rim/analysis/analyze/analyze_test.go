package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/probe"
	"github.com/rimlab/rim/rim/analysis/ras"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/safetensors"
)

func write(t *testing.T, dir, name string, tensors ...safetensors.Tensor) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := safetensors.Write(p, tensors, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func f32(rows ...[]float32) []float32 {
	var out []float32
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func wantErr(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), msg) {
		t.Errorf("error %v, want one containing %q", err, msg)
	}
}

func TestCorrelateFig8(t *testing.T) {
	csv := testpaths.TestData(t, "analysis", "fig8_qwen3_4b.csv")
	js := filepath.Join(t.TempDir(), "r.json")
	var out bytes.Buffer
	if err := Correlate(CorrelateOptions{CSV: csv, X: "ras_target", Y: "mrate", JSON: js}, &out); err != nil {
		t.Fatal(err)
	}
	var r, p, rho, sp float64
	if _, err := fmt.Sscanf(out.String(), "pearson r=%g p=%g\nspearman rho=%g p=%g\n", &r, &p, &rho, &sp); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if math.Abs(r-0.891) > 5e-4 || math.Abs(p-0.003) > 5e-4 {
		t.Errorf("r=%g p=%g, want 0.891 0.003", r, p)
	}
	var res CorrelateResult
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &res); err != nil || res.Pearson.R != r && math.Abs(res.Pearson.R-r) > 1e-5 || res.Spearman.N != 8 {
		t.Errorf("json %s: %v", b, err)
	}
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.csv", "a,b\n1,2\n2,NaN\n3,4\n")
	wantErr(t, Correlate(CorrelateOptions{CSV: bad, X: "a", Y: "b"}, &out), `row 2 column "b" is NaN`)
	out.Reset()
	bom := writeFile(t, dir, "bom.csv", "\ufeffa,b\n1,2\n2,4.5\n3,5\n")
	if err := Correlate(CorrelateOptions{CSV: bom, X: "a", Y: "b"}, &out); err != nil || !strings.HasPrefix(out.String(), "pearson r=0.9") {
		t.Errorf("csv with BOM: %q %v", out.String(), err)
	}
	bad = writeFile(t, dir, "bad2.csv", "a,b\n1,2\n2,x\n3,4\n")
	wantErr(t, Correlate(CorrelateOptions{CSV: bad, X: "a", Y: "b"}, &out), `row 2 column "b": "x" is not a number`)
	wantErr(t, Correlate(CorrelateOptions{CSV: csv, X: "ras", Y: "mrate"}, &out), `no column "ras" (columns: checkpoint, mrate`)
	js2 := writeFile(t, dir, "pts.json", `[{"a":1,"b":2},{"a":2,"b":4.5},{"a":3,"b":5}]`)
	out.Reset()
	if err := Correlate(CorrelateOptions{CSV: js2, X: "a", Y: "b"}, &out); err != nil || !strings.HasPrefix(out.String(), "pearson r=0.9") {
		t.Errorf("json table: %q %v", out.String(), err)
	}
}

// The hand example of ras_test.go through files.
func rasFiles(t *testing.T, dir string) (base, tuned string) {
	base = write(t, dir, "base.safetensors",
		safetensors.F32("safe", []int{1, 3}, []float32{4, 2, 1}),
		safetensors.F32("math", []int{1, 3}, []float32{1, 1, 3}))
	tuned = write(t, dir, "tuned.safetensors",
		safetensors.F32("safe", []int{1, 3}, []float32{2, 2, 2}),
		safetensors.F32("math", []int{1, 3}, []float32{2, 1, 1}))
	return base, tuned
}

func TestRAS(t *testing.T) {
	dir := t.TempDir()
	base, tuned := rasFiles(t, dir)
	var out, errb bytes.Buffer
	if err := RAS(RASOptions{Base: base, Tuned: tuned}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "delta_safe=1.3333333333333333 delta_math=0.6666666666666666 ras=0.8888888888888888\n" {
		t.Errorf("output %q", got)
	}
	out.Reset()
	RAS(RASOptions{Base: base, Tuned: tuned, Options: ras.Options{Norm: ras.NormQualifying}}, &out, &errb)
	if got := out.String(); got != "delta_safe=4 delta_math=2 ras=2.6666666666666665\n" {
		t.Errorf("qualifying: %q", got)
	}
	// Mismatched sample counts.
	two := write(t, dir, "two.safetensors",
		safetensors.F32("safe", []int{2, 3}, make([]float32, 6)),
		safetensors.F32("math", []int{1, 3}, []float32{2, 1, 1}))
	wantErr(t, RAS(RASOptions{Base: base, Tuned: two}, &out, &errb), "sample counts differ")
	nan := write(t, dir, "nan.safetensors",
		safetensors.F32("safe", []int{1, 3}, []float32{2, float32(math.NaN()), 2}),
		safetensors.F32("math", []int{1, 3}, []float32{2, 1, 1}))
	wantErr(t, RAS(RASOptions{Base: base, Tuned: nan}, &out, &errb), `tensor "safe" element 1 (index [0 1]) is NaN`)
	empty := write(t, dir, "empty.safetensors",
		safetensors.F32("safe", []int{0, 3}, nil),
		safetensors.F32("math", []int{0, 3}, nil))
	wantErr(t, RAS(RASOptions{Base: empty, Tuned: empty}, &out, &errb), "no samples or an empty dimension")
	nomath := write(t, dir, "nomath.safetensors", safetensors.F32("safe", []int{1, 3}, []float32{2, 2, 2}))
	wantErr(t, RAS(RASOptions{Base: base, Tuned: nomath}, &out, &errb), `no tensor "math"`)
	// A zero denominator is skipped by default and reported on stderr.
	zero := write(t, dir, "zero.safetensors",
		safetensors.F32("safe", []int{1, 3}, []float32{0, 2, 2}),
		safetensors.F32("math", []int{1, 3}, []float32{2, 1, 1}))
	out.Reset()
	errb.Reset()
	if err := RAS(RASOptions{Base: base, Tuned: zero}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "1 safe and 0 math dims skipped") || !strings.HasPrefix(out.String(), "delta_safe=0 ") {
		t.Errorf("guard: out %q err %q", out.String(), errb.String())
	}
	wantErr(t, RAS(RASOptions{Base: base, Tuned: zero, Options: ras.Options{Guard: ras.GuardError}}, &out, &errb), "dim 0: denominator activation 0")
}

func TestRASNeuronsAndRandom(t *testing.T) {
	dir := t.TempDir()
	// [samples=2, layers=2, width=4]; safety shrinks only at (1,2), math grows only at (1,2) and (0,0).
	bs := make([]float32, 16)
	for i := range bs {
		bs[i] = 1
	}
	ts := append([]float32(nil), bs...)
	bm := append([]float32(nil), bs...)
	tm := append([]float32(nil), bs...)
	for s := range 2 {
		ts[s*8+4+2] = 0.5 // (1,2): (1−0.5)/0.5·1 = 1
		tm[s*8+4+2] = 2   // (2−1)/1·2 = 2
		tm[s*8+0] = 3     // (0,0): (3−1)/1·3 = 6
	}
	base := write(t, dir, "b.safetensors", safetensors.F32("safe", []int{2, 2, 4}, bs), safetensors.F32("math", []int{2, 2, 4}, bm))
	tuned := write(t, dir, "t.safetensors", safetensors.F32("safe", []int{2, 2, 4}, ts), safetensors.F32("math", []int{2, 2, 4}, tm))
	set := writeFile(t, dir, "set.json", `{"neurons":[{"layer":1,"index":2}]}`)
	var out, errb bytes.Buffer
	seed := uint64(3)
	js := filepath.Join(dir, "r.json")
	if err := RAS(RASOptions{Base: base, Tuned: tuned, Neurons: set, RandomSeed: &seed, JSON: js}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if lines[0] != "delta_safe=1 delta_math=2 ras=1.3333333333333333" || !strings.HasPrefix(lines[1], "random delta_safe=0 ") {
		t.Errorf("output %q", out.String())
	}
	var rep RASReport
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.RandomSet) != 1 || rep.RandomSet[0] < 4 || rep.RandomSet[0] == 6 || rep.Dims != 1 {
		t.Errorf("report %s %v", b, err)
	}
	// All 8 dims: δ⁻ = 1/8, δ⁺ = (2+6)/8.
	out.Reset()
	RAS(RASOptions{Base: base, Tuned: tuned}, &out, &errb)
	if out.String() != "delta_safe=0.125 delta_math=1 ras=0.2222222222222222\n" {
		t.Errorf("all dims: %q", out.String())
	}
	flat := writeFile(t, dir, "flat.json", `[6]`)
	out.Reset()
	RAS(RASOptions{Base: base, Tuned: tuned, Neurons: flat}, &out, &errb)
	if out.String() != "delta_safe=1 delta_math=2 ras=1.3333333333333333\n" {
		t.Errorf("flat set: %q", out.String())
	}
	wantErr(t, RAS(RASOptions{Base: base, Tuned: tuned, Neurons: writeFile(t, dir, "oob.json", `[{"layer":2,"index":0}]`)}, &out, &errb), "L2.N0 outside the layer widths")
	wantErr(t, RAS(RASOptions{Base: base, Tuned: tuned, RandomSeed: &seed}, &out, &errb), "--random-seed needs --neurons")
}

func plantedActs(rng *rand.Rand, n, layers, d int) ([]float32, []bool) {
	dir := make([]float64, d)
	for j := range dir {
		dir[j] = rng.NormFloat64()
	}
	data := make([]float32, n*layers*d)
	labels := make([]bool, n)
	for i := range n {
		labels[i] = i%3 != 0
		for l := range layers {
			for j := range d {
				v := rng.NormFloat64() + 1
				if l > 0 && labels[i] {
					v += 3 * dir[j]
				}
				data[(i*layers+l)*d+j] = float32(v)
			}
		}
	}
	return data, labels
}

func TestProbe(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	data, labels := plantedActs(rng, 90, 3, 12)
	acts := write(t, dir, "acts.safetensors", safetensors.F32("acts", []int{90, 3, 12}, data))
	var sb strings.Builder
	sb.WriteString("label,group\n")
	for _, l := range labels {
		if l {
			sb.WriteString("1,harmful\n")
		} else {
			sb.WriteString("0,safe\n")
		}
	}
	lab := writeFile(t, dir, "labels.csv", sb.String())
	js, csvp := filepath.Join(dir, "p.json"), filepath.Join(dir, "p.csv")
	var out bytes.Buffer
	if err := Probe(ProbeOptions{Acts: acts, Labels: lab, JSON: js, CSV: csvp, Config: probeConfig(1)}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != "layer cv_acc test_acc harmful safe" || len(lines) != 4 {
		t.Fatalf("output %q", out.String())
	}
	for _, l := range lines[2:] {
		if !strings.HasSuffix(l, "1.0000 1.0000 0.0000") || !strings.Contains(l, " 1.0000 ") {
			t.Errorf("planted layer line %q", l)
		}
	}
	var rep ProbeReport
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &rep); err != nil || rep.Train != 54 || rep.Samples != 90 || len(rep.Layers) != 3 || rep.Layers[1].Groups["harmful"].N == 0 || rep.MeanCV == nil || *rep.MeanCV < 0.8 {
		t.Errorf("report: %v %+v", err, rep)
	}
	c, _ := os.ReadFile(csvp)
	if !strings.HasPrefix(string(c), "layer,threshold,cv_accuracy,test_accuracy,group,n,score\n0,") {
		t.Errorf("csv %q", c)
	}
	// Logistic extension on the same files.
	out.Reset()
	cfg := probeConfig(1)
	cfg.Method, cfg.Lambda = "logistic", 0.1
	if err := Probe(ProbeOptions{Acts: acts, Labels: lab, Config: cfg}, &out); err != nil {
		t.Fatal(err)
	}
	// Bad input: label count, bad label, no positive training samples.
	short := writeFile(t, dir, "short.csv", "label\n1\n0\n")
	wantErr(t, Probe(ProbeOptions{Acts: acts, Labels: short}, &out), "has 2 label rows but")
	badl := writeFile(t, dir, "badl.csv", "label\n1\nmaybe\n")
	wantErr(t, Probe(ProbeOptions{Acts: acts, Labels: badl}, &out), `row 2: label "maybe"`)
	var nb strings.Builder
	nb.WriteString("label,split\n")
	for i := range 90 {
		if i < 45 {
			nb.WriteString("0,train\n")
		} else {
			nb.WriteString("1,test\n")
		}
	}
	nopos := writeFile(t, dir, "nopos.csv", nb.String())
	wantErr(t, Probe(ProbeOptions{Acts: acts, Labels: nopos}, &out), "training split: probe: no positive samples")
}

func probeConfig(seed uint64) (c probe.Config) { c.Seed = seed; return c }

func TestHeadsAndNeuronsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	// heads: 3 samples, 2 layers × 2 heads, 6 keys; head (1,0) moves role → think.
	thinkReg := `["user","user_end","header_start","role","nl"]`
	noReg := `["user","user_end","header_start","role","think_open","think"]`
	th := make([]float32, 3*2*2*6)
	nt := make([]float32, 3*2*2*6)
	for s := range 3 {
		for lh := range 4 {
			th[(s*4+lh)*6+0] = 0.5
			nt[(s*4+lh)*6+0] = 0.5
		}
		th[(s*4+2)*6+3] = 0.9
		nt[(s*4+2)*6+5] = 0.9
	}
	tf := write(t, dir, "think.safetensors", safetensors.F32("attn", []int{3, 2, 2, 6}, th))
	nf := write(t, dir, "nothink.safetensors", safetensors.F32("attn", []int{3, 2, 2, 6}, nt))
	tr := writeFile(t, dir, "tr.json", "["+thinkReg+","+thinkReg+","+thinkReg+"]")
	nr := writeFile(t, dir, "nr.json", "["+noReg+","+noReg+","+noReg+"]")
	js := filepath.Join(dir, "h.json")
	var out bytes.Buffer
	if err := Heads(HeadsOptions{Think: tf, NoThink: nf, ThinkRegions: tr, NoThinkRegions: nr, JSON: js}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "L1-H0 count=3 fraction=1\n" {
		t.Errorf("heads output %q", out.String())
	}
	var hr HeadsReport
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &hr); err != nil || len(hr.RandomControl) != 1 || hr.RandomControl[0].Layer != 1 || hr.RandomControl[0].Head != 1 {
		t.Errorf("heads report %s %v", b, err)
	}
	if fmt.Sprint(hr.HistNoThink) != "[{-3 9} {2 3}]" {
		t.Errorf("no-think histogram %v", hr.HistNoThink)
	}
	wantErr(t, Heads(HeadsOptions{Think: tf, NoThink: nf, ThinkRegions: writeFile(t, dir, "r2.json", "["+thinkReg+"]"), NoThinkRegions: nr}, &out, &out), "has 1 samples but")
	// Both heads of layer 1 detected (from "user" to "user"): no control
	// can be drawn, which is reported, not fatal.
	out.Reset()
	var errb bytes.Buffer
	if err := Heads(HeadsOptions{Think: tf, NoThink: nf, ThinkRegions: tr, NoThinkRegions: nr, From: "user", To: "user", Anchor: "role"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "note: no random control: heads: layer 0 has 2 target heads but only 0 others") {
		t.Errorf("control failure: stderr %q", errb.String())
	}

	// neurons: 6 pairs, 2 layers × 5 neurons; (1,3) always rises most.
	rng := rand.New(rand.NewPCG(2, 2))
	o := make([]float32, 6*2*5)
	c := make([]float32, len(o))
	for i := range o {
		o[i] = float32(rng.Float64())
		c[i] = o[i] + float32(0.1*rng.Float64())
	}
	for k := range 6 {
		c[k*10+5+3] += 2
	}
	of := write(t, dir, "orig.safetensors", safetensors.F32("acts", []int{6, 2, 5}, o))
	cf := write(t, dir, "cf.safetensors", safetensors.F32("acts", []int{6, 2, 5}, c))
	nj := filepath.Join(dir, "n.json")
	out.Reset()
	if err := Neurons(NeuronsOptions{Original: of, Counterfactual: cf, M: 1, Scope: "global", JSON: nj}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "q=1 min_pairs=6 size=1\n") || !strings.HasSuffix(out.String(), "selected 1 neurons (m=1 scope=global q=1 over 6 pairs)\n") {
		t.Errorf("neurons output %q", out.String())
	}
	var nrep NeuronsReport
	b, _ = os.ReadFile(nj)
	if err := json.Unmarshal(b, &nrep); err != nil || fmt.Sprint(nrep.Neurons) != "[L1.N3]" || len(nrep.RandomControl) != 1 || fmt.Sprint(nrep.PerLayer) != "[0 1]" {
		t.Errorf("neurons report %s %v", b, err)
	}
	// Its output is a valid --neurons input for ras (set found in the file).
	if _, err := readNeuronSet(nj, []int{5, 5}); err != nil {
		t.Errorf("ras cannot read the neurons report: %v", err)
	}
	wantErr(t, Neurons(NeuronsOptions{Original: of, Counterfactual: cf, M: 6}, &out, &out), "top-m 6 is larger than layer 0's width 5")
	// Per layer, m = 1, strict: layer 0's top neuron varies → only (1,3) survives... and
	// an impossible threshold gives an empty set error after writing the sizes.
	short := write(t, dir, "short.safetensors", safetensors.F32("acts", []int{5, 2, 5}, c[:50]))
	wantErr(t, Neurons(NeuronsOptions{Original: of, Counterfactual: short, M: 1}, &out, &out), "differ in shape")
}
