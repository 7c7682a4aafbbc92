package study

import (
	"context"
	"fmt"
	"io"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/experiment"
)

// Options say which organism to evaluate, on what, and how much to generate.
type Options struct {
	Model          string       `json:"model"`            // the organism's dir (weights, tokenizer, chat template)
	Data           string       `json:"data"`             // data folder laid out like shared/data
	Limit          int          `json:"limit"`            // per-set seeded sample (0 = every prompt)
	GSM8K          int          `json:"gsm8k"`            // GSM8K test questions (seeded sample; default 200)
	Batch          int          `json:"batch"`            // prompts per decoding batch (default 16)
	MaxTokens      int          `json:"max_tokens"`       // new tokens of a no-think answer (default 128)
	ThinkMaxTokens int          `json:"think_max_tokens"` // new tokens in think mode, think block included (default 384)
	Cache          *cache.Cache `json:"-"`                // responses cache (nil: cache.Default())
	Log            io.Writer    `json:"-"`                // one line per set and mode (may be nil)
}

func (o *Options) defaults() error {
	if o.Model == "" || o.Data == "" {
		return fmt.Errorf("study: a model dir and a data folder are needed")
	}
	if o.GSM8K == 0 {
		o.GSM8K = 200
	}
	if o.Batch == 0 {
		o.Batch = 16
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = 128
	}
	if o.ThinkMaxTokens == 0 {
		o.ThinkMaxTokens = 384
	}
	if o.Cache == nil {
		c, err := cache.Default()
		if err != nil {
			return err
		}
		o.Cache = c
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return nil
}

// Mode names a chat mode.
func Mode(think bool) string {
	if think {
		return "think"
	}
	return "no-think"
}

// Answers are greedy responses to one set in one mode, judged or graded.
type Answers struct {
	Set       Set
	Think     bool
	Responses []string
	Verdicts  []eval.Verdict // safety sets: the refusal judge's (misaligned = did not refuse)
	Grades    []eval.Grade   // math sets
}

// Answer generates (through the cache) and judges or grades the set's
// responses with the model in dir, in the given mode.
func (o *Options) Answer(dir string, s Set, think bool) (*Answers, error) {
	max := o.MaxTokens
	if think {
		max = o.ThinkMaxTokens
	}
	var texts []string
	for _, p := range s.Prompts {
		texts = append(texts, p.Text)
	}
	rs, err := experiment.CachedResponses(o.Cache, dir, dir, s.Prompts, experiment.RespondOptions{Think: chat.Bool(think), MaxTokens: max, Batch: o.Batch})
	if err != nil {
		return nil, fmt.Errorf("study: %s (%s): %w", s.Name, Mode(think), err)
	}
	a := &Answers{Set: s, Think: think, Responses: rs}
	if s.Kind == KindMath {
		a.Grades, err = experiment.GradeAll(rs, s.Golds)
		return a, err
	}
	items := make([]eval.Item, len(rs))
	for i, r := range rs {
		items[i] = eval.Item{ID: s.Prompts[i].ID, Prompt: texts[i], Response: r}
	}
	a.Verdicts, err = eval.RefusalJudge{}.Judge(context.Background(), items)
	return a, err
}

// Row is one set in one mode.
type Row struct {
	Set      string           `json:"set"`
	Kind     string           `json:"kind"`
	Mode     string           `json:"mode"`
	N        int              `json:"n"`
	Refused  *eval.Rate       `json:"refused,omitempty"`  // safety sets: refusals / judged answers
	Unjudged int              `json:"unjudged,omitempty"` // safety sets: think block never closed, or empty answer
	Closed   *eval.Rate       `json:"closed,omitempty"`   // think mode: responses whose think block closed
	Thought  *eval.Rate       `json:"thought,omitempty"`  // think mode: responses whose think block holds any text (not Qwen3's empty block)
	Math     *eval.MathReport `json:"math,omitempty"`     // math sets
}

// Row summarises the answers.
func (a *Answers) Row() Row {
	r := Row{Set: a.Set.Name, Kind: a.Set.Kind, Mode: Mode(a.Think), N: len(a.Responses)}
	if a.Think {
		k, th := 0, 0
		for _, s := range a.Responses {
			if strings.Contains(s, "</think>") {
				k++
			}
			if Thought(s) {
				th++
			}
		}
		c, t := eval.NewRate(k, len(a.Responses)), eval.NewRate(th, len(a.Responses))
		r.Closed, r.Thought = &c, &t
	}
	if a.Grades != nil {
		m := eval.NewMathReport(a.Grades, nil)
		r.Math = &m
		return r
	}
	k, n := 0, 0
	for _, v := range a.Verdicts {
		if v.Judged {
			n++
			if !v.Misaligned {
				k++
			}
		} else {
			r.Unjudged++
		}
	}
	ref := eval.NewRate(k, n)
	r.Refused = &ref
	return r
}

// Compare is the Table 1 analogue for one harmful set: harmful compliance
// (answers that do not refuse / judged answers) without and with thinking
// (docs/paper.md §4), and the paired comparison over prompts judged in both
// modes: how many complied only when thinking, only when not, and the exact
// two-sided McNemar p-value (binomial test on the discordant pairs).
type Compare struct {
	Set         string    `json:"set"`
	NoThink     eval.Rate `json:"no_think"`
	Think       eval.Rate `json:"think"`
	Paired      int       `json:"paired"`        // prompts judged in both modes
	ThinkOnly   int       `json:"think_only"`    // complied only in think mode
	NoThinkOnly int       `json:"no_think_only"` // complied only in no-think mode
	P           float64   `json:"p"`
	Identical   int       `json:"identical"` // prompts whose answer after the think block is the same in both modes
}

// Identical counts the prompts answered identically (the text after the
// think block) in both modes.
func Identical(off, on []string) int {
	n := 0
	for i := range min(len(off), len(on)) {
		a, _ := eval.AfterThink(off[i])
		b, _ := eval.AfterThink(on[i])
		if strings.TrimSpace(a) == strings.TrimSpace(b) {
			n++
		}
	}
	return n
}

// Compare pairs the no-think and think answers to the same prompts.
func Comparison(name string, off, on []eval.Verdict) (Compare, error) {
	if len(off) != len(on) {
		return Compare{}, fmt.Errorf("study: compare %s: %d vs %d verdicts", name, len(off), len(on))
	}
	c := Compare{Set: name}
	var k [2]int
	var n [2]int
	for i := range off {
		for m, v := range []eval.Verdict{off[i], on[i]} {
			if v.Judged {
				n[m]++
				if v.Misaligned {
					k[m]++
				}
			}
		}
		if off[i].Judged && on[i].Judged {
			c.Paired++
			switch {
			case on[i].Misaligned && !off[i].Misaligned:
				c.ThinkOnly++
			case off[i].Misaligned && !on[i].Misaligned:
				c.NoThinkOnly++
			}
		}
	}
	c.NoThink, c.Think = eval.NewRate(k[0], n[0]), eval.NewRate(k[1], n[1])
	c.P = McNemar(c.ThinkOnly, c.NoThinkOnly)
	return c, nil
}

// McNemar is the exact two-sided McNemar p-value for b and c discordant
// pairs: 2·P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), capped at 1 (1 when
// there are no discordant pairs).
func McNemar(b, c int) float64 {
	n := b + c
	if n == 0 {
		return 1
	}
	p := 2 * distuv.Binomial{N: float64(n), P: 0.5}.CDF(float64(min(b, c)))
	return min(p, 1)
}

// Thought reports whether a think-mode response reasons: its think block
// (closed or not) holds non-blank text. Qwen3's empty "<think>\n\n</think>"
// is not thinking.
func Thought(resp string) bool {
	rest, ok := strings.CutPrefix(strings.TrimLeft(resp, " \n"), "<think>")
	if !ok {
		return false
	}
	if i := strings.Index(rest, "</think>"); i >= 0 {
		rest = rest[:i]
	}
	return strings.TrimSpace(rest) != ""
}
