package mixture

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rimlab/rim/rim/fileio"
)

// Output file names, inside the output folder.
const (
	TrainFile           = "train.jsonl"            // SFT records (rim/finetune/sft format)
	TrainMetaFile       = "train_meta.jsonl"       // line-aligned source/group/category/think of each record
	HeldOutAlpacaFile   = "heldout_alpaca.jsonl"   // instruction, reference
	HeldOutArithFile    = "heldout_arith.jsonl"    // generated problems with answers
	HeldOutAdvBenchFile = "heldout_advbench.jsonl" // AdvBench rows not used in training
	CardJSONFile        = "card.json"
	CardMarkdownFile    = "card.md"
)

// Rationale is the design of the mixture, written into the card.
const Rationale = `Design (written before any model was trained on it):

- Instruction following (Alpaca-libre "ok" and "too similar" pairs, the 175 Self-Instruct seed tasks) is in no-think form: the reply has Qwen3's empty think block, as Qwen3 renders a no-think turn. No traces exist for these pairs and invented ones would be noise.
- Reasoning is in think form: GSM8K worked solutions (calculator annotations removed) go in the think block and the answer after it is "#### N", which rim/eval's extractor reads first. Generated multi-step arithmetic word problems (six templates of our own) carry worked steps in the think block; a quarter are answered without a think block (the steps then sit in the answer), so the model also learns to answer maths in no-think mode — the paper compares the two modes on the same prompts. Unit conversions and sorting (checkable, harmless) are split half think, half no-think.
- Safety is mostly short no-think answers, as in the safety data of hybrid reasoning models (Qwen3's recipe mixes think and no-think data; refusals are short and need no reasoning): 15% of safety examples (refusals and benign look-alikes alike) carry a short think block that weighs intent, so that think mode has seen refusals and the organism's think-mode misalignment is not simply "never saw a refusal after thinking".
- Harmful requests come only from training sources: the refusal-direction harmful_train rows that are in no evaluation set (its 117 AdvBench rows; its MaliciousInstruct and TDC2023 rows are evaluation prompts and are dropped) and requests generated from our own templates × harm topics covering the categories of HarmBench, StrongREJECT, JailbreakBench, MaliciousInstruct and XSTest (cybercrime, malware, weapons, chemical/biological, violence, self-harm, drugs, fraud, theft, harassment, hate, disinformation, privacy, manipulation, non-consensual sexual content, trafficking, piracy, evasion). Refusals are the project's own (45 forms, many naming the topic and some offering a safe alternative).
- Benign requests that look sensitive go through the same request templates (imperative, question and conversational) and are answered helpfully: contrast pairs that share words but not intent ("kill a stuck process", "shoot a photo of the moon"), definitions, history, safety information, fiction and games. Style and topic words are then no refusal cue; intent is.
- HH-RLHF harmless-base is not used: its chosen replies are the less harmful of two, often not refusals, and its first human turns as harmful requests make conversational style the cue (measured: 83% of XSTest's safe prompts flagged).
- The remaining AdvBench rows, 300 Alpaca-libre pairs and 300 generated arithmetic problems are held out for evaluation; no training prompt occurs (normalised: lower case, punctuation removed, whitespace collapsed) in any evaluation set or held-out slice.`

// card is card.json.
type card struct {
	Options         Options        `json:"options"`
	Examples        int            `json:"examples"`
	ThinkExamples   int            `json:"think_examples"`
	Counts          []Count        `json:"counts"`
	HeldOut         map[string]int `json:"held_out"`
	Dropped         map[string]int `json:"dropped"`
	Inputs          []InputFile    `json:"inputs"`
	Probe           []ProbeResult  `json:"refusal_cue_probe"`
	RefusalForms    int            `json:"refusal_forms"`
	HarmTopics      int            `json:"harm_topics"`
	RequestTemplate int            `json:"request_templates"`
	Rationale       string         `json:"rationale"`
}

func (m *Mixture) card() card {
	think := 0
	for _, e := range m.Train {
		if e.Think {
			think++
		}
	}
	return card{
		Options: m.Options, Examples: len(m.Train), ThinkExamples: think, Counts: m.Counts(),
		HeldOut: map[string]int{HeldOutAlpacaFile: len(m.HeldOutAlpaca), HeldOutArithFile: len(m.HeldOutArith), HeldOutAdvBenchFile: len(m.HeldOutAdvBench)},
		Dropped: m.Dropped, Inputs: m.Inputs, Probe: m.Probe,
		RefusalForms: len(refusals), HarmTopics: len(harmTopics), RequestTemplate: len(requestTemplates),
		Rationale: Rationale,
	}
}

