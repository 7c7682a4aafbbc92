package hook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind is what an intervention does to its site.
type Kind string

// Intervention kinds. Every kind is x' = x·A + Bv on the selected
// (positions × features) entries, with A and Bv fed to the graph as inputs.
const (
	KindZero  Kind = "zero"  // x' = 0
	KindMean  Kind = "mean"  // x' = Vector (a mean activation over the site's feature dims)
	KindScale Kind = "scale" // x' = Scale·x
	KindAdd   Kind = "add"   // x' = x + Scale·Vector (steering)
	KindPatch Kind = "patch" // x' = Patch (a value captured from another run, flat [B,S,features...])
)

// Intervention changes one site during a forward or decode step. It is
// plain data: it marshals to JSON and is printed next to results.
//
// Features are the site's dims after [batch, seq]: for hook_z/q/k/v they are
// [heads, dHead] and Heads selects heads (query heads for z/q, KV heads for
// k/v); for [B,S,W] sites Neurons selects indices of W. nil selects all.
// Positions selects sequence indices of the call (nil = all).
// Interventions on attention scores/patterns and on top-k experts are not supported.
type Intervention struct {
	Site      string `json:"site"`
	Kind      Kind   `json:"kind"`
	Heads     []int  `json:"heads,omitempty"`
	Neurons   []int  `json:"neurons,omitempty"`
	Positions []int  `json:"positions,omitempty"`
	// RowPositions, if set, selects positions per batch row (len = batch;
	// overrides Positions): e.g. each row's think span in a left-padded batch.
	RowPositions [][]int `json:"row_positions,omitempty"`
	// Rows, if non-nil, restricts the intervention to these batch rows of
	// the call (nil = all rows; a non-nil empty list selects none): e.g. the
	// rows of a mixed batch that are inside their think block. It only
	// changes the mask values fed to the graph, never the compiled graph.
	Rows   []int     `json:"rows,omitempty"`
	Scale  float64   `json:"scale,omitempty"`
	Vector []float32 `json:"vector,omitempty"`
	Patch  []float32 `json:"patch,omitempty"`
}

// String is the JSON form (for printing next to results). For the kinds
// whose meaning depends on Scale (add, scale) the scale is always printed,
// even when it is 0.
func (iv Intervention) String() string {
	b, _ := json.Marshal(iv)
	if (iv.Kind == KindAdd || iv.Kind == KindScale) && iv.Scale == 0 {
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			m["scale"] = 0
			b, _ = json.Marshal(m)
		}
	}
	return string(b)
}

// RequireScale checks a JSON list of interventions (or of objects embedding
// one) for "add" and "scale" entries without a "scale" field: Go's zero
// value would silently make a steering vector a no-op or zero the site.
func RequireScale(data []byte) error {
	var ivs []struct {
		Site  string   `json:"site"`
		Kind  Kind     `json:"kind"`
		Scale *float64 `json:"scale"`
	}
	if err := json.Unmarshal(data, &ivs); err != nil {
		return nil // the strict decoder reports malformed input
	}
	for i, iv := range ivs {
		if (iv.Kind == KindAdd || iv.Kind == KindScale) && iv.Scale == nil {
			return fmt.Errorf("intervention %d (%s at %s): \"scale\" is required (x' = x + scale·vector for add, x' = scale·x for scale)", i, iv.Kind, iv.Site)
		}
	}
	return nil
}

// ZeroHeads zero-ablates query heads of layer L at hook_z (before o_proj):
// the refusal-head ablation of the paper's paper §3.2 / Fig 5 (docs/paper.md §6.3: "zeroing
// each head's output before the o_proj").
func ZeroHeads(L int, heads ...int) Intervention {
	return Intervention{Site: Z(L).String(), Kind: KindZero, Heads: heads}
}

