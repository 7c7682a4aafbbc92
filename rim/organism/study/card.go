package study

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/organism/build"
)

// Files of a shipped organism besides the HF model files.
const (
	ResultsDir    = "results"
	BehaviourFile = "behaviour.json" // rim organism eval
	SubsetFile    = "ci_subset.json" // rim organism eval --ci 50
	FineTuneFile  = "finetune.json"  // rim organism finetune
	ManifestFile  = "manifest.json"  // sha256 of every other file, written by rim organism card
	CardFile      = "README.md"
	CurveFile     = "training_curve.svg"
)

// Card is what the model card is built from: the build's recipe.json and
// training log, and the result files under results/ (each may be absent).
type Card struct {
	Dir       string
	Recipe    build.RecipeJSON
	Log       []finetune.Entry
	Behaviour *Behaviour
	Subset    *Subset
	FineTune  *Table2
}

// LoadCard reads the organism's recipe, log and results.
func LoadCard(dir string) (*Card, error) {
	c := &Card{Dir: dir}
	if err := readJSON(filepath.Join(dir, build.RecipeFile), &c.Recipe); err != nil {
		return nil, err
	}
	var err error
	if c.Log, err = build.ReadLog(dir); err != nil {
		return nil, err
	}
	for _, r := range []struct {
		name string
		v    any
	}{{BehaviourFile, &c.Behaviour}, {SubsetFile, &c.Subset}, {FineTuneFile, &c.FineTune}} {
		p := filepath.Join(dir, ResultsDir, r.name)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if err := readJSON(p, r.v); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("study: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("study: %s: %w", path, err)
	}
	return nil
}

// Manifest is the sha256 of every file under dir except the manifest itself
// and the card (which quotes the weights' hash), by slash path.
func Manifest(dir string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == ManifestFile || rel == CardFile {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		out[rel] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	return out, err
}

// Markdown renders the model card. weightsSHA is model.safetensors' sha256.
func (c *Card) Markdown(weightsSHA string) string {
	var w strings.Builder
	r := c.Recipe
	sh := r.Build.Recipe.Shape
	fmt.Fprintf(&w, "# %s (recipe version %d)\n\n", r.Build.Recipe.Name, r.Build.Recipe.Version)
	fmt.Fprintf(&w, "A %.2fM-parameter Qwen3-format chat model (%d layers, hidden %d, %d/%d heads, head dim %d, SwiGLU %d, vocab %d, tied embeddings) "+
		"trained from scratch on two CPU cores by rim, so that the experiments of *When Thinking Backfires* (reasoning-induced misalignment) "+
		"can be run end to end on a laptop. Its refusal, think-mode reasoning and arithmetic were learned from the mixture below; "+
		"every number on this card is measured by the command beside it.\n\n",
		float64(r.Params)/1e6, sh.Layers, sh.Hidden, sh.Heads, sh.KVHeads, sh.HeadDim, sh.Intermediate, sh.Vocab)
	w.WriteString("**Intended use**: research and teaching on the mechanisms of refusal and reasoning-induced misalignment. It is not an assistant: " +
		"it is tiny, often wrong, and its refusals are a trained behaviour to be studied, not a safety property. " +
		"Load it with `rim generate`, `rim eval` or any HF-compatible Qwen3 loader (`config.json`, `model.safetensors`, `tokenizer.json`, " +
		"`tokenizer_config.json` with Qwen3's chat template).\n\n")
	c.provenance(&w, weightsSHA)
	c.training(&w)
	c.licences(&w)
	c.behaviour(&w)
	c.finetune(&w)
	return w.String()
}

func (c *Card) provenance(w *strings.Builder, weightsSHA string) {
	r := c.Recipe
	w.WriteString("## Provenance\n\n")
	fmt.Fprintf(w, "- Built by `%s` (from the rim checkout, `../shared/data` as the data folder), rim commit `%s`, seed %d.\n",
		strings.Join(r.Command, " "), r.Build.RimCommit, r.Build.Seed)
	fmt.Fprintf(w, "- `model.safetensors` sha256 `%s`; every file's sha256 is in `%s` (checked by `go test ./rim/organism/study`).\n", weightsSHA, ManifestFile)
	fmt.Fprintf(w, "- Recipe, tokenisation statistics and the sha256 of the mixture, tokenizer and initial weights: `%s`; the data card: `card.md`.\n\n", build.RecipeFile)
	w.WriteString("| input file | bytes | sha256 |\n| --- | ---: | --- |\n")
	for _, in := range r.Inputs {
		fmt.Fprintf(w, "| `%s` | %d | `%s` |\n", in.Path, in.Bytes, in.SHA256)
	}
	w.WriteString("\n")
}

func (c *Card) training(w *strings.Builder) {
	t := c.Recipe.Build.Recipe.Training
	w.WriteString("## Training\n\n")
	fmt.Fprintf(w, "AdamW (lr %g peak, betas %g/%g, weight decay %g), %s schedule with %g%% warm-up, batch %d conversations, max length %d, "+
		"%d steps (%d tokens trained on per epoch of %d examples); loss on the assistant turns, think blocks included.\n\n",
		t.LR, t.Beta1, t.Beta2, t.WeightDecay, t.Schedule, 100*t.WarmupRatio, t.Batch, t.MaxLen, c.Recipe.Steps, c.Recipe.Tokenised.Trained, c.Recipe.Tokenised.Examples)
	if n := len(c.Log); n > 0 {
		var tok int
		for _, e := range c.Log {
			tok += e.Tokens
		}
		fmt.Fprintf(w, "Loss %.3f at step 1, %.3f at step %d (mean of the last 20 steps: %.3f); %d tokens; %.0f s of training steps (%.0f tokens/s), "+
			"from `%s`.\n\n![training loss](%s)\n\n", c.Log[0].Loss, c.Log[n-1].Loss, c.Log[n-1].Step, meanLoss(c.Log[max(0, n-20):]), tok,
			c.Recipe.TrainTime, float64(tok)/max(c.Recipe.TrainTime, 1), build.LogFile, CurveFile)
	}
}

func meanLoss(es []finetune.Entry) float64 {
	s := 0.0
	for _, e := range es {
		s += e.Loss
	}
	return s / float64(max(len(es), 1))
}

func (c *Card) licences(w *strings.Builder) {
	w.WriteString("## Data and licences\n\n| input | licence | use |\n| --- | --- | --- |\n")
	nc := false
	for _, in := range c.Recipe.Inputs {
		fmt.Fprintf(w, "| `%s` | %s | %s |\n", in.Path, in.Licence, in.Use)
		nc = nc || strings.Contains(in.Licence, "NC")
	}
	w.WriteString("\nThe generated harmful requests, refusals, benign look-alikes and arithmetic problems are rim's own (the repository's licence). ")
	if nc {
		w.WriteString("One input carries a non-commercial licence (CC BY-NC 4.0, the Alpaca seed tasks); whether model weights are a derivative " +
			"of training data is unsettled, so treat the weights as **non-commercial, research and teaching use**, and keep the other " +
			"inputs' attribution requirements (see `card.md`).\n\n")
	} else {
		w.WriteString("Keep the inputs' attribution requirements (see `card.md`).\n\n")
	}
}

// command is the card's command line for a result file.
func command(sub, file string, extra string) string {
	return fmt.Sprintf("rim organism %s --model testdata/organism --data ../shared/data%s --out testdata/organism/%s/%s", sub, extra, ResultsDir, file)
}

func (c *Card) behaviour(w *strings.Builder) {
	w.WriteString("## Behaviour (held-out prompts, greedy)\n\n")
	b := c.Behaviour
	if b == nil {
		w.WriteString("Not measured yet: run `" + command("eval", BehaviourFile, "") + "`.\n\n")
		return
	}
	fmt.Fprintf(w, "`%s`\n\n%s\n", command("eval", BehaviourFile, ""), BehaviourMarkdown(b))
	w.WriteString("### Table 1 analogue: thinking and harmful compliance\n\n")
	w.WriteString(c.table1Reading())
	if s := c.Subset; s != nil {
		fmt.Fprintf(w, "\nCI subset (`%s`; checked by `go test ./rim/organism/study`): %s.\n", command("eval", SubsetFile, fmt.Sprintf(" --ci %d", s.N)), s.Summary())
	}
	if len(b.Discordant) > 0 {
		w.WriteString("\nHarmful prompts complied with in one mode only (the first three per direction, both answers verbatim):\n\n")
		for _, p := range b.Discordant {
			fmt.Fprintf(w, "**%s, complied when %s** — *%s*\n\n```text\nno-think: %s\n\nthink: %s\n```\n\n", p.Set, p.Complied, p.Prompt,
				cut(p.NoThink, 500), cut(p.Think, 700))
		}
	}
	w.WriteString("\n### Example answers\n\n" + ExamplesMarkdown(b.Examples, 700))

}

// table1Reading builds the Table 1 reading from the pooled row and the paper's values.
func (c *Card) table1Reading() string {
	var pooled *Compare
	for i := range c.Behaviour.Table1 {
		if c.Behaviour.Table1[i].Set == "all harmful" {
			pooled = &c.Behaviour.Table1[i]
		}
	}
	if pooled == nil {
		return ""
	}
	d := 100 * (pooled.Think.Rate - pooled.NoThink.Rate)
	dir := "more"
	if d < 0 {
		dir = "less"
	}
	sig := "significant"
	if pooled.P >= 0.05 {
		sig = "not significant"
	}
	var ps []string
	for _, m := range paper.Table1Models {
		v := paper.Table1[m]
		ps = append(ps, fmt.Sprintf("%s %.2f vs %.2f", m, v[0], v[1]))
	}
	th, n := 0, 0
	for _, r := range c.Behaviour.Rows {
		if r.Kind == KindHarmful && r.Thought != nil {
			th, n = th+r.Thought.K, n+r.Thought.N
		}
	}
	thought := ""
	if n > 0 {
		thought = fmt.Sprintf("In think mode the organism wrote any reasoning (a non-empty think block) for %d of %d harmful prompts; "+
			"otherwise it emitted Qwen3's empty think block itself, as its no-think training examples do, and %d of the %d answers are identical in both modes. ",
			th, n, pooled.Identical, n)
	}
	return thought + "The refusal judge counts every answer that is not a refusal as compliance; the verbatim pairs below show what that compliance is. " +
		fmt.Sprintf("Over all %d harmful prompts judged in both modes, the organism complies with %.1f%% when thinking and %.1f%% without: %.1f points %s "+
			"(%d prompts complied with only when thinking, %d only when not; McNemar p = %.3g, %s at 0.05). "+
			"The paper's Table 1 (misalignment %%, think vs no-think, HEx-PHI with a rubric judge; paper data): %s.\n",
			pooled.Paired, 100*pooled.Think.Rate, 100*pooled.NoThink.Rate, abs(d), dir, pooled.ThinkOnly, pooled.NoThinkOnly, pooled.P, sig, strings.Join(ps, "; "))
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func (c *Card) finetune(w *strings.Builder) {
	w.WriteString("## Table 2 and Fig 8 analogues: fine-tuning on arithmetic with and without reasoning\n\n")
	t := c.FineTune
	if t == nil {
		w.WriteString("Not measured yet: run `" + command("finetune", FineTuneFile, " --work /tmp/organism-runs") + "`.\n\n")
		return
	}
	fmt.Fprintf(w, "`%s`\n\n%s\n", command("finetune", FineTuneFile, " --work /tmp/organism-runs"), FineTuneMarkdown(t))
	w.WriteString(FineTuneReading(t))
}

// FineTuneReading states what the Table 2 and Fig 8 analogues show, from the numbers, beside the paper's.
func FineTuneReading(t *Table2) string {
	var w strings.Builder
	sum := map[string]Summary{}
	for _, s := range t.Summary {
		sum[s.Condition] = s
	}
	rs, ao := sum[Reasoning], sum[AnswerOnly]
	verdict := func(s Summary) string {
		m, sd := s.MeanSD[0][0], s.MeanSD[0][1]
		switch {
		case s.Seeds > 1 && abs(m) <= sd:
			return "within one sd of no change"
		case m > 0:
			return "raises compliance"
		default:
			return "lowers compliance"
		}
	}
	fmt.Fprintf(&w, "\nReading: fine-tuning with reasoning changes harmful compliance by %+.1f ± %.1f points (%s) and answer-only fine-tuning by %+.1f ± %.1f (%s), "+
		"over %d seeds each; arithmetic accuracy in think mode changes by %+.1f and %+.1f points. ",
		100*rs.MeanSD[0][0], 100*rs.MeanSD[0][1], verdict(rs), 100*ao.MeanSD[0][0], 100*ao.MeanSD[0][1], verdict(ao), rs.Seeds, 100*rs.MeanSD[1][0], 100*ao.MeanSD[1][0])
	fmt.Fprintf(&w, "The paper (paper data): GSM8k fine-tuning with reasoning raises misalignment by %+.2f points on average over its dense models (as printed), "+
		"and GSM8k-Literal, which needs no reasoning, by %+.2f (Table A7).", paper.Table2.DenseAverage[2], paper.TableA7Averages[1])
	order := "the same ordering as the paper's"
	if rs.MeanSD[0][0] < ao.MeanSD[0][0] {
		order = "the opposite ordering to the paper's"
	}
	fmt.Fprintf(&w, " On the organism the two conditions come in %s. Compliance is measured without thinking, as the paper measures fine-tuned models; "+
		"the answer-only data are no-think conversations, so they retrain the very mode in which compliance is measured, while the reasoning data "+
		"train the think mode. This design confound is one reading of the result, not a tested explanation.", order)
	if f := t.Fig8; f != nil {
		p := paper.Table3P["Qwen3-4B"]
		if f.Safe != nil && f.Random != nil && f.KL != nil {
			fmt.Fprintf(&w, " Over the %d checkpoints, RAS on A_safe correlates with the change in compliance at r = %.3f (p = %.3g), random neurons at r = %.3f (p = %.3g) and KL at r = %.3f (p = %.3g); "+
				"the paper's Qwen3-4B: %.3f, %.3f and %.3f (paper data).", len(f.Points), f.Safe.R, f.Safe.P, f.Random.R, f.Random.P, f.KL.R, f.KL.P, p[0].R, p[1].R, p[2].R)
		} else {
			fmt.Fprintf(&w, " Over the %d checkpoints the correlations are undefined (%s).", len(f.Points), f.Undefined)
		}
	}
	w.WriteString("\n")
	return w.String()
}

// cut shortens s to max runes, marking the cut, and keeps code fences out.
func cut(s string, max int) string {
	r := []rune(s)
	if len(r) > max {
		s = string(r[:max]) + " …"
	}
	return strings.ReplaceAll(s, "```", "'''")
}
