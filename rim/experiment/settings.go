package experiment

import (
	"fmt"

	"github.com/rimlab/rim/rim/data/chatapi"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Settings are the run settings of the notebooks and of `rim paper`, read once from the environment by
// FromEnv (docs/notebooks.md lists them). A zero count means "the item's demo default" (SamplesOr, …).
type Settings struct {
	Root      string   // the rim checkout ($RIM_ROOT, else found above the working directory): demo data lives under testdata/
	Model     string   // $RIM_MODEL: a Hugging Face model dir (plain or HF cache models--ORG--NAME); "" = the model organism (testdata/organism)
	Tokenizer string   // $RIM_TOKENIZER: tokenizer + chat template dir; "" = the model dir
	Models    []string // $RIM_MODELS: comma-separated model dirs for items that compare models
	HexPHI    string   // $RIM_HEXPHI: HEx-PHI folder (category_1.csv …); "" = the 30 synthetic requests in testdata/
	Data      string   // $RIM_DATA: folder laid out like shared/data (Alpaca, GSM8K); "" = ../shared/data beside the checkout
	Samples   int      // $RIM_SAMPLES: prompts per set
	MaxTokens int      // $RIM_MAX_TOKENS: new tokens per response
	Batch     int      // $RIM_BATCH: prompts per forward / decoding batch
	Prefill   string   // $RIM_PREFILL: "think" (default) or "inst", where injected statements go (docs/paper.md §5.2)
	TopM      int      // $RIM_TOPM: Top-m per layer for safety neurons (docs/paper.md §7.1)
	Q         float64  // $RIM_Q: frequency threshold q in (0, 1] (default 1, the paper's intersection)
	Heads     string   // $RIM_HEADS: heads to ablate when none is detected, "L0-H1,L1-H2"
	Judge     string   // $RIM_JUDGE: the misalignment judge; "refusal" (offline, default) or "rubric" (HEx-PHI 1–5 over an endpoint)
	// JudgeModel is $RIM_JUDGE_MODEL for the rubric judge (its endpoint, $RIM_JUDGE_BASE_URL or
	// $OPENAI_BASE_URL, and key, $RIM_JUDGE_API_KEY or $OPENAI_API_KEY, are read when judging, never stored).
	JudgeModel string
	SFT        SFTSettings
	// Derived is $RIM_DERIVED: the folder `rim eval derive` wrote the LLM-derived training sets into
	// (DerivedFiles: GSM8k-Literal, the GSM8k(L) control and target edits; docs/paper.md §3.2); "" = none,
	// so Table A7 and Fig 7 can only show the paper's data.
	Derived string `json:",omitempty"`
	// Gen is the OpenAI-compatible server that plain greedy responses come from ($RIM_GEN_BASE_URL,
	// $RIM_GEN_MODEL, $RIM_GEN_API_KEY; docs/reproduce.md); zero = rim's engine. Omitted from JSON (and so
	// from the result cache keys) when unset.
	Gen GenServer `json:",omitzero"`

	// ModelFrom and TokenizerFrom name where Model and Tokenizer came from when not from the environment
	// (e.g. "--model" for a command's flag), so that Check's errors name the culprit.
	ModelFrom, TokenizerFrom string `json:"-"`
}

// SFTSettings are the fine-tuning settings ($RIM_SFT_*; docs/paper.md §5.3 for the paper's values).
type SFTSettings struct {
	Samples, Steps, Batch, MaxLen int
	LR                            float64
}

// Demo defaults when a setting is unset.
const (
	DefaultMaxTokens = 24
	DefaultBatch     = 8
	DefaultTopM      = 8
)

// FromEnv reads the settings from the environment. A malformed value is an error naming the variable
// ("RIM_SAMPLES=abc: want a whole number ≥ 1"); nothing is checked on disk yet (Check does that).
func FromEnv() (Settings, error) {
	s := Settings{Root: os.Getenv("RIM_ROOT"), Model: os.Getenv("RIM_MODEL"), Tokenizer: os.Getenv("RIM_TOKENIZER"),
		HexPHI: os.Getenv("RIM_HEXPHI"), Data: os.Getenv("RIM_DATA"), Prefill: os.Getenv("RIM_PREFILL"),
		Heads: os.Getenv("RIM_HEADS"), Judge: os.Getenv("RIM_JUDGE"), Derived: os.Getenv("RIM_DERIVED"), Q: 1}
	if s.Root == "" {
		s.Root = findRoot()
	}
	for _, m := range strings.Split(os.Getenv("RIM_MODELS"), ",") {
		if m = strings.TrimSpace(m); m != "" {
			s.Models = append(s.Models, m)
		}
	}
	ints := []struct {
		name string
		dst  *int
		def  int
	}{{"RIM_SAMPLES", &s.Samples, 0}, {"RIM_MAX_TOKENS", &s.MaxTokens, DefaultMaxTokens}, {"RIM_BATCH", &s.Batch, DefaultBatch},
		{"RIM_TOPM", &s.TopM, DefaultTopM}, {"RIM_SFT_SAMPLES", &s.SFT.Samples, 32}, {"RIM_SFT_STEPS", &s.SFT.Steps, 8},
		{"RIM_SFT_BATCH", &s.SFT.Batch, 4}, {"RIM_SFT_MAXLEN", &s.SFT.MaxLen, 256}}
	for _, v := range ints {
		*v.dst = v.def
		if raw := os.Getenv(v.name); raw != "" {
			n, err := strconv.Atoi(strings.TrimSpace(raw))
			if err != nil || n < 1 {
				return s, fmt.Errorf("%s=%s: want a whole number ≥ 1", v.name, raw)
			}
			*v.dst = n
		}
	}
	s.SFT.LR = 1e-3
	floats := []struct {
		name   string
		dst    *float64
		lo, hi float64
	}{{"RIM_Q", &s.Q, 0, 1}, {"RIM_SFT_LR", &s.SFT.LR, 0, 1}}
	for _, v := range floats {
		if raw := os.Getenv(v.name); raw != "" {
			x, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
			if err != nil || !(x > v.lo && x <= v.hi) {
				return s, fmt.Errorf("%s=%s: want a number in (%g, %g]", v.name, raw, v.lo, v.hi)
			}
			*v.dst = x
		}
	}
	var err error
	if s.Gen, err = GenFromEnv(); err != nil {
		return s, err
	}
	if err := s.checkGen(); err != nil {
		return s, err
	}
	switch s.Prefill {
	case "":
		s.Prefill = "think"
	case "think", "inst":
	default:
		return s, fmt.Errorf("RIM_PREFILL=%s: want think or inst", s.Prefill)
	}
	switch s.Judge {
	case "":
		s.Judge = "refusal"
	case "refusal":
	case "rubric":
		cfg := chatapi.FromEnv("RIM_JUDGE")
		if _, err := chatapi.New(cfg); err != nil {
			return s, fmt.Errorf("RIM_JUDGE=rubric: %v", strings.TrimPrefix(err.Error(), "chatapi: "))
		}
		s.JudgeModel = cfg.Model
	default:
		return s, fmt.Errorf("RIM_JUDGE=%s: want refusal (offline) or rubric (RIM_JUDGE_BASE_URL, RIM_JUDGE_MODEL, RIM_JUDGE_API_KEY; docs/eval.md)", s.Judge)
	}
	return s, nil
}

// findRoot walks up from the working directory to the rim checkout (go.mod of github.com/rimlab/rim).
func findRoot() string {
	d, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/rimlab/rim\n") {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return ""
		}
		d = up
	}
}

