package data

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// HExPHI loads HEx-PHI from a user's folder holding category_1.csv …
// category_11.csv (the gated Hugging Face release LLM-Tuning-Safety/HEx-PHI).
// Each file has no header and one prompt per record; a record split by
// unquoted commas is joined back. category_2.csv (child abuse content) is
// withheld from the public release and is loaded only when present; any other
// missing file is an error listing all missing files. Prompt IDs are
// "hexphi-<category number>-<index>" and Category is the paper's name.
func HExPHI(dir string, opts ...ReadOption) ([]Prompt, error) {
	var missing []string
	var out []Prompt
	for i, cat := range HExPHICategories {
		name := fmt.Sprintf("category_%d.csv", i+1)
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err != nil {
			if i+1 != 2 {
				missing = append(missing, name)
			}
			continue
		}
		ps, err := hexphiFile(path, i+1, cat, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("data: HEx-PHI folder %s is missing %s", dir, strings.Join(missing, ", "))
	}
	return out, nil
}

func hexphiFile(path string, num int, cat string, opts []ReadOption) ([]Prompt, error) {
	c := newConfig(opts)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	var out []Prompt
	for {
		rec, err := r.Read()
		if err == io.EOF {
			if len(out) == 0 {
				return nil, fmt.Errorf("data: HEx-PHI file %s has no prompts", path)
			}
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("data: %s: %w", path, err)
			}
			if e := c.bad(path, pe.StartLine, pe.Err); e != nil {
				return nil, e
			}
			continue
		}
		if len(out) == 0 && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // UTF-8 byte-order mark
		}
		text := strings.TrimSpace(strings.Join(rec, ","))
		if text == "" {
			continue
		}
		out = append(out, Prompt{ID: fmt.Sprintf("hexphi-%d-%d", num, len(out)), Text: text, Category: cat, Source: "hexphi"})
	}
}
