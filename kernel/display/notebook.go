package display

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// InNotebook reports whether the program runs as a GoNB cell.
func InNotebook() bool { return gonbui.IsNotebook }

// out is where the plain-text fallbacks go outside a notebook.
var out io.Writer = os.Stdout

// Show displays a figure in the notebook (outside a notebook it prints a
// one-line note). If paths are given the figure is also written to each
// (.svg or .png).
//
// The display carries the figure twice: as text/html, an <img> whose src is
// the SVG as a base64 data URI (nbconvert's HTML export keeps it; Debian's
// nbconvert 6.5 empties inline <svg> elements), and as image/svg+xml for
// front ends that prefer it. Each figure sent is also recorded in the file
// named by $RIM_DISPLAY_LOG when the notebook runner sets it, so that the
// runner can fail a cell whose figure never arrived (kernel/runnb.py).
func Show(f *Figure, paths ...string) error {
	for _, p := range paths {
		if err := f.Save(p); err != nil {
			return err
		}
	}
	svg, err := f.SVG()
	if err != nil {
		return err
	}
	if !InNotebook() {
		fmt.Fprintf(out, "[figure %q: %d bytes of SVG]\n", f.Title(), len(svg))
		return nil
	}
	if err := logDisplay("figure", f.Title()); err != nil {
		return err
	}
	gonbui.SendData(&protocol.DisplayData{Data: map[protocol.MIMEType]any{
		protocol.MIMETextHTML:  FigureHTML(f.Title(), svg),
		protocol.MIMEImageSVG:  string(svg),
		protocol.MIMETextPlain: FigurePlain(f.Title()),
	}})
	Flush()
	return nil
}

// Flush waits until GoNB has taken every display sent so far (gonbui.Sync). A cell program that ends right
// after a display could otherwise exit before its last outputs were read from the pipe, and they were lost
// (seen as a figure that never arrived, under load). Show flushes each figure; nothing outside a notebook.
func Flush() {
	if InNotebook() {
		gonbui.Sync()
	}
}

// FigurePlain is the text/plain form of a figure's display; the notebook
// runner counts displays by this prefix.
func FigurePlain(title string) string { return "figure: " + title }

// FigureHTML is an <img> holding svg as a base64 data URI, alt text title.
func FigureHTML(title string, svg []byte) string {
	return fmt.Sprintf(`<img alt="%s" src="data:image/svg+xml;base64,%s"/>`, html.EscapeString(title), base64.StdEncoding.EncodeToString(svg))
}

// logDisplay appends one JSON line {"kind", "title"} to $RIM_DISPLAY_LOG (if set).
func logDisplay(kind, title string) error {
	path := os.Getenv("RIM_DISPLAY_LOG")
	if path == "" {
		return nil
	}
	b, err := json.Marshal(map[string]string{"kind": kind, "title": title})
	if err != nil {
		return err
	}
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("display: RIM_DISPLAY_LOG %s: %w", path, err)
	}
	_, err = fh.Write(append(b, '\n'))
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}

// ShowOrExit shows the figure a plotting call returned (f, err); if err is
// not nil, or showing fails, it prints the error as one line on stderr and
// exits with status 1, like OrExit.
func ShowOrExit(f *Figure, err error) {
	if err == nil {
		err = Show(f)
	}
	Check(err)
}

// ShowTable displays a table as HTML (as aligned text outside a notebook).
func ShowTable(t *Table) error {
	if !InNotebook() {
		s, err := t.Text()
		if err != nil {
			return err
		}
		fmt.Fprint(out, s)
		return nil
	}
	s, err := t.HTML()
	if err != nil {
		return err
	}
	gonbui.DisplayHTML(s)
	return nil
}

// HTML displays raw HTML (nothing outside a notebook).
func HTML(s string) {
	if InNotebook() {
		gonbui.DisplayHTML(s)
	}
}

// Markdown displays Markdown (printed as is outside a notebook).
func Markdown(s string) {
	if !InNotebook() {
		fmt.Fprintln(out, s)
		return
	}
	gonbui.DisplayMarkdown(s)
}

// Markdownf is Markdown with fmt.Sprintf formatting.
func Markdownf(format string, args ...any) { Markdown(fmt.Sprintf(format, args...)) }

// Progress is a progress bar that updates in place in the notebook (a
// carriage-return line on stderr outside one). Safe for concurrent Add.
type Progress struct {
	mu     sync.Mutex
	label  string
	total  int
	done   int
	start  time.Time
	last   time.Time
	id     string
	stderr io.Writer
}

// NewProgress starts a progress display for total steps.
func NewProgress(label string, total int) *Progress {
	p := &Progress{label: label, total: max(total, 1), start: time.Now(), stderr: os.Stderr}
	if InNotebook() {
		p.id = "rim_progress_" + gonbui.UniqueID()
	}
	p.render(true)
	return p
}

// Add advances the progress by n steps.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = min(p.done+n, p.total)
	p.render(false)
}

// Done marks completion and leaves the final state displayed.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = p.total
	p.render(true)
	if !InNotebook() {
		fmt.Fprintln(p.stderr)
	}
}

// ProgressHTML is the bar's HTML (exported for tests and custom displays).
func ProgressHTML(label string, done, total int, elapsed time.Duration) string {
	frac := float64(done) / float64(max(total, 1))
	eta := ""
	if done > 0 && done < total {
		eta = fmt.Sprintf(", ~%s left", (time.Duration(float64(elapsed)/frac) - elapsed).Round(time.Second))
	}
	return fmt.Sprintf(`<div style="font-family:sans-serif;font-size:12px">%s `+
		`<span style="display:inline-block;width:240px;height:10px;background:#eee;vertical-align:middle">`+
		`<span style="display:block;width:%.1f%%;height:100%%;background:#1f77b4"></span></span> %d/%d (%s%s)</div>`,
		html.EscapeString(label), 100*frac, done, total, elapsed.Round(100*time.Millisecond), eta)
}

// render redraws at most 10 times a second unless force is set.
func (p *Progress) render(force bool) {
	now := time.Now()
	if !force && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	el := now.Sub(p.start)
	if InNotebook() {
		gonbui.UpdateHTML(p.id, ProgressHTML(p.label, p.done, p.total, el))
		return
	}
	bar := int(30 * float64(p.done) / float64(p.total))
	fmt.Fprintf(p.stderr, "\r%s [%s%s] %d/%d %s", p.label, strings.Repeat("#", bar), strings.Repeat(" ", 30-bar), p.done, p.total, el.Round(100*time.Millisecond))
}

// StepProgress returns a step callback (done of total) that shows a progress
// bar labelled label, created at the first call, so that nothing is shown
// when no step runs (e.g. a fine-tuning run reused from the cache).
func StepProgress(label string) func(done, total int) {
	var p *Progress
	return func(done, total int) {
		if p == nil {
			p = NewProgress(label, total)
		}
		p.Add(1)
		if done >= total {
			p.Done()
		}
	}
}