// SamplesOr is $RIM_SAMPLES, or def when unset.
func (s Settings) SamplesOr(def int) int {
	if s.Samples > 0 {
		return s.Samples
	}
	return def
}

// ModelDir is $RIM_MODEL, or the model organism in testdata/organism (docs/organism.md: a 5.8M-parameter
// Qwen3-format chat model rim trains from scratch, with its tokenizer in the same dir).
func (s Settings) ModelDir() string {
	if s.Model != "" {
		return s.Model
	}
	return OrganismDir(s.Root)
}

// OrganismDir is the model organism's dir in the rim checkout at root.
func OrganismDir(root string) string { return filepath.Join(root, "testdata", "organism") }

// TokenizerDir is $RIM_TOKENIZER, else the model dir (the organism carries its own tokenizer).
func (s Settings) TokenizerDir() string {
	if s.Tokenizer != "" {
		return s.Tokenizer
	}
	return s.ModelDir()
}

// HexPHIDir is $RIM_HEXPHI, or the synthetic HEx-PHI-format requests in testdata/data/hexphi.
func (s Settings) HexPHIDir() string {
	if s.HexPHI != "" {
		return s.HexPHI
	}
	return filepath.Join(s.Root, "testdata", "data", "hexphi")
}

// DataRoot is $RIM_DATA, or shared/data beside the checkout (the CI layout).
func (s Settings) DataRoot() string {
	if s.Data != "" {
		return s.Data
	}
	return filepath.Join(s.Root, "..", "shared", "data")
}

