// Package verify checks a model implementation against transformers'
// reference outputs (`reference.safetensors` in the format of
// shared/fixtures/hf-tiny/README.md): logits, hidden states, attention
// probabilities, MLP activations, MoE routing, aux loss, greedy generation,
// loss, gradients and one AdamW step. It backs `rim verify model DIR`.
package verify

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/optim"
	"github.com/rimlab/rim/rim/safetensors"
)

// Line is the outcome for one reference tensor.
type Line struct {
	Name    string
	MaxDiff float64
	Tol     string
	OK      bool
	Note    string
}

func (l Line) String() string {
	status := "ok"
	if !l.OK {
		status = "FAIL"
	}
	s := fmt.Sprintf("%-44s max|diff| %-10.3g tol %-12s %s", l.Name, l.MaxDiff, l.Tol, status)
	if l.Note != "" {
		s += "  (" + l.Note + ")"
	}
	return s
}

// Report is the outcome of Run.
type Report struct {
	Dir    string
	Lines  []Line
	Failed int
}

// Options configure Run.
type Options struct {
	Load model.Options
	// Only, if non-empty, restricts the check to reference tensors with one of these prefixes.
	Only []string
}

// inputs are reference tensors that are inputs, not outputs to compare.
var inputs = map[string]bool{"input_ids": true, "attention_mask": true, "position_ids": true,
	"generate.prompt_ids": true, "train.input_ids": true, "train.labels": true}

// Run loads the model in dir, runs it on dir/reference.safetensors' inputs
// and compares every reference tensor, writing one line per tensor to w.
func Run(dir string, w io.Writer, opts Options) (*Report, error) {
	refPath := filepath.Join(dir, "reference.safetensors")
	ref, err := safetensors.Open(refPath)
	if err != nil {
		return nil, fmt.Errorf("rim: %w", err)
	}
	defer ref.Close()
	m, err := model.Load(dir, opts.Load)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	adam, err := adamWSettings(dir)
	if err != nil {
		return nil, err
	}
	v := &verifier{m: m, ref: ref, rep: &Report{Dir: dir}, w: w, only: opts.Only, adam: adam}
	if err := v.run(); err != nil {
		return v.rep, err
	}
	return v.rep, nil
}

type verifier struct {
	m    *model.Model
	ref  *safetensors.File
	rep  *Report
	w    io.Writer
	only []string
	done map[string]bool

	B, T int
	mask []int64
	adam optim.AdamW // the reference's optimiser (reference.json train.optimizer)
}

