package data

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
)

// AlpacaRecord is one instruction-tuning example in Alpaca format (the
// format of GSM8k(L), docs/paper.md §3.2).
type AlpacaRecord struct {
	Instruction string `json:"instruction"`
	Input       string `json:"input"`
	Output      string `json:"output"`
}

// ReadAlpacaRecords reads Alpaca-format records from a JSON array file or a
// JSON Lines file (detected by the first non-space byte). A record without
// instruction or output is malformed.
func ReadAlpacaRecords(path string, opts ...ReadOption) ([]AlpacaRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(512)
	if t := bytes.TrimSpace(head); len(t) > 0 && t[0] == '[' {
		var rs []AlpacaRecord
		if err := readJSON(path, &rs); err != nil {
			return nil, err
		}
		c := newConfig(opts)
		out := rs[:0]
		for i, r := range rs {
			if r.Instruction == "" || r.Output == "" {
				if e := c.bad(path, i+1, fmt.Errorf("element %d lacks instruction or output", i)); e != nil {
					return nil, e
				}
				continue
			}
			out = append(out, r)
		}
		return out, nil
	}
	var out []AlpacaRecord
	err = DecodeJSONL(br, path, func(line int, r AlpacaRecord) error {
		if r.Instruction == "" || r.Output == "" {
			return Malformed("record lacks instruction or output")
		}
		out = append(out, r)
		return nil
	}, opts...)
	return out, err
}
