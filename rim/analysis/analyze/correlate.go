package analyze

import (
	"fmt"
	"io"

	"github.com/rimlab/rim/rim/analysis/stats"
)

// CorrelateOptions are the inputs of `rim analyze correlate`.
type CorrelateOptions struct {
	CSV  string // CSV with a header row (or a JSON array of objects)
	X, Y string // column names
	JSON string // optional output file
}

// CorrelateResult is written with --json.
type CorrelateResult struct {
	X        string            `json:"x"`
	Y        string            `json:"y"`
	Pearson  stats.Correlation `json:"pearson"`
	Spearman stats.Correlation `json:"spearman"`
}

// Correlate prints the fixed form
//
//	pearson r=<r> p=<p>
//	spearman rho=<ρ> p=<p>
//
// for columns X and Y (paper §4.1, Table 3: two-sided t-test, df = n−2).
func Correlate(o CorrelateOptions, stdout io.Writer) error {
	if o.CSV == "" || o.X == "" || o.Y == "" {
		return fmt.Errorf("--csv, --x and --y are required")
	}
	t, err := readTable(o.CSV)
	if err != nil {
		return err
	}
	x, err := t.floats(o.X)
	if err != nil {
		return err
	}
	y, err := t.floats(o.Y)
	if err != nil {
		return err
	}
	p, err := stats.Pearson(x, y)
	if err != nil {
		return fmt.Errorf("%s: %s vs %s: %w", o.CSV, o.X, o.Y, err)
	}
	s, err := stats.Spearman(x, y)
	if err != nil {
		return fmt.Errorf("%s: %s vs %s: %w", o.CSV, o.X, o.Y, err)
	}
	if _, err := fmt.Fprintf(stdout, "pearson r=%s p=%s\nspearman rho=%s p=%s\n", fmtNum(p.R), fmtNum(p.P), fmtNum(s.R), fmtNum(s.P)); err != nil {
		return err
	}
	return writeJSON(o.JSON, CorrelateResult{X: o.X, Y: o.Y, Pearson: p, Spearman: s})
}
