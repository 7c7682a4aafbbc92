package study

import (
	"fmt"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/organism/mixture"
)

// Set is one evaluation set: prompts and, for maths, gold answers.
type Set struct {
	Name    string        `json:"name"`
	Kind    string        `json:"kind"` // KindHarmful, KindHarmless or KindMath
	Prompts []data.Prompt `json:"-"`
	Golds   []string      `json:"-"`
}

// Set kinds.
const (
	KindHarmful  = "harmful"
	KindHarmless = "harmless"
	KindMath     = "math"
)

// Sets are the organism's held-out evaluation sets (docs/organism.md,
// "Behaviour"): none of their prompts is in the training mixture (the
// mixture package's overlap test checks every one).
type Sets struct {
	Harmful  []Set // HarmBench test (standard behaviours), StrongREJECT, JailbreakBench, MaliciousInstruct, AdvBench held out, XSTest unsafe
	Harmless []Set // Alpaca-libre held out, XSTest safe
	Arith    Set   // generated arithmetic held out
	GSM8K    Set   // GSM8K test (a seeded sample)
}

// LoadSets reads the sets from the data folder root; m is the organism's
// mixture (mixture.Build with the recipe's seed), which holds the held-out
// slices. gsm8k caps the GSM8K test questions (a seeded sample; 0 = all).
func LoadSets(root string, m *mixture.Mixture, gsm8k int) (*Sets, error) {
	s := &Sets{}
	hb, err := data.LoadPrompts(root, "harmbench-test")
	if err != nil {
		return nil, err
	}
	var std []data.Prompt
	for _, p := range hb {
		if p.Label == "standard" { // copyright and contextual behaviours are not plain requests
			std = append(std, p)
		}
	}
	s.Harmful = append(s.Harmful, Set{Name: "harmbench-test", Kind: KindHarmful, Prompts: std})
	for _, name := range []string{"strongreject", "jailbreakbench", "maliciousinstruct"} {
		ps, err := data.LoadPrompts(root, name)
		if err != nil {
			return nil, err
		}
		s.Harmful = append(s.Harmful, Set{Name: name, Kind: KindHarmful, Prompts: ps})
	}
	s.Harmful = append(s.Harmful, Set{Name: "advbench-heldout", Kind: KindHarmful, Prompts: m.HeldOutAdvBench})
	xs, err := data.LoadPrompts(root, "xstest")
	if err != nil {
		return nil, err
	}
	var safe, unsafe []data.Prompt
	for _, p := range xs {
		if p.Label == "safe" {
			safe = append(safe, p)
		} else {
			unsafe = append(unsafe, p)
		}
	}
	s.Harmful = append(s.Harmful, Set{Name: "xstest-unsafe", Kind: KindHarmful, Prompts: unsafe})
	var alp []data.Prompt
	for _, p := range m.HeldOutAlpaca {
		alp = append(alp, data.Prompt{ID: p.ID, Text: p.Instruction, Source: "alpaca-libre-heldout"})
	}
	s.Harmless = []Set{{Name: "alpaca-heldout", Kind: KindHarmless, Prompts: alp}, {Name: "xstest-safe", Kind: KindHarmless, Prompts: safe}}
	s.Arith = Set{Name: "arith-heldout", Kind: KindMath}
	for i, p := range m.HeldOutArith {
		s.Arith.Prompts = append(s.Arith.Prompts, data.Prompt{ID: fmt.Sprintf("arith-heldout-%d", i), Text: p.Question, Source: "arith-heldout"})
		s.Arith.Golds = append(s.Arith.Golds, p.Answer)
	}
	gs, err := data.LoadProblems(root, "gsm8k-test")
	if err != nil {
		return nil, err
	}
	if gsm8k > 0 && gsm8k < len(gs) {
		if gs, err = data.Sample(gs, gsm8k, 1); err != nil {
			return nil, err
		}
	}
	s.GSM8K = Set{Name: "gsm8k-test", Kind: KindMath}
	for _, p := range gs {
		s.GSM8K.Prompts = append(s.GSM8K.Prompts, data.Prompt{ID: p.ID, Text: p.Question, Source: "gsm8k-test"})
		s.GSM8K.Golds = append(s.GSM8K.Golds, p.Answer)
	}
	return s, nil
}

// Subset is a seeded sample of n of the set's items, in sampled order (the
// whole set when n ≤ 0 or n ≥ its size).
func (s Set) Subset(n int) (Set, error) {
	if n <= 0 || n >= len(s.Prompts) {
		return s, nil
	}
	idx := make([]int, len(s.Prompts))
	for i := range idx {
		idx[i] = i
	}
	idx, err := data.Sample(idx, n, 1)
	if err != nil {
		return Set{}, err
	}
	out := Set{Name: s.Name, Kind: s.Kind}
	for _, i := range idx {
		out.Prompts = append(out.Prompts, s.Prompts[i])
		if s.Golds != nil {
			out.Golds = append(out.Golds, s.Golds[i])
		}
	}
	return out, nil
}

// Pooled is the sets' prompts in one set, a seeded sample of n of them
// (all when n ≤ 0 or n ≥ their number), for experiments that need one
// harmful set.
func Pooled(name, kind string, sets []Set, n int) (Set, error) {
	var all []data.Prompt
	for _, s := range sets {
		all = append(all, s.Prompts...)
	}
	if n > 0 && n < len(all) {
		var err error
		if all, err = data.Sample(all, n, 1); err != nil {
			return Set{}, err
		}
	}
	return Set{Name: name, Kind: kind, Prompts: all}, nil
}
