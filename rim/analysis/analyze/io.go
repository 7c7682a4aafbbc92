// Package analyze implements `rim analyze`: it reads activations captured
// anywhere (rim, PyTorch, …) from safetensors files and labels from JSON or
// CSV, runs the analyses of rim/analysis/..., and writes JSON/CSV results.
// The file formats are documented in docs/analysis.md.
package analyze

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/rimlab/rim/rim/fileio"
	"github.com/rimlab/rim/rim/safetensors"
)

// tensor is a float32 tensor read from a safetensors file.
type tensor struct {
	path, name string
	data       []float32
	shape      []int
}

func (t *tensor) String() string { return fmt.Sprintf("%s: %q %v", t.path, t.name, t.shape) }

// readTensor reads tensor name from a safetensors file, requiring one of the
// given ranks and finite values.
func readTensor(path, name string, ranks ...int) (*tensor, error) {
	if path == "" {
		return nil, fmt.Errorf("missing file for tensor %q", name)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, shape, err := f.Float32(name)
	if err != nil {
		return nil, err
	}
	ok := false
	for _, r := range ranks {
		ok = ok || len(shape) == r
	}
	if !ok {
		return nil, fmt.Errorf("%s: tensor %q has shape %v, want rank %v", path, name, shape, ranks)
	}
	for _, d := range shape {
		if d == 0 {
			return nil, fmt.Errorf("%s: tensor %q has shape %v: no samples or an empty dimension", path, name, shape)
		}
	}
	for i, v := range data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%s: tensor %q element %d (index %v) is %v", path, name, i, unravel(i, shape), v)
		}
	}
	return &tensor{path: path, name: name, data: data, shape: shape}, nil
}

func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = i % shape[d]
			i /= shape[d]
		}
	}
	return idx
}

// rows returns t as [shape[0]][rest] float64 rows.
func (t *tensor) rows() [][]float64 {
	n := t.shape[0]
	w := 1
	for _, d := range t.shape[1:] {
		w *= d
	}
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, w)
		for j := range w {
			out[i][j] = float64(t.data[i*w+j])
		}
	}
	return out
}

// meanRow averages t over its first dimension, [rest] in float64.
func (t *tensor) meanRow() []float64 {
	n := t.shape[0]
	w := len(t.data) / n
	out := make([]float64, w)
	for i := range n {
		for j, v := range t.data[i*w : (i+1)*w] {
			out[j] += float64(v)
		}
	}
	for j := range out {
		out[j] /= float64(n)
	}
	return out
}

// writeJSON writes v as indented JSON to path atomically ("" = skip).
func writeJSON(path string, v any) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return fileio.WriteFileAtomic(path, append(b, '\n'), 0o644)
}

// writeCSV writes records to path atomically ("" = skip).
func writeCSV(path string, records [][]string) error {
	if path == "" {
		return nil
	}
	return fileio.WriteAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(records); err != nil {
			return err
		}
		return cw.Error()
	})
}

// table is a CSV file or a JSON array of objects, read as string cells.
type table struct {
	path   string
	header []string
	rows   [][]string
}

// readTable reads a CSV file with a header row, or (by a .json suffix or a
// leading '[') a JSON array of flat objects.
func readTable(path string) (*table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	trim := bytes.TrimSpace(b)
	if strings.HasSuffix(path, ".json") || bytes.HasPrefix(trim, []byte("[")) {
		return readJSONTable(path, trim)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.TrimLeadingSpace = true
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) < 1 {
		return nil, fmt.Errorf("%s: empty csv (a header row is required)", path)
	}
	for i := range recs[0] {
		recs[0][i] = strings.TrimSpace(strings.TrimPrefix(recs[0][i], "\ufeff")) // spreadsheet BOM
	}
	return &table{path: path, header: recs[0], rows: recs[1:]}, nil
}

func readJSONTable(path string, b []byte) (*table, error) {
	var objs []map[string]any
	if err := json.Unmarshal(b, &objs); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of objects: %w", path, err)
	}
	t := &table{path: path}
	seen := map[string]bool{}
	for _, o := range objs {
		for k := range o {
			if !seen[k] {
				seen[k] = true
				t.header = append(t.header, k)
			}
		}
	}
	for _, o := range objs {
		row := make([]string, len(t.header))
		for j, k := range t.header {
			switch v := o[k].(type) {
			case nil:
			case string:
				row[j] = v
			case bool:
				row[j] = strconv.FormatBool(v)
			case float64:
				row[j] = strconv.FormatFloat(v, 'g', -1, 64)
			default:
				return nil, fmt.Errorf("%s: field %q holds %T, want a string, number or bool", path, k, v)
			}
		}
		t.rows = append(t.rows, row)
	}
	return t, nil
}

// col returns the index of a column, or −1 when optional and absent.
func (t *table) col(name string, required bool) (int, error) {
	for i, h := range t.header {
		if h == name {
			return i, nil
		}
	}
	if required {
		return -1, fmt.Errorf("%s: no column %q (columns: %s)", t.path, name, strings.Join(t.header, ", "))
	}
	return -1, nil
}

// floats parses a numeric column; empty, non-numeric and NaN cells are errors
// naming the row (1-based data row) and column.
func (t *table) floats(name string) ([]float64, error) {
	c, err := t.col(name, true)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(t.rows))
	for i, r := range t.rows {
		if c >= len(r) {
			return nil, fmt.Errorf("%s: row %d has no %q cell", t.path, i+1, name)
		}
		s := strings.TrimSpace(r[c])
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: row %d column %q: %q is not a number", t.path, i+1, name, s)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: row %d column %q is %v", t.path, i+1, name, v)
		}
		out[i] = v
	}
	return out, nil
}

// fmtNum formats a statistic for the fixed stdout lines: the shortest
// decimal that reads back as the same float64, so that outside tools can
// compare rim's numbers with theirs at full precision.
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
