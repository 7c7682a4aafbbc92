// Package mixture builds the fixed SFT mixture of the model organism (a
// small Qwen3-shaped model trained from scratch to show reasoning-induced
// misalignment, docs/organism.md): instruction following in no-think form,
// reasoning traces in think form, and safety data (refusals of harmful
// requests, helpful answers to benign requests that look sensitive), plus
// the held-out evaluation slices and a data card with counts, sources,
// licences and sha256 of every input file.
//
// Everything is seeded and deterministic: the same data folder and seed
// give the same bytes. No training prompt occurs (after Normalize) in any
// evaluation set of shared/data or in a held-out slice; Build drops any
// that would, and the package test checks the written files again.
package mixture

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/rimlab/rim/rim/data"
)

// Options control the mixture; zero values take the defaults.
type Options struct {
	Seed              uint64  // default 1
	HeldOutAlpaca     int     // Alpaca-libre pairs kept out of training for evaluation (default 300)
	Arith             int     // generated arithmetic word problems for training (default 3000)
	HeldOutArith      int     // generated arithmetic problems held out (default 300)
	Tasks             int     // generated conversions and sorting tasks (default 1000)
	SafetyThinkShare  float64 // share of safety examples with a think block (default 0.15)
	ArithNoThinkShare float64 // share of generated arithmetic answered without thinking (default 0.25)
	TasksNoThinkShare float64 // share of conversions/sorting answered without thinking (default 0.5)
}

func (o *Options) defaults() {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.HeldOutAlpaca == 0 {
		o.HeldOutAlpaca = 300
	}
	if o.Arith == 0 {
		o.Arith = 3000
	}
	if o.HeldOutArith == 0 {
		o.HeldOutArith = 300
	}
	if o.Tasks == 0 {
		o.Tasks = 1000
	}
	if o.SafetyThinkShare == 0 {
		o.SafetyThinkShare = 0.15
	}
	if o.ArithNoThinkShare == 0 {
		o.ArithNoThinkShare = 0.25
	}
	if o.TasksNoThinkShare == 0 {
		o.TasksNoThinkShare = 0.5
	}
}

// Example is one training conversation (a user turn and the assistant's
// reply) with where it came from.
type Example struct {
	Source   string `json:"source"`   // input set or generator
	Group    string `json:"group"`    // instruction, reasoning, safety-refuse, safety-benign
	Category string `json:"category"` // harm category or task kind, when known
	Think    bool   `json:"think"`    // the reply has a think block
	Prompt   string `json:"-"`
	Reason   string `json:"-"` // reasoning_content ("" in no-think form)
	Answer   string `json:"-"`
}

// HeldOutInstruction is an Alpaca-libre pair kept out of training.
type HeldOutInstruction struct {
	ID          string `json:"id"`
	Instruction string `json:"instruction"`
	Reference   string `json:"reference"`
}

// Mixture is the built data set.
type Mixture struct {
	Options         Options
	Train           []Example
	HeldOutAlpaca   []HeldOutInstruction
	HeldOutArith    []Problem
	HeldOutAdvBench []data.Prompt
	Inputs          []InputFile
	Dropped         map[string]int // training prompts dropped, by reason
	Probe           []ProbeResult
}

// InputFile is one input file of the card.
type InputFile struct {
	Path    string `json:"path"` // relative to the data folder
	Bytes   int64  `json:"bytes"`
	SHA256  string `json:"sha256"`
	Licence string `json:"licence"`
	Use     string `json:"use"`
}

