package experiment

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// clearEnv unsets every setting FromEnv reads, so the test sees only what it sets.
func clearEnv(t *testing.T) {
	for _, v := range []string{"RIM_MODEL", "RIM_TOKENIZER", "RIM_MODELS", "RIM_HEXPHI", "RIM_DATA", "RIM_SAMPLES", "RIM_MAX_TOKENS",
		"RIM_BATCH", "RIM_PREFILL", "RIM_TOPM", "RIM_Q", "RIM_HEADS", "RIM_JUDGE", "RIM_SFT_SAMPLES", "RIM_SFT_STEPS",
		"RIM_SFT_BATCH", "RIM_SFT_MAXLEN", "RIM_SFT_LR", "RIM_GEN_BASE_URL", "RIM_GEN_MODEL", "RIM_GEN_API_KEY", "RIM_DERIVED"} {
		t.Setenv(v, "")
	}
}

func TestFromEnvDefaultsAndValues(t *testing.T) {
	clearEnv(t)
	t.Setenv("RIM_ROOT", "/r")
	s, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if s.SamplesOr(12) != 12 || s.MaxTokens != DefaultMaxTokens || s.Q != 1 || s.Prefill != "think" || s.Judge != "refusal" ||
		s.ModelDir() != "/r/testdata/organism" || s.TokenizerDir() != "/r/testdata/organism" {
		t.Fatalf("defaults: %+v", s)
	}
	t.Setenv("RIM_MODEL", "/m")
	t.Setenv("RIM_MODELS", "/a, /b,")
	t.Setenv("RIM_SAMPLES", "300")
	t.Setenv("RIM_Q", "0.75")
	if s, err = FromEnv(); err != nil {
		t.Fatal(err)
	}
	if s.SamplesOr(12) != 300 || s.Q != 0.75 || s.TokenizerDir() != "/m" || len(s.Models) != 2 || s.Models[1] != "/b" {
		t.Fatalf("set: %+v", s)
	}
}

// A malformed setting is one error naming the variable and its value.
func TestFromEnvErrorsNameTheVariable(t *testing.T) {
	for name, val := range map[string]string{"RIM_SAMPLES": "abc", "RIM_MAX_TOKENS": "0", "RIM_Q": "1.5", "RIM_SFT_LR": "-1", "RIM_PREFILL": "middle", "RIM_JUDGE": "gpt"} {
		clearEnv(t)
		t.Setenv(name, val)
		_, err := FromEnv()
		if err == nil || !strings.HasPrefix(err.Error(), name+"="+val+":") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%s: %v", name, val, err)
		}
	}
}

// Check names the setting: a missing model dir, a tokenizer without a chat template.
func TestCheck(t *testing.T) {
	clearEnv(t)
	root := filepath.Dir(filepath.Dir(testpaths.TestData(t, "model")))
	t.Setenv("RIM_ROOT", root)
	s, _ := FromEnv()
	if err := s.Check(); err != nil {
		t.Fatalf("demo settings: %v", err)
	}
	s.Model = "/no/such/model"
	if err := s.Check(); err == nil || !strings.HasPrefix(err.Error(), "RIM_MODEL=/no/such/model:") {
		t.Fatalf("missing model: %v", err)
	}
	noTmpl := t.TempDir()
	b, err := os.ReadFile(testpaths.TestData(t, "kernel", "tiny-qwen3-tokenizer", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(noTmpl, "tokenizer.json"), b, 0o644)
	os.WriteFile(filepath.Join(noTmpl, "tokenizer_config.json"), []byte(`{"eos_token": "<|im_end|>"}`), 0o644)
	s.Model, s.Tokenizer = "", noTmpl
	if err := s.Check(); err == nil || !strings.HasPrefix(err.Error(), "RIM_TOKENIZER="+noTmpl+":") || !strings.Contains(err.Error(), "chat template") {
		t.Fatalf("no chat template: %v", err)
	}
}

func TestParseThink(t *testing.T) {
	for v, want := range map[string]string{"": "[nil]", "default": "[nil]", "on": "[true]", "TRUE": "[true]", "off": "[false]", "false": "[false]", "both": "[true false]"} {
		ms, err := ParseThinkModes(v)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		var parts []string
		for _, m := range ms {
			parts = append(parts, map[bool]string{true: "true", false: "false"}[m != nil && *m])
			if m == nil {
				parts[len(parts)-1] = "nil"
			}
		}
		if got := "[" + strings.Join(parts, " ") + "]"; got != want {
			t.Errorf("%q: %s, want %s", v, got, want)
		}
	}
	if _, err := ParseThink("both"); err == nil {
		t.Error("ParseThink(both): no error")
	}
	if _, err := ParseThinkModes("maybe"); err == nil || !strings.Contains(err.Error(), "maybe") {
		t.Errorf("maybe: %v", err)
	}
}

// Load resolves a HF cache repo dir (models--ORG--NAME) to its snapshot and refuses a tokenizer without a template.
func TestLoadHFCacheLayout(t *testing.T) {
	src := testpaths.TestData(t, "model", "tiny-qwen3")
	repo := filepath.Join(t.TempDir(), "models--rim--tiny")
	snap := filepath.Join(repo, "snapshots", "abc")
	os.MkdirAll(snap, 0o755)
	os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
	os.WriteFile(filepath.Join(repo, "refs", "main"), []byte("abc\n"), 0o644)
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} {
		if err := os.Symlink(filepath.Join(src, f), filepath.Join(snap, f)); err != nil {
			t.Fatal(err)
		}
	}
	l, err := Load(repo, testpaths.TestData(t, "kernel", "tiny-qwen3-tokenizer"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Dir != snap || l.Chat.Template == nil || l.Chat.Name != "models--rim--tiny" {
		t.Fatalf("dir %s, name %s, template %v", l.Dir, l.Chat.Name, l.Chat.Template != nil)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none"), "", LoadOptions{}); err == nil {
		t.Fatal("missing dir: no error")
	}
}

// ProbeSet says when a source cannot supply the asked-for count (RIM_SAMPLES=300 vs 175 Alpaca seed prompts).
func TestProbeSetNote(t *testing.T) {
	clearEnv(t)
	t.Setenv("RIM_ROOT", filepath.Dir(filepath.Dir(testpaths.TestData(t, "model"))))
	s, _ := FromEnv()
	if _, err := os.Stat(filepath.Join(s.DataRoot(), "alpaca")); err != nil {
		t.Skipf("no shared data beside the checkout: %v", err)
	}
	set, nTrain, note, err := s.ProbeSet(10)
	if err != nil || note != "" || len(set) != 20 || nTrain != 12 {
		t.Fatalf("10: %d prompts, train %d, note %q, %v", len(set), nTrain, note, err)
	}
	set, _, note, err = s.ProbeSet(300)
	if err != nil || !strings.Contains(note, "asked for 300 + 300") || len(set) >= 600 {
		t.Fatalf("300: %d prompts, note %q, %v", len(set), note, err)
	}
}