func (v *verifier) wanted(name string) bool {
	if inputs[name] {
		return false
	}
	if len(v.only) == 0 {
		return true
	}
	for _, p := range v.only {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func (v *verifier) add(l Line) {
	v.done[l.Name] = true
	if !l.OK {
		v.rep.Failed++
	}
	v.rep.Lines = append(v.rep.Lines, l)
	if v.w != nil {
		fmt.Fprintln(v.w, l)
	}
}

func (v *verifier) lineFrom(name string, r cmpResult, t tol) Line {
	l := Line{Name: name, MaxDiff: r.MaxDiff, Tol: t.String(), OK: r.Bad == 0 && r.N > 0}
	switch {
	case r.Bad < 0:
		l.Note = "shape mismatch"
	case r.N == 0:
		l.Note = "nothing compared"
	case r.Bad > 0:
		l.Note = fmt.Sprintf("%d of %d elements outside tolerance", r.Bad, r.N)
	}
	return l
}

func (v *verifier) run() error {
	v.done = map[string]bool{}
	names := v.ref.Names()
	any := false
	for _, n := range names {
		if v.wanted(n) {
			any = true
		}
	}
	if !any {
		return fmt.Errorf("rim: %s: no reference tensors to check", v.ref.Path())
	}
	if err := v.checkForward(); err != nil {
		return err
	}
	if err := v.checkAux(); err != nil {
		return err
	}
	if err := v.checkGenerate(); err != nil {
		return err
	}
	if err := v.checkTrain(); err != nil {
		return err
	}
	// Anything not understood is reported, never silently skipped.
	for _, n := range names {
		if v.wanted(n) && !v.done[n] {
			v.add(Line{Name: n, Tol: "-", OK: false, Note: "reference tensor not understood by rim verify"})
		}
	}
	return nil
}

// layerOf parses "prefix.{i}" names.
func layerOf(name, prefix string) (int, bool) {
	s, ok := strings.CutPrefix(name, prefix+".")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(s)
	return i, err == nil
}

func refInts(f *safetensors.File, name string) ([][]int, error) {
	d, shape, err := f.Int64(name)
	if err != nil {
		return nil, err
	}
	if len(shape) != 2 {
		return nil, fmt.Errorf("rim: reference %s: want rank 2, got shape %v", name, shape)
	}
	out := make([][]int, shape[0])
	for b := range out {
		out[b] = make([]int, shape[1])
		for t := range out[b] {
			out[b][t] = int(d[b*shape[1]+t])
		}
	}
	return out, nil
}

// checkForward runs the reference batch capturing every site that a
// reference tensor needs and compares them.
func (v *verifier) checkForward() error {
	ids, err := refInts(v.ref, "input_ids")
	if err != nil {
		return err
	}
	v.B, v.T = len(ids), len(ids[0])
	// attention_mask and position_ids are optional (all ones; the HF generate() position rule).
	var mask, pos [][]int
	if _, ok := v.ref.Info("attention_mask"); ok {
		if mask, err = refInts(v.ref, "attention_mask"); err != nil {
			return err
		}
	} else {
		mask = make([][]int, v.B)
		for b := range mask {
			mask[b] = make([]int, v.T)
			for t := range mask[b] {
				mask[b][t] = 1
			}
		}
	}
	if _, ok := v.ref.Info("position_ids"); ok {
		if pos, err = refInts(v.ref, "position_ids"); err != nil {
			return err
		}
	}
	v.mask = make([]int64, 0, v.B*v.T)
	for _, r := range mask {
		for _, x := range r {
			v.mask = append(v.mask, int64(x))
		}
	}
	c := v.m.Config
	type job struct {
		name string
		site hook.Site
		t    tol
		kind int // 0: [B,T,W] rows; 1: attentions; 2: top-k experts
	}
	var jobs []job
	for _, n := range v.ref.Names() {
		if !v.wanted(n) {
			continue
		}
		var s hook.Site
		t, kind, ok := tolActs, 0, true
		if n == "logits" {
			s = hook.Logits
		} else if n == "final_hidden_prenorm" {
			s = hook.ResidPost(c.NumLayers - 1)
		} else if i, is := layerOf(n, "hidden_states"); is {
			switch {
			case i == 0:
				s = hook.Embed
			case i == c.NumLayers:
				s = hook.LnFinal
			default:
				s = hook.ResidPost(i - 1)
			}
		} else if i, is := layerOf(n, "attentions"); is {
			s, t, kind = hook.Pattern(i), tolProbs, 1
		} else if i, is := layerOf(n, "mlp_intermediate"); is {
			s = hook.MLPPost(i)
		} else if i, is := layerOf(n, "router_logits"); is {
			s = hook.RouterLogits(i)
		} else if i, is := layerOf(n, "router_probs"); is {
			s, t = hook.RouterProbs(i), tolProbs
		} else if i, is := layerOf(n, "topk_weights"); is {
			s, t = hook.TopKWeights(i), tolProbs
		} else if i, is := layerOf(n, "topk_experts"); is {
			s, kind = hook.TopKExperts(i), 2
		} else if i, is := layerOf(n, "moe_output"); is {
			s = hook.MoEOut(i)
		} else {
			ok = false
		}
		if !ok {
			continue
		}
		if err := v.m.ValidateSite(s); err != nil {
			v.add(Line{Name: n, Tol: "-", Note: err.Error()})
			continue
		}
		jobs = append(jobs, job{n, s, t, kind})
	}
	if len(jobs) == 0 {
		return nil
	}
	var sites []hook.Site
	for _, j := range jobs {
		sites = append(sites, j.site)
	}
	res, err := v.m.Forward(model.Input{InputIDs: ids, AttentionMask: mask, PositionIDs: pos}, model.Capture(sites...))
	if err != nil {
		return err
	}
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].name < jobs[b].name })
	for _, j := range jobs {
		if j.kind == 2 {
			v.add(v.compareExperts(j.name, res, j.site))
			continue
		}
		got, gshape, err := res.Float32(j.site)
		if err != nil {
			return err
		}
		want, wshape, err := v.ref.Float32(j.name)
		if err != nil {
			return err
		}
		if !sameShape(gshape, wshape) {
			v.add(Line{Name: j.name, Tol: j.t.String(), Note: fmt.Sprintf("shape %v, reference %v", gshape, wshape)})
			continue
		}
		width := wshape[len(wshape)-1]
		keep := func(row int) bool { return v.mask[row] != 0 }
		if j.kind == 1 { // [B,H,T,T]: query rows of real tokens
			H, T := wshape[1], wshape[2]
			keep = func(row int) bool { b, q := row/(H*T), row%T; return v.mask[b*T+q] != 0 }
		}
		v.add(v.lineFrom(j.name, compareRows(got, want, width, keep, j.t), j.t))
	}
	return nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// compareExperts requires identical expert sets per real token (phimoe: the ordered pair).
func (v *verifier) compareExperts(name string, res *model.Result, s hook.Site) Line {
	got, gshape, err := res.Int32(s)
	if err != nil {
		return Line{Name: name, Tol: "exact", Note: err.Error()}
	}
	want, wshape, err := v.ref.Int64(name)
	if err != nil || !sameShape(gshape, wshape) {
		return Line{Name: name, Tol: "exact", Note: fmt.Sprintf("shape %v, reference %v %v", gshape, wshape, err)}
	}
	k := wshape[2]
	ordered := v.m.Config.ModelType == "phimoe"
	bad, n := 0, 0
	for row := 0; row < len(want)/k; row++ {
		if v.mask[row] == 0 {
			continue
		}
		n++
		g, w := got[row*k:(row+1)*k], want[row*k:(row+1)*k]
		if !sameExperts(g, w, ordered) {
			bad++
		}
	}
	l := Line{Name: name, Tol: "exact", OK: bad == 0 && n > 0}
	if ordered {
		l.Tol = "exact(order)"
	}
	if bad > 0 {
		l.MaxDiff = 1
		l.Note = fmt.Sprintf("%d of %d tokens routed differently", bad, n)
	}
	return l
}

func sameExperts(g []int32, w []int64, ordered bool) bool {
	if ordered {
		for i := range g {
			if int64(g[i]) != w[i] {
				return false
			}
		}
		return true
	}
	seen := map[int64]int{}
	for i := range g {
		seen[int64(g[i])]++
		seen[w[i]]--
	}
	for _, c := range seen {
		if c != 0 {
			return false
		}
	}
	return true
}
