package display

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

// Table is a titled grid of values. Cells may be strings, numbers (formatted
// with FormatNumber and Digits significant digits, right-aligned), bools,
// Stringers or nil (empty).
type Table struct {
	Caption string
	Columns []string
	Rows    [][]any
	Digits  int // significant digits for floats; 0 means 4
}

// AddRow appends a row; it must have one value per column (checked by HTML/Text).
func (t *Table) AddRow(cells ...any) { t.Rows = append(t.Rows, cells) }

func (t *Table) check() error {
	if len(t.Columns) == 0 {
		return fmt.Errorf("display: table %q has no columns", t.Caption)
	}
	for i, r := range t.Rows {
		if len(r) != len(t.Columns) {
			return fmt.Errorf("display: table %q: row %d has %d cells, want %d (columns %v)",
				t.Caption, i, len(r), len(t.Columns), t.Columns)
		}
	}
	return nil
}

// HTML renders the table as a self-contained <table> (inline styles only, so
// it survives nbconvert's HTML export).
func (t *Table) HTML() (string, error) {
	if err := t.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(`<table class="rim-table" style="border-collapse:collapse;font-family:sans-serif;font-size:13px">`)
	if t.Caption != "" {
		fmt.Fprintf(&b, `<caption style="font-weight:bold;text-align:left;padding:4px">%s</caption>`, html.EscapeString(t.Caption))
	}
	b.WriteString("<thead><tr>")
	for _, c := range t.Columns {
		fmt.Fprintf(&b, `<th style="border-bottom:2px solid #444;padding:3px 8px;text-align:left">%s</th>`, html.EscapeString(c))
	}
	b.WriteString("</tr></thead><tbody>")
	for _, r := range t.Rows {
		b.WriteString("<tr>")
		for _, v := range r {
			s, num := formatCell(v, t.Digits)
			align := "left"
			if num {
				align = "right;font-variant-numeric:tabular-nums"
			}
			fmt.Fprintf(&b, `<td style="border-bottom:1px solid #ddd;padding:3px 8px;text-align:%s">%s</td>`, align, html.EscapeString(s))
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	return b.String(), nil
}

// Text renders the table as aligned plain text (for the CLI and logs).
func (t *Table) Text() (string, error) {
	if err := t.check(); err != nil {
		return "", err
	}
	cells := make([][]string, len(t.Rows)+1)
	num := make([]bool, len(t.Columns))
	cells[0] = t.Columns
	for i, r := range t.Rows {
		cells[i+1] = make([]string, len(r))
		for j, v := range r {
			s, n := formatCell(v, t.Digits)
			cells[i+1][j] = s
			num[j] = num[j] || n
		}
	}
	w := make([]int, len(t.Columns))
	for _, r := range cells {
		for j, s := range r {
			w[j] = max(w[j], utf8.RuneCountInString(s))
		}
	}
	var b strings.Builder
	if t.Caption != "" {
		b.WriteString(t.Caption + "\n")
	}
	for i, r := range cells {
		for j, s := range r {
			pad := strings.Repeat(" ", w[j]-utf8.RuneCountInString(s))
			if j > 0 {
				b.WriteString("  ")
			}
			if num[j] && i > 0 {
				b.WriteString(pad + s)
			} else {
				b.WriteString(s + pad)
			}
		}
		b.WriteString("\n")
		if i == 0 {
			for j := range w {
				if j > 0 {
					b.WriteString("  ")
				}
				b.WriteString(strings.Repeat("-", w[j]))
			}
			b.WriteString("\n")
		}
	}
	return b.String(), nil
}

func sprint(v any) string { return fmt.Sprint(v) }
