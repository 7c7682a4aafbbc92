package model

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/backend"
)

// Reference values: transformers 4.51.3 modeling_rope_utils
// (_compute_yarn_parameters, _compute_dynamic_ntk_parameters) re-done in
// stdlib Python, float64 rounded to float32 wherever transformers computes
// with float32 tensors; see rope_scaling.go for the formulas.

func ropeCfg(t *testing.T, extra string) *Config {
	t.Helper()
	js := `{"model_type":"qwen3","vocab_size":16,"hidden_size":32,"num_hidden_layers":1,"num_attention_heads":2,
		"num_key_value_heads":1,"head_dim":16,"intermediate_size":8` + extra + `}`
	c, err := ParseConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func closeRel(a, b float64) bool { return math.Abs(a-b) <= 2e-6*math.Abs(b)+1e-12 }

func TestYarnTables(t *testing.T) {
	for _, tc := range []struct {
		name, extra string
		want        []float64
		attn        float64
	}{
		// Qwen3's published long-context setting: factor 4 with
		// original_max_position_embeddings 32768 in rope_scaling, so
		// transformers uses factor = 40960/32768 = 1.25; correction range [2, 5].
		{"qwen3-style", `,"rope_theta":1e6,"max_position_embeddings":40960,
			"rope_scaling":{"rope_type":"yarn","factor":4.0,"original_max_position_embeddings":32768}`,
			[]float64{1.0, 0.17782793939113617, 0.03162277862429619, 0.005248519126325846, 0.0008666666690260172,
				0.00014226234634406865, 2.529822086216882e-05, 4.498730504565174e-06}, 1.0223143551314209},
		// betas and the mscale/mscale_all_dim attention factor; range [0, 2].
		{"mscale", `,"rope_theta":1e4,"max_position_embeddings":64,
			"rope_scaling":{"type":"yarn","factor":8.0,"beta_fast":16,"beta_slow":2,"mscale":1.0,"mscale_all_dim":0.5}`,
			[]float64{1.0, 0.17787811160087585, 0.012500000186264515, 0.0039528473280370235, 0.0012499999720603228,
				0.00039528473280370235, 0.0001250000059371814, 3.9528473280370235e-05}, 1.094179988101349},
	} {
		c := ropeCfg(t, tc.extra)
		inv, af := yarnTables(c)
		for i, w := range tc.want {
			if !closeRel(float64(inv[i]), w) {
				t.Errorf("%s: inv_freq[%d] = %v, transformers %v", tc.name, i, inv[i], w)
			}
		}
		if !closeRel(af, tc.attn) {
			t.Errorf("%s: attention factor %v, transformers %v", tc.name, af, tc.attn)
		}
	}
}

// TestDynamicNTKCosSin runs the graph's dynamic tables: within
// max_position_embeddings (16) the default frequencies, beyond it base' =
// 1e4·(2·40/16 − 1)^(16/14) for max(position_ids)+1 = 40.
func TestDynamicNTKCosSin(t *testing.T) {
	c := ropeCfg(t, `,"rope_theta":1e4,"max_position_embeddings":16,"rope_scaling":{"rope_type":"dynamic","factor":2.0}`)
	be, err := backend.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := graph.NewExec(be, func(pos *graph.Node) (*graph.Node, *graph.Node) {
		return ropeForward(pos.Graph(), c, archs[c.ModelType], pos, nil, pos.Shape().Dimensions[1])
	})
	if err != nil {
		t.Fatal(err)
	}
	long := []float64{1.0, 0.25941282510757446, 0.06729501485824585, 0.01745718903839588, 0.0045286184176802635,
		0.0011747815879061818, 0.0003047534264624119, 7.905694656074047e-05}
	short := []float64{1.0, 0.3162277638912201, 0.10000000149011612, 0.03162277862429619, 0.009999999776482582,
		0.003162277862429619, 0.0010000000474974513, 0.0003162277862429619}
	for _, tc := range []struct {
		maxPos int
		want   []float64
	}{{39, long}, {15, short}, {16, long[:0]}} {
		if len(tc.want) == 0 { // seq_len 17 > 16: grown, base' = 1e4·(2·17/16 − 1)^(8/7)
			b := 1e4 * math.Pow(2*17.0/16-1, 16.0/14)
			for i := 0; i < 8; i++ {
				tc.want = append(tc.want, 1/math.Pow(b, float64(2*i)/16))
			}
		}
		pos := []int32{0, 3, int32(tc.maxPos)}
		out, err := e.Exec(tensors.FromFlatDataAndDimensions(pos, 1, 3))
		if err != nil {
			t.Fatal(err)
		}
		cs, _ := tensors.CopyFlatData[float32](out[0])
		sn, _ := tensors.CopyFlatData[float32](out[1])
		for j, p := range pos {
			for i, inv := range tc.want {
				a := float64(p) * inv
				for _, k := range []int{i, i + 8} { // halves repeated
					if d := math.Max(math.Abs(float64(cs[j*16+k])-math.Cos(a)), math.Abs(float64(sn[j*16+k])-math.Sin(a))); d > 2e-5 {
						t.Errorf("max position %d: position %d dim %d: cos/sin off by %.2g", tc.maxPos, p, k, d)
					}
				}
			}
		}
	}
}

func TestRopeScalingErrors(t *testing.T) {
	base := `{"model_type":"qwen3","vocab_size":16,"hidden_size":32,"num_hidden_layers":1,"num_attention_heads":2,
		"num_key_value_heads":1,"intermediate_size":8,"max_position_embeddings":64`
	for extra, want := range map[string]string{
		`,"head_dim":2,"rope_scaling":{"rope_type":"dynamic","factor":2}`:                      "more than 2 rotary dims",
		`,"rope_scaling":{"rope_type":"su","factor":2}`:                                        `"su" is not supported (supported: default, linear, llama3, dynamic, yarn, longrope)`,
		`,"rope_scaling":{"rope_type":"yarn","factor":2,"beta_fast":"x"}`:                      `field "beta_fast": want a number`,
		`,"rope_scaling":{"rope_type":"yarn","factor":2,"attention_factor":-1}`:                "attention_factor must be positive",
		`,"rope_scaling":{"rope_type":"yarn","factor":2,"beta_fast":1,"beta_slow":4}`:          "beta_fast (1) must be larger than beta_slow (4)",
		`,"rope_scaling":{"rope_type":"yarn","factor":2,"original_max_position_embeddings":0}`: "original_max_position_embeddings must be positive",
		`,"rope_scaling":{"rope_type":"dynamic","factor":0}`:                                   "factor must be positive",
	} {
		_, err := ParseConfig([]byte(base + extra + `}`))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error containing %q", extra, err, want)
		}
	}
	phimoe := `{"model_type":"phimoe","vocab_size":16,"hidden_size":32,"num_hidden_layers":1,"num_attention_heads":2,
		"num_local_experts":4,"num_experts_per_tok":2,"intermediate_size":8,"max_position_embeddings":64,
		"rope_scaling":{"rope_type":"yarn","factor":2}}`
	if _, err := ParseConfig([]byte(phimoe)); err == nil || !strings.Contains(err.Error(), "phimoe's rotary embedding supports only longrope") {
		t.Errorf("phimoe + yarn: got %v", err)
	}
}
