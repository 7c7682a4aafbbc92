// Package sft turns supervised fine-tuning data into token ids and labels:
// JSONL conversations rendered through the model's chat template (rim/chat)
// with the loss on assistant tokens only (labels -100 elsewhere, the think
// block included by default), or already-tokenised examples; a max-length
// policy (truncate or drop, counted); and length-bucketed, seeded batch
// orders that a checkpoint can resume exactly.
//
// Paper context (docs/paper.md §5.3): data in each model's chat
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
	"sort"

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
// that is not valid JSON, that has neither messages nor input_ids, or that
// carries a field rim does not know (at the top level or in a message, e.g.
// "reasoning" for "reasoning_content", which would otherwise train on an
// empty think block) is an error naming file:line and the field.
func ReadJSONL(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sft: %w", err)
	}
	defer f.Close()
	recs, err := readJSONL(f, path)
	if err != nil {
		return nil, fmt.Errorf("sft: %w", err)
	}
	return recs, nil
}

// messageKeys are the keys a message may carry: those chat.Message reads
// plus tool_call_id and name, which it passes on to the template.
var messageKeys = map[string]bool{"role": true, "content": true, "reasoning_content": true, "tool_calls": true, "tool_call_id": true, "name": true}

// readJSONL reads Records; errors start with "name:line:" ("line N:" when
// name is empty).
func readJSONL(r io.Reader, name string) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	var recs []Record
	line := 0
	where := func() string {
		if name == "" {
			return fmt.Sprintf("line %d", line)
		}
		return fmt.Sprintf("%s:%d", name, line)
	}
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		rec, err := decodeRecord(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where(), err)
		}
		if len(rec.Messages) == 0 && len(rec.InputIDs) == 0 {
			return nil, fmt.Errorf("%s: neither \"messages\" nor \"input_ids\"", where())
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

// decodeRecord decodes one line strictly: unknown top-level fields and
// unknown message keys are errors. Messages are checked by hand because
// chat.Message has its own UnmarshalJSON (keeping the raw JSON for the
// template), which DisallowUnknownFields does not reach.
func decodeRecord(b []byte) (Record, error) {
	var top struct {
		Messages []json.RawMessage `json:"messages"`
		InputIDs []int             `json:"input_ids"`
		Labels   []int             `json:"labels"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&top); err != nil {
		return Record{}, err // names the field: json: unknown field "x"
	}
	rec := Record{InputIDs: top.InputIDs, Labels: top.Labels}
	for i, raw := range top.Messages {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(raw, &keys); err != nil {
			return Record{}, fmt.Errorf("message %d: %w", i+1, err)
		}
		var unknown []string
		for k := range keys {
			if !messageKeys[k] {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return Record{}, fmt.Errorf("message %d: unknown field %q (known: role, content, reasoning_content, tool_calls, tool_call_id, name)", i+1, unknown[0])
		}
		var m chat.Message
		if err := json.Unmarshal(raw, &m); err != nil {
			return Record{}, fmt.Errorf("message %d: %w", i+1, err)
		}
		rec.Messages = append(rec.Messages, m)
	}
	return rec, nil
}
