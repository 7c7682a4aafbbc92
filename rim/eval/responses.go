package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/fileio"
)

// Recorded is one line of a recorded-responses JSONL: response, and gold for
// math or prompt (+ optional category) for safety, with an optional id.
type Recorded struct {
	ID       string  `json:"id,omitempty"`
	Prompt   string  `json:"prompt,omitempty"`
	Response *string `json:"response"`
	Gold     *string `json:"gold,omitempty"`
	Category string  `json:"category,omitempty"`
}

// UnmarshalJSON accepts "gold" as a string or a JSON number (kept as its
// literal text, e.g. 18 → "18", 0.5 → "0.5"), since hand-made files often
// write numeric answers unquoted.
func (r *Recorded) UnmarshalJSON(b []byte) error {
	type plain Recorded
	var aux struct {
		plain
		Gold json.RawMessage `json:"gold"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*r = Recorded(aux.plain)
	r.Gold = nil
	g := bytes.TrimSpace(aux.Gold)
	switch {
	case len(g) == 0 || string(g) == "null":
	case g[0] == '"':
		var s string
		if err := json.Unmarshal(g, &s); err != nil {
			return fmt.Errorf("gold: %w", err)
		}
		r.Gold = &s
	default:
		var n json.Number
		if err := json.Unmarshal(g, &n); err != nil {
			return fmt.Errorf("gold %s: want a string or a number", g)
		}
		s := n.String()
		r.Gold = &s
	}
	return nil
}

// ReadRecorded reads a recorded-responses JSONL. needGold requires "gold"
// (math), otherwise "prompt" is required (safety). Missing fields are
// malformed lines (line numbers reported; skipped under data.SkipMalformed).
// Items without an id get "line-N".
func ReadRecorded(path string, needGold bool, opts ...data.ReadOption) ([]Recorded, error) {
	var out []Recorded
	err := data.ReadJSONL(path, func(line int, r Recorded) error {
		if r.Response == nil {
			return data.Malformed("missing \"response\"")
		}
		if needGold && r.Gold == nil {
			return data.Malformed("missing \"gold\"")
		}
		if !needGold && r.Prompt == "" {
			return data.Malformed("missing \"prompt\"")
		}
		if r.ID == "" {
			r.ID = fmt.Sprintf("line-%d", line)
		}
		out = append(out, r)
		return nil
	}, opts...)
	return out, err
}

// Responder produces responses to prompts; the model mode of rim eval plugs a
// generator in here (rim/generate), the recorded mode needs none.
type Responder interface {
	Respond(ctx context.Context, prompts []string) ([]string, error)
}

// MathRow is one line of rim eval math's per-example output.
type MathRow struct {
	ID       string `json:"id"`
	Category string `json:"category,omitempty"`
	Gold     string `json:"gold"`
	Grade
}

// SafetyRow is one line of rim eval safety's per-example output.
type SafetyRow struct {
	ID       string `json:"id"`
	Category string `json:"category,omitempty"`
	Prompt   string `json:"prompt"`
	Response string `json:"response"`
	Verdict
}

// WriteJSONL writes rows atomically, one JSON object per line.
func WriteJSONL[T any](path string, rows []T) error {
	return fileio.WriteAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	})
}