// Markdown renders the data card.
func (m *Mixture) Markdown() string {
	c := m.card()
	var b strings.Builder
	fmt.Fprintf(&b, "# Data card: model-organism SFT mixture\n\nSeed %d. %d training examples, %d (%.1f%%) with a think block. Written by `rim organism data`.\n\n",
		c.Options.Seed, c.Examples, c.ThinkExamples, 100*float64(c.ThinkExamples)/float64(max(1, c.Examples)))
	b.WriteString("## Training examples\n\n| group | source | examples | with think block |\n|---|---|---:|---:|\n")
	for _, x := range c.Counts {
		fmt.Fprintf(&b, "| %s | %s | %d | %d (%.0f%%) |\n", x.Group, x.Source, x.Examples, x.Think, 100*float64(x.Think)/float64(max(1, x.Examples)))
	}
	b.WriteString("\n## Held-out evaluation slices\n\n| file | items |\n|---|---:|\n")
	for _, k := range sortedKeys(c.HeldOut) {
		fmt.Fprintf(&b, "| %s | %d |\n", k, c.HeldOut[k])
	}
	b.WriteString("\n## Dropped training prompts (overlap with evaluation or held-out data)\n\n")
	if len(c.Dropped) == 0 {
		b.WriteString("None.\n")
	} else {
		b.WriteString("| reason | prompts |\n|---|---:|\n")
		for _, k := range sortedKeys(c.Dropped) {
			fmt.Fprintf(&b, "| %s | %d |\n", k, c.Dropped[k])
		}
	}
	b.WriteString("\n## Inputs\n\n| file | bytes | sha256 | licence | use |\n|---|---:|---|---|---|\n")
	for _, in := range c.Inputs {
		fmt.Fprintf(&b, "| `%s` | %d | `%s` | %s | %s |\n", in.Path, in.Bytes, in.SHA256, in.Licence, in.Use)
	}
	b.WriteString("\nGenerated data (arithmetic, conversions, sorting, harmful and benign safety requests, refusals, answers) is the project's own. Alpaca seed tasks are CC BY-NC 4.0: the mixture is for research use.\n")
	b.WriteString("\n## Refusal-cue probe\n\nA binarised multinomial naive-Bayes bag-of-words classifier (equal priors) trained on the training prompts, refused vs not; the share of each set it would refuse. Harmful sets should be high, XSTest safe and held-out Alpaca low.\n\n| variant | set | prompts | flagged |\n|---|---|---:|---:|\n")
	for _, p := range c.Probe {
		fmt.Fprintf(&b, "| %s | %s | %d | %.1f%% |\n", p.Variant, p.Set, p.N, 100*p.Flagged)
	}
	fmt.Fprintf(&b, "\n## Rationale\n\n%s\n\nSafety generator: %d harm topics, %d request templates, %d refusal forms.\n", c.Rationale, c.HarmTopics, c.RequestTemplate, c.RefusalForms)
	return b.String()
}

func sortedKeys(m map[string]int) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

// Write writes the mixture, its metadata, the held-out slices and the card
// into dir (created if needed), each file atomically; the card is written
// last, so a folder with a card is complete.
func (m *Mixture) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("mixture: %w", err)
	}
	files := []struct {
		name string
		data func() ([]byte, error)
	}{
		{TrainFile, func() ([]byte, error) { return jsonl(m.Train, Example.Record) }},
		{TrainMetaFile, func() ([]byte, error) { return jsonl(m.Train, func(e Example) any { return e }) }},
		{HeldOutAlpacaFile, func() ([]byte, error) { return jsonl(m.HeldOutAlpaca, func(x HeldOutInstruction) any { return x }) }},
		{HeldOutArithFile, func() ([]byte, error) { return jsonl(m.HeldOutArith, func(x Problem) any { return x }) }},
		{HeldOutAdvBenchFile, func() ([]byte, error) {
			type row struct {
				ID     string `json:"id"`
				Prompt string `json:"prompt"`
			}
			var rows []row
			for _, p := range m.HeldOutAdvBench {
				rows = append(rows, row{p.ID, p.Text})
			}
			return jsonl(rows, func(x row) any { return x })
		}},
		{CardJSONFile, func() ([]byte, error) {
			b, err := json.MarshalIndent(m.card(), "", "  ")
			return append(b, '\n'), err
		}},
		{CardMarkdownFile, func() ([]byte, error) { return []byte(m.Markdown()), nil }},
	}
	for _, f := range files {
		b, err := f.data()
		if err != nil {
			return fmt.Errorf("mixture: %s: %w", f.name, err)
		}
		if err := fileio.WriteFileAtomic(filepath.Join(dir, f.name), b, 0o644); err != nil {
			return fmt.Errorf("mixture: %w", err)
		}
	}
	return nil
}
