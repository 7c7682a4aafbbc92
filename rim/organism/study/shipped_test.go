package study

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/experiment"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/organism/build"
)

// The tests below check the organism shipped in testdata/organism against
// its card (issue 12 part 7).

// TestShippedManifest: every file's sha256 matches manifest.json, and the
// card quotes the weights' hash.
func TestShippedManifest(t *testing.T) {
	dir := organismDir(t)
	var want map[string]string
	if err := readJSON(filepath.Join(dir, ManifestFile), &want); err != nil {
		t.Fatal(err)
	}
	got, err := Manifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	for f, h := range want {
		if got[f] != h {
			t.Errorf("%s: sha256 %s, manifest says %s", f, got[f], h)
		}
	}
	for f := range got {
		if _, ok := want[f]; !ok {
			t.Errorf("%s is not in the manifest", f)
		}
	}
	card, err := os.ReadFile(filepath.Join(dir, CardFile))
	if err != nil {
		t.Fatal(err)
	}
	if w := want["model.safetensors"]; w == "" || !strings.Contains(string(card), w) {
		t.Errorf("the card does not quote model.safetensors' sha256 %q", w)
	}
}

// TestShippedBehaviour re-measures the CI subset recorded in
// results/ci_subset.json with the same options. Greedy decoding is
// deterministic on one machine; across CPUs (other SIMD kernels, other
// float summation order) a near-tied token may flip, so each count may
// differ by at most 2 of its 50.
func TestShippedBehaviour(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 150 answers")
	}
	dir := organismDir(t)
	var want Subset
	if err := readJSON(filepath.Join(dir, ResultsDir, SubsetFile), &want); err != nil {
		t.Fatal(err)
	}
	o := want.Options
	o.Model, o.Data = dir, testpaths.Shared(t, "data")
	c, err := cacheIn(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o.Cache = c
	got, err := RunSubset(o, want.N)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("measured: %s; card: %s", got.Summary(), want.Summary())
	for _, r := range []struct {
		name      string
		got, want int
		n, wantN  int
	}{{"harmful refused", got.Harmful.K, want.Harmful.K, got.Harmful.N, want.Harmful.N},
		{"harmless refused", got.Harmless.K, want.Harmless.K, got.Harmless.N, want.Harmless.N},
		{"arithmetic correct", got.Arith.K, want.Arith.K, got.Arith.N, want.Arith.N},
		{"think closed", got.Closed.K, want.Closed.K, got.Closed.N, want.Closed.N}} {
		if r.n != r.wantN || r.got < r.want-2 || r.got > r.want+2 {
			t.Errorf("%s: %d/%d, the card says %d/%d", r.name, r.got, r.n, r.want, r.wantN)
		}
	}
}

// TestRecipeFirstSteps rebuilds the organism from ../shared/data for its
// first two optimiser steps and compares them with the shipped training log:
// the tokenizer and the initial weights must hash as recipe.json says, and
// the losses and gradient norms must match (to 1e-6 relative: the same
// machine gives the same bits; another CPU may sum in another order).
func TestRecipeFirstSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the mixture, tokenizer and init and trains two full-size steps")
	}
	dir := organismDir(t)
	c, err := LoadCard(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var budget time.Duration
	if b := c.Recipe.Build.Budget; b != "" {
		if budget, err = time.ParseDuration(b); err != nil {
			t.Fatal(err)
		}
	}
	res, err := build.Run(build.Options{Data: testpaths.Shared(t, "data"), Out: out, Seed: c.Recipe.Build.Seed, MaxSteps: 2, Steps: c.Recipe.Build.Steps, Budget: budget})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []struct {
		sub  string
		want map[string]string
	}{{build.TokenizerDir, c.Recipe.Tokenizer}, {build.InitDir, c.Recipe.Init}} {
		for f, sum := range h.want {
			if got := sha(t, filepath.Join(out, h.sub, f)); got != sum {
				t.Errorf("%s/%s: sha256 %s, recipe.json says %s", h.sub, f, got, sum)
			}
		}
	}
	if len(res.History) != 2 {
		t.Fatalf("%d steps logged, want 2", len(res.History))
	}
	for i, e := range res.History {
		w := c.Log[i]
		if !near(e.Loss, w.Loss) || !near(e.GradNorm, w.GradNorm) || e.Tokens != w.Tokens {
			t.Errorf("step %d: loss %v grad %v tokens %d; shipped log: %v %v %d", e.Step, e.Loss, e.GradNorm, e.Tokens, w.Loss, w.GradNorm, w.Tokens)
		} else if e.Loss != w.Loss {
			t.Logf("step %d: loss equal to 1e-6 but not bit for bit (%v vs %v)", e.Step, e.Loss, w.Loss)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(math.Abs(a), math.Abs(b)) }

func sha(t *testing.T, path string) string {
	m, err := Manifest(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	return m[filepath.Base(path)]
}

// Every shipped result names the organism by its current content fingerprint (experiment.ModelID), so a
// reader can tell which weights and tokenizer produced it; a fingerprint rule change must re-measure them.
func TestShippedResultsName(t *testing.T) {
	dir := filepath.Join(testpaths.Root(t), "testdata", "organism")
	id, err := experiment.ModelID(dir, dir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("results: %v %v", files, err)
	}
	for _, f := range files {
		var r struct {
			ModelID string `json:"model_id"`
		}
		b, err := os.ReadFile(f)
		if err == nil {
			err = json.Unmarshal(b, &r)
		}
		if err != nil || r.ModelID != id {
			t.Errorf("%s: model_id %q (%v), want the organism's %q", filepath.Base(f), r.ModelID, err, id)
		}
	}
}