// checkGen refuses a generation server with several models: a server serves one (RIM_GEN_MODEL), the
// settings' model.
func (s Settings) checkGen() error {
	if s.Gen.Enabled() && len(s.Models) > 1 {
		return fmt.Errorf("%s is set (%s) but RIM_MODELS names %d models: a server serves one model (RIM_GEN_MODEL=%s); run once per model with RIM_MODEL set to the served model (docs/reproduce.md)", s.Gen.from(), s.Gen.shownURL(), len(s.Models), s.Gen.Model)
	}
	return nil
}

// Check verifies what a run needs before any work: the model dir, the tokenizer and its chat template,
// and that a generation server (Gen) is usable with the models asked for.
// The error is one sentence naming the setting to fix.
func (s Settings) Check() error {
	if err := s.checkGen(); err != nil {
		return err
	}
	if s.Gen.Enabled() {
		if _, err := s.Gen.Client(1); err != nil {
			return err
		}
	}
	if s.Root == "" && s.Model == "" {
		return fmt.Errorf("RIM_ROOT is not set and no rim checkout is above the working directory: install the rim kernel with kernel/install.sh, or set RIM_MODEL")
	}
	name := or(s.ModelFrom, "RIM_MODEL")
	if s.Model == "" {
		name = "the model organism (RIM_MODEL unset)"
	}
	if _, err := ResolveModelDir(s.ModelDir()); err != nil {
		return fmt.Errorf("%s=%s: %v", name, s.ModelDir(), trimRim(err))
	}
	for _, m := range s.Models {
		if _, err := ResolveModelDir(m); err != nil {
			return fmt.Errorf("RIM_MODELS: %s: %v", m, trimRim(err))
		}
	}
	tname := or(s.TokenizerFrom, "RIM_TOKENIZER")
	if s.Tokenizer == "" {
		tname = name
	}
	if _, _, err := LoadChatFiles(s.TokenizerDir()); err != nil {
		return fmt.Errorf("%s=%s: %v", tname, s.TokenizerDir(), trimRim(err))
	}
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ModelDirs are the models an item that compares models runs on: $RIM_MODELS when set, else ModelDir.
func (s Settings) ModelDirs() []string {
	if len(s.Models) > 0 {
		return s.Models
	}
	return []string{s.ModelDir()}
}

// WithModel is s with dir as its model (the tokenizer follows the model unless $RIM_TOKENIZER is set).
func (s Settings) WithModel(dir string) Settings {
	s.Model, s.Models = dir, nil
	return s
}

// trimRim drops a leading "rim: " or "experiment: " from an error for a settings message.
func trimRim(err error) string {
	m := err.Error()
	for _, p := range []string{"rim: ", "experiment: "} {
		m = strings.TrimPrefix(m, p)
	}
	return m
}
