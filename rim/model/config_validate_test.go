package model

import (
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// configWith is a valid llama config.json with extra (a JSON object body
// without braces, "" for none) appended.
func configWith(extra string) string {
	js := `{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4`
	if extra != "" {
		js += ", " + extra
	}
	return js + "}"
}

// badConfigs were accepted (or misreported) before issue 15: a non-positive
// rope_theta gave "logits all NaN" without saying why, a llama3 factor of -1
// was accepted, 2^63 wrapped to a negative number, and "model_type": 7 read
// as a missing field.
var badConfigs = map[string]string{
	configWith(`"rope_theta": 0`):     "rope_theta must be positive and finite, got 0",
	configWith(`"rope_theta": -500`):  "rope_theta must be positive and finite, got -500",
	configWith(`"rope_theta": 1e400`): "invalid json", // JSON itself refuses it
	configWith(`"rope_scaling": {"rope_type": "llama3", "factor": -1, "original_max_position_embeddings": 8192}`):                                             "factor must be positive and finite, got -1",
	configWith(`"rope_scaling": {"rope_type": "linear", "factor": 0}`):                                                                                        "factor must be positive",
	configWith(`"rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 4, "high_freq_factor": 4, "original_max_position_embeddings": 8192}`): "low_freq_factor (4) < high_freq_factor (4)",
	configWith(`"rope_scaling": {"rope_type": "llama3", "factor": 8}`):                                                                                        "original_max_position_embeddings must be positive",
	configWith(`"partial_rotary_factor": 0`):                                                                                                                  "partial_rotary_factor must be in (0, 1]",
	`{"model_type": "llama", "vocab_size": 10, "hidden_size": 9223372036854775808, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4}`: `field "hidden_size": 9223372036854775808 is out of range`,
	`{"model_type": "llama", "vocab_size": 10, "hidden_size": -9223372036854775808, "num_hidden_layers": 1, "num_attention_heads": 2}`:                        `field "hidden_size": -9223372036854775808 is out of range`,
	`{"model_type": 7, "vocab_size": 10}`:                                                                                                                     `field "model_type": want a string, got 7`,
}

func TestConfigRejectsBadRopeAndRanges(t *testing.T) {
	for js, want := range badConfigs {
		_, err := ParseConfig([]byte(js))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %q", js, err, want)
		}
	}
	for _, ok := range []string{
		configWith(`"rope_theta": 1000000`),
		configWith(`"rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 8192}`),
		configWith(`"rope_scaling": {"type": "linear", "factor": 2}`),
		configWith(`"partial_rotary_factor": 0.5`),
	} {
		if _, err := ParseConfig([]byte(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// TestFixtureConfigsStillValid: the stricter checks accept every HF fixture.
func TestFixtureConfigsStillValid(t *testing.T) {
	for _, dir := range testpaths.HFTiny(t) {
		if _, err := LoadConfig(dir); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
	}
}
