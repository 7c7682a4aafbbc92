package build

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/organism/mixture"
)

// tiny is the organism's recipe on a tiny shape and schedule, for tests: the
// same stages on the real mixture, seconds instead of hours.
func tiny() *Recipe {
	r := Organism
	r.Name, r.Version = "rim-organism-test", 1
	r.Shape = Shape{Layers: 2, Hidden: 32, Heads: 4, KVHeads: 2, HeadDim: 8, Intermediate: 64, Vocab: 512,
		MaxPositions: 256, RopeTheta: 10000, InitStd: 0.02}
	r.Training.Batch, r.Training.MicroBatch, r.Training.MaxLen = 4, 2, 128
	r.Training.Steps, r.Training.SaveEvery, r.Training.Keep = 6, 2, 0
	r.Training.WarmupRatio = 0.2
	return &r
}

var (
	fullOnce sync.Once
	fullDir  string
	fullRes  *Result
	fullErr  error
)

// full runs the tiny recipe to completion once (shared by the tests).
func full(t *testing.T) (string, *Result) {
	t.Helper()
	data := testpaths.Shared(t, "data")
	fullOnce.Do(func() {
		fullDir, fullErr = os.MkdirTemp("", "organism-build-test-")
		if fullErr == nil {
			fullRes, fullErr = Run(Options{Data: data, Out: fullDir, Recipe: tiny(), Command: []string{"rim", "organism", "build", "(test)"}})
		}
	})
	if fullErr != nil {
		t.Fatal(fullErr)
	}
	return fullDir, fullRes
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fullDir != "" {
		os.RemoveAll(fullDir)
	}
	os.Exit(code)
}

// sameHistory fails unless the losses (and the rest of each entry but the
// timing) are bit-identical.
func sameHistory(t *testing.T, what string, got, want []finetune.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d steps, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Loss != w.Loss || g.GradNorm != w.GradNorm || g.LR != w.LR || g.Tokens != w.Tokens || g.Step != w.Step {
			t.Errorf("%s: step %d: loss %v grad %v lr %v tokens %d, want loss %v grad %v lr %v tokens %d",
				what, g.Step, g.Loss, g.GradNorm, g.LR, g.Tokens, w.Loss, w.GradNorm, w.LR, w.Tokens)
		}
	}
}

func fileEqual(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Errorf("%s and %s differ", a, b)
	}
}

