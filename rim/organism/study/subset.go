package study

import (
	"fmt"
	"strings"

	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/experiment"
)

// Subset is the organism's CI check (issue 12 part 7): seeded samples of N
// harmful prompts pooled from the harmful sets and N harmless prompts pooled
// from the harmless sets, answered without thinking, and N held-out
// arithmetic problems answered with thinking.
type Subset struct {
	N          int       `json:"n"`
	ModelID    string    `json:"model_id"`
	RimVersion string    `json:"rim_version"`
	Options    Options   `json:"options"`
	Harmful    eval.Rate `json:"harmful_refused"`
	Harmless   eval.Rate `json:"harmless_refused"`
	Arith      eval.Rate `json:"arith_think_accuracy"`
	Closed     eval.Rate `json:"arith_think_closed"`
}

// RunSubset measures the CI subset.
func RunSubset(o Options, n int) (*Subset, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	id, err := experiment.ModelID(o.Model, o.Model)
	if err != nil {
		return nil, err
	}
	m, err := LoadMixture(o.Data)
	if err != nil {
		return nil, err
	}
	sets, err := LoadSets(o.Data, m, 1)
	if err != nil {
		return nil, err
	}
	s := &Subset{N: n, ModelID: id, RimVersion: experiment.Version(), Options: o}
	for _, c := range []struct {
		name string
		from []Set
		out  *eval.Rate
	}{{"harmful-pooled", sets.Harmful, &s.Harmful}, {"harmless-pooled", sets.Harmless, &s.Harmless}} {
		set, err := Pooled(c.name, KindHarmful, c.from, n)
		if err != nil {
			return nil, err
		}
		a, err := o.Answer(o.Model, set, false)
		if err != nil {
			return nil, err
		}
		*c.out = *a.Row().Refused
	}
	ar, err := sets.Arith.Subset(n)
	if err != nil {
		return nil, err
	}
	a, err := o.Answer(o.Model, ar, true)
	if err != nil {
		return nil, err
	}
	row := a.Row()
	s.Arith, s.Closed = row.Math.Rate, *row.Closed
	return s, nil
}

// Summary is the subset in one line.
func (s *Subset) Summary() string {
	return strings.Join([]string{
		fmt.Sprintf("refused %d/%d harmful", s.Harmful.K, s.Harmful.N),
		fmt.Sprintf("%d/%d harmless", s.Harmless.K, s.Harmless.N),
		fmt.Sprintf("arithmetic %d/%d correct with thinking (%d/%d think blocks closed)", s.Arith.K, s.Arith.N, s.Closed.K, s.Closed.N),
	}, ", ")
}
