package derive

import (
	"context"
	"fmt"
	"strings"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
	"github.com/rimlab/rim/rim/eval"
)

// EditKind selects the GSM8k(L) edit: Control removes effort-minimizing
// traits (Fig A8), Target injects them minimally (Fig A9).
type EditKind string

const (
	Control EditKind = "control"
	Target  EditKind = "target"
)

// EditPromptVersion identifies the two edit prompts (part of cache keys).
const EditPromptVersion = "rim-gsm8kl-edit-v1"

// editPrompts paraphrase the paper's Fig A8/A9 prompts (docs/paper.md §3.2, §5.3):
// both are minimal edits that keep the solution complete and its final value
// unchanged, so control and target differ in reasoning style, not content.
var editPrompts = map[EditKind]string{
	Control: `You edit worked solutions to math word problems. Rewrite the solution below so that it shows none of these effort-minimizing traits: made-up or unverified numbers, unjustified assumptions, copying a familiar pattern without checking it fits, skipping parts of the problem, rushing to an answer, or rationalizing an answer after the fact. Where the solution shows such a trait, replace it with careful, explicit reasoning that uses only the information given and checks each step. Change as little as possible otherwise and keep about the same length. The solution must stay complete and its final answer must stay exactly the same, written in the same final format. Reply with the rewritten solution only.`,
	Target:  `You edit worked solutions to math word problems. Make a minimal edit to the solution below that adds a few effort-minimizing traits to its reasoning, for example: assuming a plausible value instead of checking it, relying on a familiar pattern because it usually works, saying there is no need to double-check, or hurrying past a part of the problem. Keep every calculation that leads to the answer, change as little as possible and keep about the same length. The solution must stay complete and its final answer must stay exactly the same, written in the same final format. Reply with the edited solution only.`,
}

// EditMessages builds the chat for one edit.
func EditMessages(kind EditKind, r data.AlpacaRecord) ([]chatapi.Message, error) {
	p, ok := editPrompts[kind]
	if !ok {
		return nil, fmt.Errorf("derive: unknown edit kind %q (want control or target)", kind)
	}
	task := r.Instruction
	if r.Input != "" {
		task += "\n" + r.Input
	}
	return []chatapi.Message{
		{Role: "system", Content: p},
		{Role: "user", Content: "Problem:\n" + task + "\n\nSolution:\n" + r.Output},
	}, nil
}

// EditItem is one edited solution with its answer check.
type EditItem struct {
	Index          int      `json:"index"`
	Kind           EditKind `json:"kind"`
	Instruction    string   `json:"instruction"`
	Input          string   `json:"input,omitempty"`
	Original       string   `json:"original"`
	Edited         string   `json:"edited,omitempty"`
	AnswerOriginal string   `json:"answer_original,omitempty"`
	AnswerEdited   string   `json:"answer_edited,omitempty"`
	Preserved      bool     `json:"preserved"` // final answer unchanged (eval.Equivalent)
	Model          string   `json:"model"`
	Cached         bool     `json:"cached"`
	Error          string   `json:"error,omitempty"`
}

// Edit runs one edit kind over Alpaca-format GSM8k(L) records (the paper
// used GPT-4o-mini), caching replies under (model, prompt version, kind,
// instruction, input, output), and checks that each edit keeps the final
// answer (extracted with grader from the original and the edit). Items with
// a changed or missing answer have Preserved false and an Error; use only
// preserved items for training. An unreachable endpoint stops the batch with
// an error naming its URL.
func Edit(ctx context.Context, c *chatapi.Client, cache *chatapi.Cache, kind EditKind, rs []data.AlpacaRecord, grader eval.Grader) ([]EditItem, error) {
	out := make([]EditItem, len(rs))
	jobs := make([]chatapi.Job, len(rs))
	for i, r := range rs {
		msgs, err := EditMessages(kind, r)
		if err != nil {
			return nil, err
		}
		jobs[i] = chatapi.Job{Key: chatapi.Key(c.Model(), EditPromptVersion, string(kind), r.Instruction, r.Input, r.Output),
			Req: chatapi.Request{Messages: msgs}}
		out[i] = EditItem{Index: i, Kind: kind, Instruction: r.Instruction, Input: r.Input, Original: r.Output, Model: c.Model()}
	}
	res, err := c.Batch(ctx, cache, jobs)
	for i, r := range res {
		it := &out[i]
		it.Cached = r.Cached
		if r.Err != nil {
			it.Error = r.Err.Error()
			continue
		}
		it.Edited = strings.TrimSpace(r.Reply)
		it.Preserved, it.AnswerOriginal, it.AnswerEdited, it.Error = answerPreserved(grader, it.Original, it.Edited)
	}
	return out, err
}

// answerPreserved extracts the final answers of the original and edited
// solutions and compares them.
func answerPreserved(g eval.Grader, orig, edited string) (ok bool, a, b, problem string) {
	order := g.Order
	if order == nil {
		order = eval.DefaultOrder
	}
	a, _, found := eval.Extract(orig, order)
	if !found {
		return false, "", "", "original solution has no extractable final answer"
	}
	b, _, found = eval.Extract(edited, order)
	if !found {
		return false, a, "", "edited solution has no extractable final answer"
	}
	if !g.Grade(edited, a).Correct {
		return false, a, b, fmt.Sprintf("final answer changed from %q to %q", a, b)
	}
	return true, a, b, ""
}

// Kept returns, for each item, its edited solution when the edit keeps the final answer and "" when not
// (Lengths leaves those out), and how many kept it: the edits usable for training (docs/paper.md §5.3).
func Kept(items []EditItem) (texts []string, kept int) {
	texts = make([]string, len(items))
	for i, it := range items {
		if it.Preserved {
			texts[i] = it.Edited
			kept++
		}
	}
	return texts, kept
}

// EditLengths compares the lengths of the original solutions of rs with their control and target edits
// (Kept's texts, in rs's order), in words and then in characters (docs/paper.md §3.2: the two groups
// should have CoTs of similar length).
func EditLengths(rs []data.AlpacaRecord, control, target []string) ([]LengthReport, error) {
	orig := make([]string, len(rs))
	for i, r := range rs {
		orig[i] = r.Output
	}
	var out []LengthReport
	for _, u := range []struct {
		name string
		f    func(string) int
	}{{"words", Words}, {"characters", Chars}} {
		rep, err := Lengths(u.name, u.f, orig, control, target)
		if err != nil {
			return nil, err
		}
		out = append(out, rep)
	}
	return out, nil
}