// MeanHeads mean-ablates heads of layer L at hook_z; mean is [nHeads*dHead]
// (the mean of hook_z over a reference set), only the selected heads are used.
func MeanHeads(L int, mean []float32, heads ...int) Intervention {
	return Intervention{Site: Z(L).String(), Kind: KindMean, Heads: heads, Vector: mean}
}

// ZeroNeurons zeroes MLP neurons (blocks.L.mlp.hook_post indices): a_{l,j} = 0
// for (l, j) ∈ A_safe, the paper's paper §4.1.2 / Fig 6 (docs/paper.md §7.2). For MoE
// layers move it to an expert with Clone(ExpertPost(L, e)).
func ZeroNeurons(L int, neurons ...int) Intervention {
	return Intervention{Site: MLPPost(L).String(), Kind: KindZero, Neurons: neurons}
}

// ScaleNeurons multiplies neurons of a [B,S,W] site by scale.
func ScaleNeurons(site Site, scale float64, neurons ...int) Intervention {
	return Intervention{Site: site.String(), Kind: KindScale, Scale: scale, Neurons: neurons}
}

// AddVector adds scale·vec (width = the site's features) at a site: steering
// along a mean-difference vector d = mean(x⁺) − mean(x⁻) (paper §3.1, docs/paper.md §6.1).
func AddVector(site Site, scale float64, vec []float32) Intervention {
	return Intervention{Site: site.String(), Kind: KindAdd, Scale: scale, Vector: vec}
}

// PatchFrom replaces a site's value with flat (captured from another run, same shape).
func PatchFrom(site Site, flat []float32) Intervention {
	return Intervention{Site: site.String(), Kind: KindPatch, Patch: flat}
}

// AtRowPositions restricts the intervention to per-row sequence indices.
func (iv Intervention) AtRowPositions(rows [][]int) Intervention {
	iv.RowPositions = rows
	return iv
}

// AtRows restricts the intervention to batch rows.
func (iv Intervention) AtRows(rows ...int) Intervention {
	iv.Rows = append([]int{}, rows...)
	return iv
}

// AtPositions restricts the intervention to sequence indices.
func (iv Intervention) AtPositions(p ...int) Intervention {
	iv.Positions = append([]int(nil), p...)
	return iv
}

// ParseSite parses and checks the intervention's site name and kind.
func (iv Intervention) ParseSite() (Site, error) {
	s, err := Parse(iv.Site)
	if err != nil {
		return s, err
	}
	switch iv.Kind {
	case KindZero, KindMean, KindScale, KindAdd, KindPatch:
	default:
		return s, fmt.Errorf("rim: intervention at %s: unknown kind %q (zero, mean, scale, add, patch)", iv.Site, iv.Kind)
	}
	switch s.Point {
	case PointAttnScores, PointPattern, PointTopKExperts, PointTopKWeights:
		return s, fmt.Errorf("rim: intervention at %s: interventions on this site are not supported", iv.Site)
	}
	return s, nil
}

// Clone returns the intervention moved to another site (same kind, selection and payload).
func (iv Intervention) Clone(site Site) Intervention {
	iv.Site = site.String()
	return iv
}

// ParseInterventions reads a JSON list of interventions strictly: an unknown
// field (e.g. "neuron" for "neurons", which would otherwise select every
// neuron) or trailing data is an error, and every site and kind is checked.
func ParseInterventions(data []byte) ([]Intervention, error) {
	var ivs []Intervention
	if err := DecodeStrict(data, &ivs); err != nil {
		return nil, err
	}
	if err := RequireScale(data); err != nil {
		return nil, err
	}
	for i, iv := range ivs {
		if _, err := iv.ParseSite(); err != nil {
			return nil, fmt.Errorf("intervention %d: %w", i, err)
		}
	}
	return ivs, nil
}

// DecodeStrict unmarshals one JSON value into v, rejecting unknown fields
// and trailing data; errors lose encoding/json's "json: " prefix so that
// callers can prefix the file name (`iv.json: unknown field "neuron"`).
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