// TestDeterministicAndResume: a second build (killed once before training
// started) stopped after 3 of 6 steps has the first build's losses bit for
// bit; killed (its last checkpoint
// lost, a half-exported model left behind) and resumed, it ends with the
// same losses and the same weights.
func TestDeterministicAndResume(t *testing.T) {
	a, ra := full(t)
	if !ra.Complete || len(ra.History) != 6 {
		t.Fatalf("full build: complete %v, %d steps", ra.Complete, len(ra.History))
	}
	b := t.TempDir()
	data := testpaths.Shared(t, "data")
	// Killed after its stages, before the run started (no run/): resuming
	// starts the run.
	if _, err := Run(Options{Data: data, Out: b, Recipe: tiny(), MaxSteps: 1}); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(b, RunDir)); err != nil {
		t.Fatal(err)
	}
	rb, err := Run(Options{Data: data, Out: b, Recipe: tiny(), MaxSteps: 3, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if rb.Resumed != "" {
		t.Errorf("run started again: resumed from %s", rb.Resumed)
	}
	if rb.Complete || len(rb.History) != 3 {
		t.Fatalf("--max-steps 3: complete %v, %d steps", rb.Complete, len(rb.History))
	}
	sameHistory(t, "first 3 steps", rb.History, ra.History[:3])
	for _, f := range []string{filepath.Join(TokenizerDir, "tokenizer.json"), filepath.Join(InitDir, "model.safetensors"), filepath.Join(DataDir, mixture.TrainFile)} {
		fileEqual(t, filepath.Join(a, f), filepath.Join(b, f))
	}
	for _, f := range []string{CompleteFile, ModelDir} {
		if _, err := os.Stat(filepath.Join(b, f)); err == nil {
			t.Errorf("stopped build has %s", f)
		}
	}
	// A kill: checkpoint-3 never finished (latest still names checkpoint-2),
	// and a model export was left half-done.
	run := filepath.Join(b, RunDir)
	if err := os.RemoveAll(filepath.Join(run, "checkpoint-3")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, finetune.LatestFile), []byte("checkpoint-2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{ModelDir, ".tmp-model-1"} {
		if err := os.MkdirAll(filepath.Join(b, d), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(b, d, "model.safetensors"), []byte("partial"), 0o644)
	}
	if _, err := Run(Options{Data: data, Out: b, Recipe: tiny()}); err == nil || !strings.Contains(err.Error(), b) {
		t.Errorf("non-empty out without --resume: err %v, want one naming %s", err, b)
	}
	rc, err := Run(Options{Data: data, Out: b, Recipe: tiny(), Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Resumed == "" || !strings.HasSuffix(rc.Resumed, "checkpoint-2") || !rc.Complete {
		t.Errorf("resume: from %q, complete %v", rc.Resumed, rc.Complete)
	}
	sameHistory(t, "resumed build", rc.History, ra.History)
	fileEqual(t, filepath.Join(a, ModelDir, "model.safetensors"), filepath.Join(b, ModelDir, "model.safetensors"))
	if _, err := os.Stat(filepath.Join(b, ".tmp-model-1")); err == nil {
		t.Errorf("resume left .tmp-model-1")
	}
	// A complete build resumes to nothing.
	rd, err := Run(Options{Data: data, Out: b, Recipe: tiny(), Resume: true})
	if err != nil || !rd.Complete {
		t.Fatalf("resume of a complete build: %v", err)
	}
	sameHistory(t, "complete build's log", rd.History, ra.History)
	// A different seed is a different build.
	if _, err := Run(Options{Data: data, Out: b, Recipe: tiny(), Resume: true, Seed: 2}); err == nil || !strings.Contains(err.Error(), "seed") {
		t.Errorf("resume with another seed: err %v", err)
	}
}

// TestExport: the organism loads with rim/model and generates with
// rim/generate from its own folder, which carries everything documented.
func TestExport(t *testing.T) {
	out, res := full(t)
	dir := filepath.Join(out, ModelDir)
	for _, f := range []string{"config.json", "model.safetensors", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
		mixture.CardMarkdownFile, mixture.CardJSONFile, RecipeFile, LogFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("export lacks %s", f)
		}
	}
	for f, sum := range res.Files {
		if len(sum) != 64 {
			t.Errorf("COMPLETE: %s: sha256 %q", f, sum)
		}
	}
	var rj RecipeJSON
	raw, err := os.ReadFile(filepath.Join(dir, RecipeFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &rj); err != nil {
		t.Fatal(err)
	}
	if rj.Build.Seed != 1 || rj.Steps != 6 || len(rj.Data) == 0 || rj.Data[mixture.TrainFile] == "" || len(rj.Inputs) == 0 ||
		rj.Build.Recipe.Shape != tiny().Shape || len(rj.Command) == 0 || (rj.Build.RimCommit != "unknown" && len(rj.Build.RimCommit) < 40) {
		t.Errorf("recipe.json: %s", raw)
	}
	m, err := model.Load(dir, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.ModelType != "qwen3" || m.Config.NumLayers != 2 || !m.Config.TieEmbeddings {
		t.Errorf("config: %+v", m.Config)
	}
	m.Close()
	c, st, err := generate.Load(dir, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.M.Close()
	if c.Template == nil || c.Template.Family != chat.Qwen3 {
		t.Fatalf("export's chat template: %+v", c.Template)
	}
	for _, think := range []bool{false, true} {
		outs, err := c.Generate(context.Background(), []generate.Conversation{{Messages: chat.User("What is 2 + 3?"), Think: &think}},
			generate.ChatOptions{MaxTokens: 8})
		if err != nil {
			t.Fatal(err)
		}
		if len(outs) != 1 || len(outs[0].IDs) == 0 {
			t.Errorf("think %v: generated %+v", think, outs)
		}
	}
}

// TestErrors: bad inputs are errors naming the culprit.
func TestErrors(t *testing.T) {
	data := testpaths.Shared(t, "data")
	nonEmpty := t.TempDir()
	os.WriteFile(filepath.Join(nonEmpty, "notes.txt"), []byte("mine"), 0o644)
	cases := []struct {
		name string
		opt  Options
		want string
	}{
		{"non-empty out", Options{Data: data, Out: nonEmpty}, nonEmpty},
		{"overwrite a folder that is no build", Options{Data: data, Out: nonEmpty, Overwrite: true}, nonEmpty},
		{"resume nothing", Options{Data: data, Out: filepath.Join(t.TempDir(), "none"), Resume: true}, "holds no build"},
		{"resume and overwrite", Options{Data: data, Out: t.TempDir(), Resume: true, Overwrite: true}, "exclude"},
		{"missing data folder", Options{Data: filepath.Join(t.TempDir(), "nodata"), Out: t.TempDir()}, "nodata"},
		{"missing data file", Options{Data: t.TempDir(), Out: t.TempDir()}, "alpaca_libre"},
	}
	for _, c := range cases {
		c.opt.Recipe = tiny()
		_, err := Run(c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one containing %q", c.name, err, c.want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(nonEmpty, "notes.txt")); err != nil || string(b) != "mine" {
		t.Errorf("a refused --overwrite touched the folder")
	}
	bad := tiny()
	bad.Shape.KVHeads = 3
	if _, err := Run(Options{Data: data, Out: t.TempDir(), Recipe: bad}); err == nil || !strings.Contains(err.Error(), "KV heads") {
		t.Errorf("bad shape: err %v", err)
	}
}

// TestOrganismRecipe pins the shipped recipe's shape (a change is a new
// Version) and the sizing arithmetic.
func TestOrganismRecipe(t *testing.T) {
	if err := Organism.Validate(); err != nil {
		t.Fatal(err)
	}
	s := Organism.Shape
	if s != (Shape{Layers: 6, Hidden: 256, Heads: 8, KVHeads: 4, HeadDim: 32, Intermediate: 768, Vocab: 4096,
		MaxPositions: 2048, RopeTheta: 10000, InitStd: 0.02}) || Organism.Version != 1 {
		t.Errorf("the organism's recipe changed without a new version: %+v", Organism)
	}
	if tr := Organism.Training; tr != (Training{LR: 1e-3, WeightDecay: 0.1, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, Schedule: "cosine",
		WarmupRatio: 0.03, MaxGradNorm: 1, Batch: 32, MicroBatch: 8, MaxLen: 1024, PadMultiple: 32, Bucket: 16,
		Budget: Duration(2 * time.Hour), TokensPerSec: 900, SaveEvery: 100, Keep: 2}) || Organism.MixtureSeed != 1 {
		t.Errorf("the organism's training recipe changed without a new version: %+v", tr)
	}
	if p := s.Params(); p < 5_700_000 || p > 5_850_000 {
		t.Errorf("params %d, want ≈5.8M", p)
	}
	tr := Organism.Training
	tr.TokensPerSec, tr.Budget = 1000, Duration(3600e9)
	if n := tr.StepsFor(4_000_000, 1000); n != 900 { // 3.6M tokens at 4000 per step
		t.Errorf("StepsFor: %d, want 900", n)
	}
}
