package model

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/hook"
)

// preparedIVs is a set of interventions turned into graph inputs.
type preparedIVs struct {
	key    string            // structure key: same key ⇒ same graph
	inputs []*tensors.Tensor // values fed to the graph
	build  func(in []*Node) map[hook.Site][]func(*Node) *Node
}

func (p *preparedIVs) apply(in []*Node) func(hook.Site, *Node) *Node {
	if p.build == nil {
		return nil
	}
	fns := p.build(in)
	return func(s hook.Site, x *Node) *Node {
		for _, f := range fns[s] {
			x = f(x)
		}
		return x
	}
}

func (m *Model) prepareInterventions(ivs []hook.Intervention, B, S int) (*preparedIVs, error) {
	return &preparedIVs{}, nil
}
