// Package figures draws the paper items of rim/experiment with kernel/display: each result's tables and
// figures, and Show, which displays them in a notebook with the result's computed reading. rim/experiment
// computes and returns data only; drawing lives here so that it may import kernel/display
// (docs/ARCHITECTURE.md). The notebooks and `rim paper ITEM` draw through the same functions.
package figures

import (
	"fmt"

	"github.com/rimlab/rim/kernel/display"
	"github.com/rimlab/rim/rim/experiment"
)

// Drawing is what a result shows: its tables, then its figures.
type Drawing struct {
	Tables  []*display.Table
	Figures []*display.Figure
}

// Reader is a paper item's result: it says how to read itself, from its numbers.
type Reader interface{ Reading() string }

// Draw returns the tables and figures of a result of rim/experiment.
func Draw(r Reader) (*Drawing, error) {
	switch r := r.(type) {
	case *experiment.Table1Result:
		return table1(r)
	case *experiment.Fig2Result:
		return fig2(r)
	case *experiment.Fig2AuditResult:
		return fig2Audit(r)
	case *experiment.Fig3Result:
		return fig3(r)
	case *experiment.Fig4Result:
		return fig4(r)
	case *experiment.Fig5Result:
		return fig5(r)
	case *experiment.Fig6Result:
		return fig6(r)
	case *experiment.Table2Result:
		return table2(r)
	case *experiment.Fig8Result:
		return fig8(r)
	case *experiment.Table3Result:
		return table3(r)
	case *experiment.Fig8MeasuredResult:
		return fig8Measured(r)
	case *experiment.Table3MeasuredResult:
		return table3Measured(r)
	case *experiment.RASResult:
		return rasDemo(r)
	case *experiment.Fig7Result:
		return fig7(r)
	case *experiment.TableA7Result:
		return tableA7(r)
	case *experiment.TableA7MeasuredResult:
		return tableA7Measured(r)
	case *experiment.Fig7MeasuredResult:
		return fig7Measured(r)
	case *experiment.AcrossResult:
		return across(r)
	case *experiment.Fig1Result:
		return fig1(r)
	case *experiment.Fig4aResult:
		return fig4a(r)
	}
	return nil, fmt.Errorf("figures: no drawing for %T", r)
}

// Show displays a result in a notebook: its tables, its figures, then "How to read it" with its reading.
func Show(r Reader) error {
	d, err := Draw(r)
	if err != nil {
		return err
	}
	for _, t := range d.Tables {
		if err := display.ShowTable(t); err != nil {
			return err
		}
	}
	for _, f := range d.Figures {
		if err := display.Show(f); err != nil {
			return err
		}
	}
	display.Markdown("**How to read it.** " + r.Reading())
	display.Flush()
	return nil
}

// ShowOrExit is Show for a result and its error, as display.ShowOrExit: an error ends the cell with one line.
func ShowOrExit[R Reader](r R, err error) {
	display.Check(err)
	display.Check(Show(r))
}

// collect gathers figures built by fs, stopping at the first error.
func collect(d *Drawing, fs ...func() (*display.Figure, error)) (*Drawing, error) {
	for _, f := range fs {
		fig, err := f()
		if err != nil {
			return nil, err
		}
		d.Figures = append(d.Figures, fig)
	}
	return d, nil
}

// pct is a rate in percent.
func pct(r float64) float64 { return 100 * r }
