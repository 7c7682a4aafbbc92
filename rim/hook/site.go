// Package hook is rim's typed vocabulary of hook sites (TransformerLens
// spelling, docs/ARCHITECTURE.md) and of interventions as plain JSON values.
//
// A Site names one intermediate tensor of a decoder forward pass, e.g.
// hook.ResidPost(12) is "blocks.12.hook_resid_post". Shapes use B = batch,
// S = query positions, K = key positions; see sites.go for every site.
package hook

import (
	"fmt"
	"strconv"
	"strings"
)

// Point is the kind of a site, independent of its layer/expert.
type Point uint8

// Site is one hook point: a Point plus its layer (blocks.*) and expert
// (per-expert neurons) where they apply (-1 otherwise).
type Site struct {
	Point  Point
	Layer  int
	Expert int
}

// String returns the canonical TransformerLens-style name.
func (s Site) String() string {
	d := &points[s.Point]
	switch d.scope {
	case scopeGlobal:
		return d.name
	case scopeLayer:
		return "blocks." + strconv.Itoa(s.Layer) + "." + d.name
	default:
		return "blocks." + strconv.Itoa(s.Layer) + ".moe.experts." + strconv.Itoa(s.Expert) + "." + d.name
	}
}

// MarshalText lets sites be JSON object keys and values.
func (s Site) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a canonical name.
func (s *Site) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// Parse is the reverse of Site.String. Errors are lowercase and quote the name.
func Parse(name string) (Site, error) {
	for i := range points {
		if points[i].scope == scopeGlobal && points[i].name == name {
			return Site{Point: Point(i), Layer: -1, Expert: -1}, nil
		}
	}
	rest, ok := strings.CutPrefix(name, "blocks.")
	if !ok {
		return Site{}, fmt.Errorf("rim: unknown hook site %q", name)
	}
	layerStr, rest, ok := strings.Cut(rest, ".")
	layer, err := parseIndex(layerStr)
	if !ok || err != nil {
		return Site{}, fmt.Errorf("rim: hook site %q: bad layer index %q", name, layerStr)
	}
	if after, ok := strings.CutPrefix(rest, "moe.experts."); ok {
		eStr, p, ok := strings.Cut(after, ".")
		e, err := parseIndex(eStr)
		if !ok || err != nil {
			return Site{}, fmt.Errorf("rim: hook site %q: bad expert index %q", name, eStr)
		}
		for i := range points {
			if points[i].scope == scopeExpert && points[i].name == p {
				return Site{Point: Point(i), Layer: layer, Expert: e}, nil
			}
		}
		return Site{}, fmt.Errorf("rim: unknown hook site %q", name)
	}
	for i := range points {
		if points[i].scope == scopeLayer && points[i].name == rest {
			return Site{Point: Point(i), Layer: layer, Expert: -1}, nil
		}
	}
	return Site{}, fmt.Errorf("rim: unknown hook site %q", name)
}

// parseIndex accepts a canonical non-negative decimal (no sign, no leading zeros).
func parseIndex(s string) (int, error) {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("bad index")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad index")
		}
	}
	return strconv.Atoi(s)
}

// MustParse is Parse that panics on error (Go's MustX convention: for
// constant site names in code and tests).
func MustParse(name string) Site {
	s, err := Parse(name)
	if err != nil {
		panic(err)
	}
	return s
}

// Dims describes a model for site validation and shapes.
type Dims struct {
	Layers, DModel, NHeads, NKVHeads, DHead, DMLP, Vocab int
	// MoELayer reports whether layer L has a sparse MoE block (nil: none).
	MoELayer       func(L int) bool
	NExperts, TopK int
	DExpert        int
}

// Validate checks that s exists in a model with dims d, e.g.
// "rim: blocks.40.attn.hook_z: model has 36 layers".
func (s Site) Validate(d Dims) error {
	if int(s.Point) >= len(points) {
		return fmt.Errorf("rim: invalid hook site point %d", s.Point)
	}
	p := &points[s.Point]
	if p.scope == scopeGlobal {
		return nil
	}
	if s.Layer < 0 || s.Layer >= d.Layers {
		return fmt.Errorf("rim: %s: model has %d layers", s, d.Layers)
	}
	moe := d.MoELayer != nil && d.MoELayer(s.Layer)
	if p.moe && !moe {
		return fmt.Errorf("rim: %s: layer %d has no MoE block", s, s.Layer)
	}
	if p.dense && moe {
		return fmt.Errorf("rim: %s: layer %d is a MoE layer (use blocks.%d.moe.* sites)", s, s.Layer, s.Layer)
	}
	if p.scope == scopeExpert && (s.Expert < 0 || s.Expert >= d.NExperts) {
		return fmt.Errorf("rim: %s: model has %d experts", s, d.NExperts)
	}
	return nil
}

// Shape returns the site's shape for batch b, query length q and key length k
// (k = q without a KV cache). It assumes Validate passed.
func (s Site) Shape(d Dims, b, q, k int) []int {
	switch points[s.Point].shape {
	case shD:
		return []int{b, q, d.DModel}
	case shQ:
		return []int{b, q, d.NHeads, d.DHead}
	case shKV:
		return []int{b, q, d.NKVHeads, d.DHead}
	case shAttn:
		return []int{b, d.NHeads, q, k}
	case shMLP:
		return []int{b, q, d.DMLP}
	case shExperts:
		return []int{b, q, d.NExperts}
	case shTopK:
		return []int{b, q, d.TopK}
	case shExpert:
		return []int{b, q, d.DExpert}
	case shVocab:
		return []int{b, q, d.Vocab}
	}
	return nil
}

// IsInt reports whether the site holds integers (int32) rather than float32.
func (s Site) IsInt() bool { return s.Point == PointTopKExperts }