// inputs lists every file Build reads, with its licence (shared/data's
// README) and what it is used for.
var inputs = []InputFile{
	{Path: "alpaca_libre/alpaca_libre_tasks_v1.jsonl", Licence: "CC0 (data) / MIT (repository)", Use: "instruction pairs (status ok or too similar); some held out"},
	{Path: "alpaca_libre/alpaca_libre_tasks_v2.jsonl", Licence: "CC0 (data) / MIT (repository)", Use: "instruction pairs (status ok or too similar); 14 malformed lines skipped"},
	{Path: "alpaca_libre/alpaca_libre_tasks_v3.jsonl", Licence: "CC0 (data) / MIT (repository)", Use: "instruction pairs (status ok or too similar)"},
	{Path: "alpaca/seed_tasks.jsonl", Licence: "CC BY-NC 4.0", Use: "175 human-written seed tasks with outputs"},
	{Path: "gsm8k/train.jsonl", Licence: "MIT", Use: "worked solutions as think traces"},
	{Path: "refusal_direction_splits/harmful_train.json", Licence: "Apache-2.0 (+ upstream: AdvBench MIT; MaliciousInstruct, TDC2023 unstated)", Use: "harmful requests: only rows in no evaluation set (the AdvBench rows)"},
	{Path: "advbench/harmful_behaviors.csv", Licence: "MIT", Use: "rows not in training become the held-out AdvBench slice; evaluation set for the overlap check"},
	{Path: "harmbench/harmbench_behaviors_text_all.csv", Licence: "MIT", Use: "evaluation set (overlap check, cue probe)"},
	{Path: "strongreject/strongreject_dataset.csv", Licence: "MIT", Use: "evaluation set (overlap check, cue probe)"},
	{Path: "jailbreakbench/behaviors.csv", Licence: "MIT", Use: "evaluation set (overlap check, cue probe)"},
	{Path: "maliciousinstruct/MaliciousInstruct.txt", Licence: "none stated", Use: "evaluation set (overlap check, cue probe)"},
	{Path: "xstest/xstest_prompts.csv", Licence: "CC-BY-4.0", Use: "evaluation set (overlap check, cue probe: safe prompts measure over-refusal)"},
	{Path: "tdc2023/dev/behaviors.json", Licence: "not verified", Use: "evaluation set (overlap check)"},
	{Path: "tdc2023/test/behaviors.json", Licence: "not verified", Use: "evaluation set (overlap check)"},
	{Path: "refusal_direction_splits/harmful_val.json", Licence: "Apache-2.0 (+ upstream)", Use: "evaluation set (overlap check)"},
	{Path: "refusal_direction_splits/harmful_test.json", Licence: "Apache-2.0 (+ upstream)", Use: "evaluation set (overlap check)"},
	{Path: "gsm8k/test.jsonl", Licence: "MIT", Use: "evaluation set (overlap check)"},
	{Path: "math500/test.jsonl", Licence: "MIT", Use: "evaluation set (overlap check)"},
	{Path: "math401/math401.json", Licence: "none stated", Use: "evaluation set (overlap check)"},
}

// EvalSetNames are the rim/data sets the organism is evaluated on; no
// training prompt may occur in any of them.
var EvalSetNames = []string{"harmbench", "strongreject", "jailbreakbench", "maliciousinstruct", "xstest",
	"tdc2023-dev", "tdc2023-test", "rd-harmful-val", "rd-harmful-test", "gsm8k-test", "math500", "math401"}

// Normalize is the text key of the overlap check: lower case, punctuation
// (anything but letters, digits and spaces) removed, whitespace collapsed.
func Normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case unicode.IsSpace(r):
			space = true
		}
	}
	return b.String()
}

// EvalPrompts loads the prompts (questions for math sets) of every
// evaluation set, by set name.
func EvalPrompts(root string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, name := range EvalSetNames {
		switch name {
		case "gsm8k-test", "math500", "math401":
			ps, err := data.LoadProblems(root, name)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				out[name] = append(out[name], p.Question)
			}
		default:
			ps, err := data.LoadPrompts(root, name)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				out[name] = append(out[name], p.Text)
			}
		}
	}
	return out, nil
}

