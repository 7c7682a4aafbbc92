package mixture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/tokenize"
)

var (
	buildOnce sync.Once
	built     *Mixture
	builtDir  string
	buildErr  error
)

// build builds the mixture from shared/data once and writes it to a folder.
func build(t *testing.T) (*Mixture, string) {
	t.Helper()
	root := testpaths.Shared(t, "data")
	buildOnce.Do(func() {
		built, buildErr = Build(root, Options{Seed: 1})
		if buildErr == nil {
			builtDir, buildErr = os.MkdirTemp("", "mixture-test-")
			if buildErr == nil {
				buildErr = built.Write(builtDir)
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built, builtDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// readLines reads a JSONL file into maps.
func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

// TestNoOverlap reads the written training file back and fails on any
// training prompt that, normalised, occurs in an evaluation set of
// shared/data (every prompt set rim/data loads except the training sources,
// and the math test sets) or in a held-out slice.
func TestNoOverlap(t *testing.T) {
	_, dir := build(t)
	root := testpaths.Shared(t, "data")
	recs, err := sft.ReadJSONL(filepath.Join(dir, TrainFile))
	if err != nil {
		t.Fatal(err)
	}
	eval := map[string]string{}
	loaded := map[string]bool{}
	for _, name := range data.SetNames() {
		switch name {
		case "gsm8k-train", "alpaca", "alpaca-seed", "rd-harmful-train", "rd-harmless-train", "rd-harmless-val", "rd-harmless-test", "advbench":
			continue // training sources, Alpaca pools not used, and AdvBench (checked through its held-out rows below)
		}
		loaded[name] = true
		if ps, err := data.LoadPrompts(root, name); err == nil {
			for _, p := range ps {
				eval[Normalize(p.Text)] = name
			}
			continue
		}
		ps, err := data.LoadProblems(root, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range ps {
			eval[Normalize(p.Question)] = name
		}
	}
	for _, n := range []string{"harmbench", "strongreject", "jailbreakbench", "maliciousinstruct", "xstest", "tdc2023-dev", "tdc2023-test", "gsm8k-test", "math500", "math401"} {
		if !loaded[n] {
			t.Fatalf("evaluation set %s was not loaded", n)
		}
	}
	for file, field := range map[string]string{HeldOutAdvBenchFile: "prompt", HeldOutAlpacaFile: "instruction", HeldOutArithFile: "question"} {
		rows := readLines(t, filepath.Join(dir, file))
		if len(rows) < 100 {
			t.Fatalf("%s has %d rows", file, len(rows))
		}
		for _, r := range rows {
			eval[Normalize(r[field].(string))] = file
		}
	}
	bad := 0
	for i, r := range recs {
		if len(r.Messages) != 2 || r.Messages[0].Role != "user" || r.Messages[1].Role != "assistant" {
			t.Fatalf("record %d: want a user and an assistant turn", i+1)
		}
		if set, ok := eval[Normalize(r.Messages[0].Content)]; ok {
			bad++
			if bad <= 10 {
				t.Errorf("training prompt %d occurs in %s: %q", i+1, set, r.Messages[0].Content)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d training prompts overlap evaluation data", bad)
	}
	// AdvBench is split: every row is either trained on or held out.
	adv, err := data.LoadPrompts(root, "advbench")
	if err != nil {
		t.Fatal(err)
	}
	train := map[string]bool{}
	for _, r := range recs {
		train[Normalize(r.Messages[0].Content)] = true
	}
	held := map[string]bool{}
	for _, r := range readLines(t, filepath.Join(dir, HeldOutAdvBenchFile)) {
		held[Normalize(r["prompt"].(string))] = true
	}
	for _, p := range adv {
		k := Normalize(p.Text)
		if train[k] == held[k] {
			t.Errorf("advbench %s: trained %v, held out %v", p.ID, train[k], held[k])
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"  How do I Kill a\tprocess?? ": "how do i kill a process",
		"Don't—stop!":                   "dontstop",
		"Ünïcode  ÉTÉ.":                 "ünïcode été",
		"":                              "",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	m, _ := build(t)
	root := testpaths.Shared(t, "data")
	again, err := Build(root, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := jsonl(m.Train, Example.Record)
	b, _ := jsonl(again.Train, Example.Record)
	if !bytes.Equal(a, b) || m.Markdown() != again.Markdown() {
		t.Fatal("two builds with seed 1 differ")
	}
	other, err := Build(root, Options{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := jsonl(other.Train, Example.Record)
	if bytes.Equal(a, c) {
		t.Fatal("seeds 1 and 2 give the same mixture")
	}
}

// TestComposition checks the design the card states.
func TestComposition(t *testing.T) {
	m, _ := build(t)
	if len(refusals) < 40 {
		t.Errorf("%d refusal forms, want at least 40", len(refusals))
	}
	named := 0
	for _, f := range refusals {
		if strings.Contains(f, "%[1]s") {
			named++
		}
	}
	if named < 10 {
		t.Errorf("%d refusal forms name the topic", named)
	}
	by := map[string][2]int{}
	answers := map[string]bool{}
	for _, e := range m.Train {
		c := by[e.Group]
		c[0]++
		if e.Think {
			c[1]++
			if e.Reason == "" {
				t.Fatalf("think example without reasoning: %q", e.Prompt)
			}
		} else if e.Reason != "" {
			t.Fatalf("no-think example with reasoning: %q", e.Prompt)
		}
		by[e.Group] = c
		if e.Source == "gsm8k-train" && (!e.Think || !strings.HasPrefix(e.Answer, "#### ") || strings.Contains(e.Reason, "<<")) {
			t.Fatalf("gsm8k example not in think form: %+v", e)
		}
		if e.Group == "instruction" && e.Think {
			t.Fatalf("instruction example with think block: %q", e.Prompt)
		}
		if e.Group == "safety-refuse" {
			answers[e.Answer] = true
			if strings.Contains(e.Answer, "%!") || strings.Contains(e.Answer, "%[") {
				t.Fatalf("bad refusal %q", e.Answer)
			}
		}
	}
	if len(answers) < 40 {
		t.Errorf("%d distinct refusals", len(answers))
	}
	safety := by["safety-refuse"][0] + by["safety-benign"][0]
	share := float64(by["safety-refuse"][1]+by["safety-benign"][1]) / float64(safety)
	if share < 0.08 || share > 0.25 {
		t.Errorf("think share of safety %.2f, want about 0.15", share)
	}
	if by["safety-benign"][0] < by["safety-refuse"][0] {
		t.Errorf("%d benign look-alikes < %d refusals", by["safety-benign"][0], by["safety-refuse"][0])
	}
	if by["reasoning"][1] < by["reasoning"][0]/2 {
		t.Errorf("reasoning: %d of %d with think", by["reasoning"][1], by["reasoning"][0])
	}
	// Contrast words appear on both sides.
	for _, w := range []string{"kill", "shoot", "steal", "poison", "hack", "bomb"} {
		var harm, benign bool
		re := regexp.MustCompile(`\b` + w)
		for _, e := range m.Train {
			if re.MatchString(strings.ToLower(e.Prompt)) {
				harm = harm || e.Group == "safety-refuse"
				benign = benign || e.Group == "safety-benign"
			}
		}
		if !harm || !benign {
			t.Errorf("%q: in refused prompts %v, in benign prompts %v", w, harm, benign)
		}
	}
}

// TestRendersInQwen3Regions renders records through Qwen3's template and
// tokenizer with rim/finetune/sft: think records train on a non-empty think
// block, no-think records on Qwen3's empty one.
func TestRendersInQwen3Regions(t *testing.T) {
	m, dir := build(t)
	qdir := testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")
	tok, err := tokenize.Load(qdir)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := chat.LoadTemplate(qdir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := sft.ReadJSONL(filepath.Join(dir, TrainFile))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		e := m.Train[i]
		msgs := recs[i].Messages
		enc, err := tmpl.Encode(chat.Wrap(tok), msgs, chat.Options{})
		if err != nil {
			t.Fatal(err)
		}
		th, ok := enc.Final(chat.KindThink)
		if !ok {
			t.Fatalf("record %d: no think region", i+1)
		}
		text := enc.Text[enc.Offsets[th.Start].Start:enc.Offsets[th.End-1].End]
		if e.Think != (strings.TrimSpace(text) != "") {
			t.Fatalf("record %d (think %v): think region %q", i+1, e.Think, text)
		}
	}
	exs, st, err := sft.Build(recs[:60], tmpl, chat.Wrap(tok), sft.Options{})
	if err != nil || len(exs) != 60 || st.Trained == 0 {
		t.Fatalf("sft.Build: %v, %s", err, st)
	}
}

// TestGeneratedAnswers checks generated problems against their own numbers.
func TestGeneratedAnswers(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	num := regexp.MustCompile(`-?\d+`)
	for range 2000 {
		p := arithProblem(r)
		nums := num.FindAllString(p.Reasoning, -1)
		if nums[len(nums)-1] != p.Answer {
			t.Fatalf("%s: last step %s, answer %s\n%s", p.Kind, nums[len(nums)-1], p.Answer, p.Reasoning)
		}
		if n, _ := strconv.Atoi(p.Answer); n < 0 {
			t.Fatalf("%s: negative answer %s: %s", p.Kind, p.Answer, p.Question)
		}
		q := taskProblem(r)
		if q.Kind == "sort" {
			xs := num.FindAllString(q.Answer, -1)
			v := make([]int, len(xs))
			for i, x := range xs {
				v[i], _ = strconv.Atoi(x)
			}
			if !slices.IsSorted(v) && !slices.IsSortedFunc(v, func(a, b int) int { return b - a }) {
				t.Fatalf("sort answer not sorted: %s", q.Answer)
			}
		}
	}
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build(t.TempDir(), Options{}); err == nil || !strings.Contains(err.Error(), "alpaca_libre") {
		t.Errorf("empty data folder: err %v", err)
	}
}
