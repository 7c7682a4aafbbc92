// Package sft turns supervised fine-tuning data into token ids and labels:
// JSONL conversations rendered through the model's chat template (rim/chat)
// with the loss on assistant tokens only (labels -100 elsewhere, the think
// block included by default), or already-tokenised examples; a max-length
// policy (truncate or drop, counted); and length-bucketed, seeded batch
// orders that a checkpoint can resume exactly.
//
// Paper context (shared/paper/notes.md §5.3): data in each model's chat
// template, reasoning wrapped in <think>…</think>; the loss masking is not
// stated, "seq2seq" suggests response-only, which is the default here.
package sft

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/rimlab/rim/rim/chat"
)

// IgnoreIndex is the label of a position that does not count in the loss (HF -100).
const IgnoreIndex = -100

// Example is one training sequence: ids and labels of equal length, labels
// IgnoreIndex where no loss is taken (HF shifts labels inside the loss).
type Example struct {
	IDs    []int `json:"input_ids"`
	Labels []int `json:"labels"`
	Line   int   `json:"-"` // 1-based line of the source file (0 if none)
}

// Trained counts the positions with a label.
func (e Example) Trained() int {
	n := 0
	for _, l := range e.Labels {
		if l != IgnoreIndex {
			n++
		}
	}
	return n
}

// Record is one JSONL line. Either Messages (a conversation in the
// OpenAI/HF format, with optional "reasoning_content" on assistant turns) or
// InputIDs (pre-tokenised; Labels optional, default = train on every token).
type Record struct {
	Messages []chat.Message `json:"messages"`
	InputIDs []int          `json:"input_ids"`
	Labels   []int          `json:"labels"`
}

// ReadJSONL parses a JSONL file of Records. Blank lines are skipped; a line
// that is not valid JSON, or that has neither messages nor input_ids, is an
// error naming its line.
func ReadJSONL(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sft: %w", err)
	}
	defer f.Close()
	recs, err := readJSONL(f)
	if err != nil {
		return nil, fmt.Errorf("sft: %s: %w", path, err)
	}
	return recs, nil
}

func readJSONL(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	var recs []Record
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(rec.Messages) == 0 && len(rec.InputIDs) == 0 {
			return nil, fmt.Errorf("line %d: neither \"messages\" nor \"input_ids\"", line)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("empty dataset")
	}
	return recs, nil
}
