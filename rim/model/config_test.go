package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

func TestConfigErrors(t *testing.T) {
	cases := map[string]string{
		`{"model_type": "llama"}`: `missing required field "vocab_size"`,
		`{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1000000000, "num_attention_heads": 2, "intermediate_size": 4}`:                  "larger than rim supports",
		`{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 3, "num_key_value_heads": 2, "intermediate_size": 4}`: "not a multiple",
		`{"model_type": "llama", "vocab_size": "ten"}`: `field "vocab_size": want an integer`,
		`{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4, "hidden_act": "relu"}`:                               `hidden_act "relu"`,
		`{"model_type": "mixtral", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4, "num_local_experts": 2, "num_experts_per_tok": 3}`: "num_experts_per_tok (3)",
		`{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4, "rope_scaling": {"rope_type": "su"}}`:                `rope_scaling type "su"`,
		`[1, 2]`: "invalid json",
	}
	for js, want := range cases {
		_, err := ParseConfig([]byte(js))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", js, err, want)
		}
	}
}

// FuzzParseConfig: no panics on arbitrary config.json bytes.
func FuzzParseConfig(f *testing.F) {
	if root, err := os.ReadDir(filepath.Join(testpaths.Root(f), "..", "shared", "fixtures", "hf-tiny")); err == nil {
		for _, e := range root {
			if b, err := os.ReadFile(filepath.Join(testpaths.Root(f), "..", "shared", "fixtures", "hf-tiny", e.Name(), "config.json")); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"model_type": "qwen3", "vocab_size": 8, "hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 1, "intermediate_size": 2}`))
	for js := range badConfigs {
		f.Add([]byte(js))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err == nil {
			_ = ParamTable(c)
		}
	})
}

func TestPadID(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want int
	}{{Config{Pad: []int{7}, EOS: []int{2}}, 7}, {Config{EOS: []int{2, 3}}, 2}, {Config{}, 0}} {
		if got := tc.c.PadID(); got != tc.want {
			t.Errorf("%+v: PadID %d, want %d", tc.c, got, tc.want)
		}
	}
}
