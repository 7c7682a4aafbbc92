package experiment

import (
	"context"
	"fmt"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
)

// MathJob is the model mode of rim eval math: answer the questions of a math set with a model and record
// the responses with their gold answers, for eval.GradeRecorded (docs/paper.md §4.2, decoding as §4.3).
type MathJob struct {
	Model   string                // model dir; also its tokenizer and chat template (Answer)
	Data    string                // data root laid out like shared/data ("": data.ResolveRoot's default)
	Set     string                // math set: gsm8k-test, gsm8k-train, math500 or math401 (data.LoadProblems)
	Suffix  string                // appended to each question, e.g. an answer-format instruction
	Limit   int                   // answer only the first Limit problems; 0: all
	Respond RespondOptions        // think mode, max tokens, batch, generation server
	Read    []data.ReadOption     // for the set's file, e.g. data.SkipMalformed
	OnBatch func(done, total int) // Answer's progress; may be nil
}

// MathRecords runs j: one record per problem with its id, the prompt (question + suffix), the response,
// the gold answer and the subject as category.
func MathRecords(ctx context.Context, j MathJob) ([]eval.Recorded, error) {
	ps, err := data.LoadProblems(j.Data, j.Set, j.Read...)
	if err != nil {
		return nil, err
	}
	ps, prompts, resps, err := answerFirst(ctx, j.Model, ps, j.Limit, func(p data.Problem) string { return p.Question + j.Suffix }, j.Respond, j.OnBatch)
	if err != nil {
		return nil, err
	}
	recs := make([]eval.Recorded, len(ps))
	for i, p := range ps {
		recs[i] = eval.Recorded{ID: p.ID, Prompt: prompts[i], Response: &resps[i], Gold: &ps[i].Answer, Category: p.Subject}
	}
	return recs, nil
}

// SafetyJob is the model mode of rim eval safety: answer a harmful prompt set with a model, optionally
// after a Table A8 statement prefill, and record the responses for a judge (eval.JudgeRecorded;
// docs/paper.md §4.1, the statement injection of §5.2).
type SafetyJob struct {
	Model   string             // model dir; also its tokenizer and chat template (Answer)
	Prompts data.SafetyPrompts // the prompt set and the statement
	Limit   int                // answer only the first Limit prompts; 0: all
	// Respond sets think mode, max tokens, batch and generation server; a statement's prefill replaces
	// its Prefill.
	Respond RespondOptions
	Read    []data.ReadOption     // for the set's files, e.g. data.SkipMalformed
	OnBatch func(done, total int) // Answer's progress; may be nil
}

// SafetyRecords runs j: one record per prompt with its id, text, response and category. A bad statement
// setting is Prompts' *data.SettingError.
func SafetyRecords(ctx context.Context, j SafetyJob) ([]eval.Recorded, error) {
	ps, prefill, err := j.Prompts.Load(j.Read...)
	if err != nil {
		return nil, err
	}
	o := j.Respond
	if prefill != "" {
		o.Prefill = prefill
	}
	ps, _, resps, err := answerFirst(ctx, j.Model, ps, j.Limit, func(p data.Prompt) string { return p.Text }, o, j.OnBatch)
	if err != nil {
		return nil, err
	}
	recs := make([]eval.Recorded, len(ps))
	for i, p := range ps {
		recs[i] = eval.Recorded{ID: p.ID, Prompt: p.Text, Response: &resps[i], Category: p.Category}
	}
	return recs, nil
}

// answerFirst answers the first limit items of xs (0: all of them; < 0 is an error) with the model in
// modelDir (Answer), the prompt of each item given by prompt. It returns the items answered, their prompts
// and the responses.
func answerFirst[T any](ctx context.Context, modelDir string, xs []T, limit int, prompt func(T) string, o RespondOptions, onBatch func(done, total int)) ([]T, []string, []string, error) {
	if limit < 0 {
		return nil, nil, nil, fmt.Errorf("experiment: limit %d: want a count ≥ 0 (0: all items)", limit)
	}
	if limit > 0 && limit < len(xs) {
		xs = xs[:limit]
	}
	prompts := make([]string, len(xs))
	for i, x := range xs {
		prompts[i] = prompt(x)
	}
	resps, err := Answer(ctx, modelDir, "", prompts, o, onBatch)
	return xs, prompts, resps, err
}
