// Package display shows rim results in GoNB notebooks and writes the same
// figures to files for the CLI.
//
// The figure and table builders (Line, Bars, Scatter, Heatmap, Bubbles,
// Table, TokenHTML) do not depend on GoNB: they return values that render to
// SVG, PNG, HTML or text and are unit-tested as such. Show*, Markdown, HTML
// and Progress send them to the notebook through gonbui (with a real
// image/svg+xml MIME type for figures); outside a notebook they print a
// plain-text fallback, so the same cell code also runs as a program.
package display