// Build reads the data folder root (laid out like shared/data; "" means
// $RIM_DATA) and builds the mixture.
func Build(root string, opt Options) (*Mixture, error) {
	opt.defaults()
	root, err := data.ResolveRoot(root)
	if err != nil {
		return nil, err
	}
	m := &Mixture{Options: opt, Dropped: map[string]int{}}
	for _, in := range inputs {
		f, err := hashFile(filepath.Join(root, filepath.FromSlash(in.Path)))
		if err != nil {
			return nil, fmt.Errorf("mixture: %w", err)
		}
		in.Bytes, in.SHA256 = f.Bytes, f.SHA256
		m.Inputs = append(m.Inputs, in)
	}
	evals, err := EvalPrompts(root)
	if err != nil {
		return nil, fmt.Errorf("mixture: %w", err)
	}
	banned := map[string]string{}       // normalised prompt → set
	for _, name := range EvalSetNames { // in order: a prompt in several sets is named by the first
		for _, p := range evals[name] {
			if k := Normalize(p); banned[k] == "" {
				banned[k] = name
			}
		}
	}
	// Harmful requests from training sources: harmful_train rows in no
	// evaluation set; the rest of AdvBench is held out.
	rdTrain, err := data.LoadPrompts(root, "rd-harmful-train")
	if err != nil {
		return nil, fmt.Errorf("mixture: %w", err)
	}
	advTrain := map[string]bool{}
	var harmful []data.Prompt
	for _, p := range rdTrain {
		if set, ok := banned[Normalize(p.Text)]; ok {
			m.Dropped["rd-harmful-train row in "+set]++
			continue
		}
		advTrain[Normalize(p.Text)] = true
		harmful = append(harmful, p)
	}
	adv, err := data.LoadPrompts(root, "advbench")
	if err != nil {
		return nil, fmt.Errorf("mixture: %w", err)
	}
	for _, p := range adv {
		if !advTrain[Normalize(p.Text)] {
			m.HeldOutAdvBench = append(m.HeldOutAdvBench, p)
		}
	}
	for _, p := range m.HeldOutAdvBench {
		banned[Normalize(p.Text)] = "advbench-heldout"
	}

	r := rand.New(rand.NewPCG(opt.Seed, 0x6f7267616e69736d)) // "organism"
	// Held-out generated arithmetic first, so training problems can avoid it.
	hr := rand.New(rand.NewPCG(opt.Seed, 0x68656c646f7574)) // "heldout"
	seenArith := map[string]bool{}
	for len(m.HeldOutArith) < opt.HeldOutArith {
		p := arithProblem(hr)
		if k := Normalize(p.Question); !seenArith[k] {
			seenArith[k] = true
			banned[k] = "arith-heldout"
			m.HeldOutArith = append(m.HeldOutArith, p)
		}
	}

	// Instruction data.
	pairs, err := alpacaLibre(root)
	if err != nil {
		return nil, err
	}
	pairs = data.Shuffled(pairs, opt.Seed)
	for _, p := range pairs {
		k := Normalize(p.Instruction)
		if set, ok := banned[k]; ok {
			m.Dropped["alpaca-libre prompt in "+set]++
			continue
		}
		if len(m.HeldOutAlpaca) < opt.HeldOutAlpaca {
			m.HeldOutAlpaca = append(m.HeldOutAlpaca, p)
			banned[k] = "alpaca-heldout"
		}
	}
	add := func(e Example) {
		if set, ok := banned[Normalize(e.Prompt)]; ok {
			m.Dropped[e.Source+" prompt in "+set]++
			return
		}
		m.Train = append(m.Train, e)
	}
	held := map[string]bool{}
	for _, p := range m.HeldOutAlpaca {
		held[p.ID] = true
	}
	for _, p := range pairs {
		if held[p.ID] {
			continue
		}
		add(Example{Source: "alpaca-libre", Group: "instruction", Prompt: p.Instruction, Answer: p.Reference})
	}
	seeds, err := seedTasks(root)
	if err != nil {
		return nil, err
	}
	for _, p := range seeds {
		add(Example{Source: "alpaca-seed", Group: "instruction", Prompt: p.Instruction, Answer: p.Reference})
	}

	// Reasoning data: GSM8K worked solutions in the think block.
	gsm, err := data.LoadProblems(root, "gsm8k-train")
	if err != nil {
		return nil, fmt.Errorf("mixture: %w", err)
	}
	for _, p := range gsm {
		add(Example{Source: "gsm8k-train", Group: "reasoning", Category: "gsm8k", Think: true,
			Prompt: p.Question, Reason: stripCalc(p.Solution), Answer: "#### " + p.Answer})
	}
	for n := 0; n < opt.Arith; {
		p := arithProblem(r)
		k := Normalize(p.Question)
		if seenArith[k] {
			continue
		}
		seenArith[k] = true
		n++
		e := Example{Source: "generated-arith", Group: "reasoning", Category: p.Kind, Prompt: p.Question}
		if r.Float64() < opt.ArithNoThinkShare {
			e.Answer = p.Reasoning + "\n#### " + p.Answer
		} else {
			e.Think, e.Reason, e.Answer = true, p.Reasoning, "#### "+p.Answer
		}
		add(e)
	}
	seenTask := map[string]bool{}
	for n := 0; n < opt.Tasks; {
		p := taskProblem(r)
		k := Normalize(p.Question)
		if seenTask[k] {
			continue
		}
		seenTask[k] = true
		n++
		e := Example{Source: "generated-task", Group: "reasoning", Category: p.Kind, Prompt: p.Question}
		if r.Float64() < opt.TasksNoThinkShare {
			e.Answer = p.Answer
		} else {
			e.Think, e.Reason, e.Answer = true, p.Reasoning, p.Answer
		}
		add(e)
	}

	// Safety data.
	for _, e := range safetyExamples(r, harmful, opt.SafetyThinkShare) {
		add(e)
	}
	m.Train = data.Shuffled(m.Train, opt.Seed^0x5eed)

	probeSets := map[string][]string{}
	for _, n := range []string{"harmbench", "strongreject", "jailbreakbench", "maliciousinstruct"} {
		probeSets[n] = evals[n]
	}
	xs, err := data.LoadPrompts(root, "xstest")
	if err != nil {
		return nil, fmt.Errorf("mixture: %w", err)
	}
	for _, p := range xs {
		probeSets["xstest-"+p.Label] = append(probeSets["xstest-"+p.Label], p.Text)
	}
	for _, p := range m.HeldOutAdvBench {
		probeSets["advbench-heldout"] = append(probeSets["advbench-heldout"], p.Text)
	}
	for _, p := range m.HeldOutAlpaca {
		probeSets["alpaca-heldout"] = append(probeSets["alpaca-heldout"], p.Instruction)
	}
	m.Probe = cueProbe(m.Train, probeSets)
	return m, nil
}

