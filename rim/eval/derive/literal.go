package derive

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
)

// LiteralPromptVersion identifies the GSM8k-Literal prompt (part of cache keys).
const LiteralPromptVersion = "rim-gsm8k-literal-v1"

// literalInstruction is our wording of the paper's GSM8k-Literal prompt
// (docs/paper.md §5.3): a single-sentence, non-math question answerable from the
// narrative alone; the answer a sentence with the keyword quoted; output
// "Question: …" / "Answer: …".
const literalInstruction = `You will be given the narrative of a math word problem. Write one new question about it that is NOT a math question: it must be a single sentence that can be answered from the narrative alone by copying a word or phrase from it, with no calculation. Then answer it with one sentence that puts the copied word or phrase in single quotes. Reply in exactly this format:
Question: <question>
Answer: <answer>`

// literalShots are the three demonstrations (the paper's are a trivia-team
// try-out, Nancy's Facebook pictures and a magician's card decks; these are
// our own short narratives on the same themes).
var literalShots = [3][3]string{
	{"For the school's trivia teams, 64 students tried out. 36 of them were not picked, and the rest were split into 4 groups.",
		"What were the students trying out for?", "The students were trying out for the school's 'trivia teams'."},
	{"Nancy uploaded 41 pictures to Facebook. She put 37 of them into one album and the rest into 2 other albums.",
		"Where did Nancy upload her pictures?", "Nancy uploaded her pictures to 'Facebook'."},
	{"A magician was selling magic card decks for 2 dollars each. He started the day with 5 decks and had 3 left at the end.",
		"What was the magician selling?", "The magician was selling 'magic card decks'."},
}

// LiteralMessages builds the 3-shot chat for one narrative.
func LiteralMessages(narrative string) []chatapi.Message {
	msgs := []chatapi.Message{{Role: "system", Content: literalInstruction}}
	for _, s := range literalShots {
		msgs = append(msgs,
			chatapi.Message{Role: "user", Content: "Narrative: " + s[0]},
			chatapi.Message{Role: "assistant", Content: "Question: " + s[1] + "\nAnswer: " + s[2]})
	}
	return append(msgs, chatapi.Message{Role: "user", Content: "Narrative: " + narrative})
}

var sentenceEnd = regexp.MustCompile(`[.!?]["')\]]?\s+`)

// SplitQuestion splits a GSM8K problem into its narrative and its final
// question sentence (the last sentence). ok is false when the problem is a
// single sentence (no narrative to keep).
func SplitQuestion(problem string) (narrative, question string, ok bool) {
	p := strings.TrimSpace(problem)
	locs := sentenceEnd.FindAllStringIndex(p, -1)
	if len(locs) == 0 {
		return "", p, false
	}
	cut := locs[len(locs)-1]
	return strings.TrimSpace(p[:cut[0]+1]), strings.TrimSpace(p[cut[1]:]), true
}

var quotedRE = regexp.MustCompile(`'([^']+)'|"([^"]+)"|‘([^’]+)’|“([^”]+)”`)

// ParseLiteralReply reads "Question: …" and "Answer: …" lines and checks the
// answer quotes a keyword that occurs in the narrative (case-insensitive), as
// the paper's construction requires.
func ParseLiteralReply(reply, narrative string) (question, answer, keyword string, err error) {
	for _, line := range strings.Split(reply, "\n") {
		l := strings.TrimSpace(line)
		switch {
		case question == "" && strings.HasPrefix(strings.ToLower(l), "question:"):
			question = strings.TrimSpace(l[len("question:"):])
		case answer == "" && strings.HasPrefix(strings.ToLower(l), "answer:"):
			answer = strings.TrimSpace(l[len("answer:"):])
		}
	}
	if question == "" || answer == "" {
		return "", "", "", fmt.Errorf("reply lacks a \"Question:\" or \"Answer:\" line")
	}
	m := quotedRE.FindStringSubmatch(answer)
	if m == nil {
		return "", "", "", fmt.Errorf("answer %q quotes no keyword", answer)
	}
	for _, g := range m[1:] {
		if g != "" {
			keyword = g
		}
	}
	if !strings.Contains(strings.ToLower(narrative), strings.ToLower(keyword)) {
		return "", "", "", fmt.Errorf("keyword %q does not occur in the narrative", keyword)
	}
	return question, answer, keyword, nil
}

// LiteralItem is one GSM8k-Literal example (or the reason it failed).
type LiteralItem struct {
	ID        string `json:"id"`
	Narrative string `json:"narrative"`
	Question  string `json:"question,omitempty"` // literal question
	Problem   string `json:"problem,omitempty"`  // narrative + literal question: the new prompt
	Answer    string `json:"answer,omitempty"`   // the answer sentence: the new target
	Keyword   string `json:"keyword,omitempty"`
	Original  string `json:"original_question"`
	Model     string `json:"model"`
	Cached    bool   `json:"cached"`
	Error     string `json:"error,omitempty"`
}

// Literal builds GSM8k-Literal from GSM8K problems with the endpoint's model
// at temperature 0 (the paper used Qwen3-30B-A3B). Replies are cached under
// (model, prompt version, narrative). Items whose reply fails the checks
// carry Error and no Problem. An unreachable endpoint stops the batch with an
// error naming its URL; finished items are returned and stay cached.
func Literal(ctx context.Context, c *chatapi.Client, cache *chatapi.Cache, ps []data.Problem) ([]LiteralItem, error) {
	out := make([]LiteralItem, len(ps))
	var jobs []chatapi.Job
	var idx []int
	for i, p := range ps {
		nar, q, ok := SplitQuestion(p.Question)
		out[i] = LiteralItem{ID: p.ID, Narrative: nar, Original: q, Model: c.Model()}
		if !ok {
			out[i].Error = "problem has a single sentence: no narrative to keep"
			continue
		}
		jobs = append(jobs, chatapi.Job{Key: chatapi.Key(c.Model(), LiteralPromptVersion, nar),
			Req: chatapi.Request{Messages: LiteralMessages(nar)}})
		idx = append(idx, i)
	}
	res, err := c.Batch(ctx, cache, jobs)
	for k, r := range res {
		it := &out[idx[k]]
		it.Cached = r.Cached
		if r.Err != nil {
			it.Error = r.Err.Error()
			continue
		}
		q, a, kw, perr := ParseLiteralReply(r.Reply, it.Narrative)
		if perr != nil {
			it.Error = perr.Error()
			continue
		}
		it.Question, it.Answer, it.Keyword = q, a, kw
		it.Problem = it.Narrative + " " + q
	}
	return out, err
}

// LiteralCounts counts the usable items (no Error: training examples of GSM8k-Literal, docs/paper.md §5.3)
// and the items whose reply came from the cache.
func LiteralCounts(items []LiteralItem) (usable, cached int) {
	for _, it := range items {
		if it.Error == "" {
			usable++
		}
		if it.Cached {
			cached++
		}
	}
	return usable, cached
}
