package data

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// LineError is one malformed record: the file, its 1-based line and why.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ReadOption changes how a loader treats malformed input.
type ReadOption func(*readConfig)

type readConfig struct {
	skip   bool
	onSkip func(*LineError)
}

// SkipMalformed makes a loader continue past malformed records; each one is
// passed to report (which may be nil) instead of stopping the load.
func SkipMalformed(report func(*LineError)) ReadOption {
	return func(c *readConfig) { c.skip, c.onSkip = true, report }
}

func newConfig(opts []ReadOption) readConfig {
	var c readConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

// bad either returns the line error (strict) or reports it and returns nil.
func (c readConfig) bad(file string, line int, err error) error {
	le := &LineError{File: file, Line: line, Err: err}
	if !c.skip {
		return le
	}
	if c.onSkip != nil {
		c.onSkip(le)
	}
	return nil
}

// maxLine bounds one JSONL line (a long model response fits easily).
const maxLine = 64 << 20

// ReadJSONL decodes every non-blank line of path into a T and calls fn with it
// and its 1-based line number. Invalid JSON, and errors fn builds with
// Malformed, are line errors (fatal, or skipped under SkipMalformed); any
// other error from fn stops the read as is.
func ReadJSONL[T any](path string, fn func(line int, v T) error, opts ...ReadOption) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return DecodeJSONL(f, path, fn, opts...)
}

// DecodeJSONL is ReadJSONL over a reader; name is used in error messages.
func DecodeJSONL[T any](r io.Reader, name string, fn func(line int, v T) error, opts ...ReadOption) error {
	c := newConfig(opts)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			if e := c.bad(name, line, fmt.Errorf("invalid json: %w", err)); e != nil {
				return e
			}
			continue
		}
		if err := fn(line, v); err != nil {
			var m *malformed
			if errors.As(err, &m) {
				if e := c.bad(name, line, m.err); e != nil {
					return e
				}
				continue
			}
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("data: %s: line %d: %w", name, line+1, err)
	}
	return nil
}

// malformed marks a record-level problem (missing field, bad value) that
// SkipMalformed may skip.
type malformed struct{ err error }

func (m *malformed) Error() string { return m.err.Error() }

// Malformed wraps a record-level problem found by a loader callback so that
// SkipMalformed can skip the record instead of stopping.
func Malformed(format string, args ...any) error {
	return &malformed{fmt.Errorf(format, args...)}
}

// readCSV reads a CSV file with a header row, checks that the named columns
// exist, and calls fn with each record as a column→value map and the line on
// which the record starts. HarmBench's CRLF and quoted multi-line fields are
// handled by encoding/csv.
func readCSV(path string, want []string, fn func(line int, rec map[string]string) error, opts ...ReadOption) error {
	c := newConfig(opts)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("data: %s: reading header: %w", path, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // UTF-8 byte-order mark
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, w := range want {
		if _, ok := col[w]; !ok {
			return fmt.Errorf("data: %s: header has no column %q (has %q)", path, w, header)
		}
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			if e := c.bad(path, line, err); e != nil {
				return e
			}
			if pe == nil {
				return fmt.Errorf("data: %s: %w", path, err)
			}
			continue
		}
		if len(rec) != len(header) {
			if e := c.bad(path, line, fmt.Errorf("record has %d fields, header has %d", len(rec), len(header))); e != nil {
				return e
			}
			continue
		}
		m := make(map[string]string, len(header))
		for i, h := range header {
			m[h] = rec[i]
		}
		if err := fn(line, m); err != nil {
			var mf *malformed
			if errors.As(err, &mf) {
				if e := c.bad(path, line, mf.err); e != nil {
					return e
				}
				continue
			}
			return err
		}
	}
}

// readJSON decodes a whole JSON document (array files) into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("data: %s: %w", path, err)
	}
	return nil
}