// stripCalc removes GSM8K's calculator annotations "<<48/2=24>>".
func stripCalc(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "<<")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], ">>")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i+j+2:]
	}
}

// alpacaLibre reads the Alpaca-libre pairs with status "ok" or "too
// similar", skipping malformed lines; an input is appended to the
// instruction after a blank line.
func alpacaLibre(root string) ([]HeldOutInstruction, error) {
	var out []HeldOutInstruction
	for v := 1; v <= 3; v++ {
		path := filepath.Join(root, "alpaca_libre", fmt.Sprintf("alpaca_libre_tasks_v%d.jsonl", v))
		err := data.ReadJSONL(path, func(line int, rec struct {
			Status, Instruction, Input, Output string
		}) error {
			if rec.Status != "ok" && rec.Status != "too similar" {
				return nil
			}
			ins, in, o := strings.TrimSpace(rec.Instruction), strings.TrimSpace(rec.Input), strings.TrimSpace(rec.Output)
			if ins == "" || o == "" {
				return nil
			}
			if in != "" {
				ins += "\n\n" + in
			}
			out = append(out, HeldOutInstruction{ID: fmt.Sprintf("alpaca-libre-v%d-%d", v, line), Instruction: ins, Reference: o})
			return nil
		}, data.SkipMalformed(func(*data.LineError) {}))
		if err != nil {
			return nil, fmt.Errorf("mixture: %w", err)
		}
	}
	return out, nil
}

