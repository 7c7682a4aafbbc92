package hook

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRoundTripEverySite(t *testing.T) {
	for _, p := range AllPoints() {
		s := Site{Point: p, Layer: 7, Expert: 3}
		if points[p].scope == scopeGlobal {
			s.Layer, s.Expert = -1, -1
		} else if points[p].scope == scopeLayer {
			s.Expert = -1
		}
		got, err := Parse(s.String())
		if err != nil || got != s {
			t.Errorf("%s: parsed %+v, %v", s, got, err)
		}
	}
	if ResidPost(12).String() != "blocks.12.hook_resid_post" || Z(3).String() != "blocks.3.attn.hook_z" ||
		ExpertPost(1, 5).String() != "blocks.1.moe.experts.5.hook_post" || MLPPost(0).String() != "blocks.0.mlp.hook_post" {
		t.Fatal("canonical names changed")
	}
}

func TestParseErrors(t *testing.T) {
	for _, name := range []string{"", "blocks", "blocks.x.hook_resid_post", "blocks.-1.hook_resid_post",
		"blocks.01.hook_resid_post", "blocks.1.hook_nothing", "blocks.1.moe.experts.a.hook_post", "hook_embed.x",
		"blocks.1.", "logits2"} {
		if _, err := Parse(name); err == nil || !strings.Contains(err.Error(), "rim: ") {
			t.Errorf("Parse(%q) = %v, want error", name, err)
		}
	}
}

func TestValidate(t *testing.T) {
	d := Dims{Layers: 36, NHeads: 8, NExperts: 4, MoELayer: func(L int) bool { return L%2 == 1 }}
	cases := map[Site]string{
		Z(40):            "rim: blocks.40.attn.hook_z: model has 36 layers",
		RouterLogits(2):  "layer 2 has no MoE block",
		MLPPost(1):       "layer 1 is a MoE layer",
		ExpertPost(1, 9): "model has 4 experts",
	}
	for s, want := range cases {
		if err := s.Validate(d); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", s, err, want)
		}
	}
	if err := ExpertPost(1, 3).Validate(d); err != nil {
		t.Fatal(err)
	}
}

func TestInterventionJSON(t *testing.T) {
	iv := AddVector(ResidPost(2), 4, []float32{1, 2}).AtPositions(0, 5)
	b, err := json.Marshal(iv)
	if err != nil {
		t.Fatal(err)
	}
	var back Intervention
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.String() != iv.String() || !strings.Contains(string(b), `"kind":"add"`) {
		t.Fatalf("round trip %s -> %s", b, back)
	}
	var s Site
	if err := json.Unmarshal([]byte(`"blocks.2.attn.hook_pattern"`), &s); err != nil || s != Pattern(2) {
		t.Fatalf("site from JSON: %v %v", s, err)
	}
}

// FuzzParse: Parse never panics, and whatever it accepts round-trips.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"blocks.0.hook_resid_pre", "blocks.12.attn.hook_z", "logits", "hook_embed",
		"blocks.3.moe.experts.7.hook_post", "blocks.99999999.mlp.hook_post", "blocks..", "blocks.1.moe.experts."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s, err := Parse(name)
		if err != nil {
			return
		}
		if s.String() != name {
			t.Fatalf("Parse(%q).String() = %q", name, s.String())
		}
	})
}

func TestParseInterventionsStrict(t *testing.T) {
	ivs, err := ParseInterventions([]byte(`[{"site":"blocks.1.mlp.hook_post","kind":"zero","neurons":[3]}]`))
	if err != nil || len(ivs) != 1 || len(ivs[0].Neurons) != 1 || ivs[0].Neurons[0] != 3 {
		t.Fatalf("%v %v", ivs, err)
	}
	for in, want := range map[string]string{
		`[{"site":"blocks.1.mlp.hook_post","kind":"zero","neuron":[3]}]`: `unknown field "neuron"`,
		`[{"site":"blocks.1.mlp.hook_post","kind":"zero"}] []`:           "trailing data",
		`[{"site":"blocks.1.mlp.hook_post","kind":"zap"}]`:               `intervention 0: rim: intervention at blocks.1.mlp.hook_post: unknown kind "zap"`,
	} {
		if _, err := ParseInterventions([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}