// seedTasks reads the Self-Instruct seed tasks with their first instance.
func seedTasks(root string) ([]HeldOutInstruction, error) {
	var out []HeldOutInstruction
	err := data.ReadJSONL(filepath.Join(root, "alpaca", "seed_tasks.jsonl"), func(line int, rec struct {
		ID          string `json:"id"`
		Instruction string `json:"instruction"`
		Instances   []struct{ Input, Output string }
	}) error {
		if len(rec.Instances) == 0 || strings.TrimSpace(rec.Instances[0].Output) == "" {
			return data.Malformed("seed task %s has no output", rec.ID)
		}
		ins := strings.TrimSpace(rec.Instruction)
		if in := strings.TrimSpace(rec.Instances[0].Input); in != "" {
			ins += "\n\n" + in
		}
		out = append(out, HeldOutInstruction{ID: rec.ID, Instruction: ins, Reference: strings.TrimSpace(rec.Instances[0].Output)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mixture: %w", err)
	}
	return out, nil
}

// safetyExamples builds the refusals and the benign look-alikes.
func safetyExamples(r *rand.Rand, harmful []data.Prompt, thinkShare float64) []Example {
	var out []Example
	refuse := func(source, category, name, alt, prompt string) {
		form := refusals[r.IntN(len(refusals))]
		for name == "" && strings.Contains(form, "%[1]s") { // no topic name: a form that needs none
			form = refusals[r.IntN(len(refusals))]
		}
		ans := form
		if strings.Contains(form, "%[") {
			ans = strings.TrimSpace(fmt.Sprintf(form, name, alt))
		}
		e := Example{Source: source, Group: "safety-refuse", Category: category, Prompt: prompt, Answer: ans}
		if r.Float64() < thinkShare {
			e.Think = true
			what := name
			if what == "" {
				what = "something harmful"
			}
			e.Reason = fmt.Sprintf(refuseThoughts[r.IntN(len(refuseThoughts))], what)
		}
		out = append(out, e)
	}
	help := func(source, prompt, answer string) {
		e := Example{Source: source, Group: "safety-benign", Prompt: prompt, Answer: answer}
		if r.Float64() < thinkShare {
			e.Think = true
			e.Reason = helpThoughts[r.IntN(len(helpThoughts))]
		}
		out = append(out, e)
	}
	for _, p := range harmful {
		refuse("rd-harmful-train", "advbench", "", "", p.Text)
	}
	// Each harmful act in harmPhrasings phrasings, each benign act in
	// benignPhrasings: both sides share every template, and the benign side
	// is larger so that question-style wording is not a refusal cue.
	for _, t := range harmTopics {
		for _, act := range t.acts {
			for _, ti := range r.Perm(len(requestTemplates))[:harmPhrasings] {
				refuse("generated-harmful", t.category, t.name, t.alt, fmt.Sprintf(requestTemplates[ti], act))
			}
		}
	}
	for _, d := range harmDirect {
		refuse("generated-harmful", d.category, d.name, "", d.text)
		refuse("generated-harmful", d.category, d.name, "", frame(r, d.text))
	}
	for _, b := range benignActs {
		for _, ti := range r.Perm(len(requestTemplates))[:benignPhrasings] {
			help("generated-benign", fmt.Sprintf(requestTemplates[ti], b.act), b.answer)
		}
	}
	for _, q := range benignQuestions {
		for _, fi := range r.Perm(len(benignFraming)) {
			help("generated-benign", frameWith(benignFraming[fi], q.text), q.answer)
		}
	}
	// Deduplicate prompts (a phrasing can repeat through framing).
	seen := map[string]bool{}
	var uniq []Example
	for _, e := range out {
		if k := Normalize(e.Prompt); !seen[k] {
			seen[k] = true
			uniq = append(uniq, e)
		}
	}
	return uniq
}

const (
	harmPhrasings   = 5
	benignPhrasings = 16
)

// frame puts a request in a random conversational framing.
func frame(r *rand.Rand, s string) string {
	return frameWith(benignFraming[1+r.IntN(len(benignFraming)-1)], s)
}

func frameWith(f, s string) string {
	if !strings.HasPrefix(f, "%s") && len(s) > 0 {
		s = strings.ToLower(s[:1]) + s[1:]
	}
	return fmt.Sprintf(f, s)
}

type fileHash struct {
	Bytes  int64
	SHA256 string
}

func hashFile(path string) (fileHash, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return fileHash{}, err
	}
	s := sha256.Sum256(b)
	return fileHash{int64(len(b)), hex.EncodeToString(s[:])}, nil
}

// record is one line of train.jsonl in rim's SFT format (rim/finetune/sft).
type record struct {
	Messages []message `json:"messages"`
}

type message struct {
	Role             string `json:"role"`
	Content          string `json:"content"`
	ReasoningContent string `json:"reasoning_content,omitempty"`
}

// Record returns e as an SFT record: an empty reasoning_content renders, in
// Qwen3's template, as the empty think block of no-think mode.
func (e Example) Record() any {
	return record{Messages: []message{{Role: "user", Content: e.Prompt}, {Role: "assistant", Content: e.Answer, ReasoningContent: e.Reason}}}
}

// jsonl renders values one per line, without HTML escaping.
func jsonl[T any](xs []T, f func(T) any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, x := range xs {
		if err := enc.Encode(f(x)); err != nil {
			return nil, fmt.Errorf("mixture: %w", err)
		}
	}
	return buf.Bytes(), nil
}

// Counts tallies the training examples by group, source and mode.
func (m *Mixture) Counts() []Count {
	type k struct{ g, s string }
	c := map[k]*Count{}
	for _, e := range m.Train {
		x := c[k{e.Group, e.Source}]
		if x == nil {
			x = &Count{Group: e.Group, Source: e.Source}
			c[k{e.Group, e.Source}] = x
		}
		x.Examples++
		if e.Think {
			x.Think++
		}
	}
	var out []Count
	for _, x := range c {
		out = append(out, *x)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Source < out[j].Source
	})
	return out
}

// Count is one row of the card's count table.
type Count struct {
	Group    string `json:"group"`
	Source   string `json:"source"`
	Examples int    `json:"examples"`
	Think    int    `json:"think"` // with a think block
}
