package display

import (
	"fmt"
	"html"
	"strings"
)

// regionColors are light backgrounds assigned to region names in order of
// first appearance (colour-blind-friendly Okabe–Ito hues, lightened).
var regionColors = []string{"#cfe8f7", "#fde0b5", "#c9efd9", "#f6cde0", "#fbf3b0", "#d9d2f0", "#f3d4c4", "#d0f0f0",
	"#e8d8b0", "#c8d8f8", "#f0c8c8", "#d8f0b8", "#e0e0e0"}

// TokenHTML renders tokens as inline boxes coloured by their region (e.g.
// system / user / think / answer / special tokens of a chat rendering), with a
// legend. regions[i] names the region of tokens[i] ("" = uncoloured).
// Whitespace is made visible (· for spaces, ↵ for newlines).
func TokenHTML(tokens, regions []string) (string, error) {
	if len(tokens) != len(regions) {
		return "", fmt.Errorf("display: %d tokens but %d regions", len(tokens), len(regions))
	}
	color := map[string]string{}
	var order []string
	for _, r := range regions {
		if _, ok := color[r]; !ok && r != "" {
			color[r] = regionColors[len(order)%len(regionColors)]
			order = append(order, r)
		}
	}
	var b strings.Builder
	b.WriteString(`<div class="rim-tokens" style="font-family:monospace;font-size:12px;line-height:2.0">`)
	for _, r := range order {
		fmt.Fprintf(&b, `<span style="background:%s;padding:1px 6px;margin-right:6px;border-radius:3px">%s</span>`, color[r], html.EscapeString(r))
	}
	b.WriteString("<br>")
	for i, t := range tokens {
		vis := strings.NewReplacer(" ", "·", "\n", "↵", "\t", "→").Replace(t)
		bg := "transparent"
		if c, ok := color[regions[i]]; ok {
			bg = c
		}
		fmt.Fprintf(&b, `<span title="%d %s" style="background:%s;border:1px solid #bbb;border-radius:2px;padding:0 1px;margin:0 1px">%s</span>`,
			i, html.EscapeString(regions[i]), bg, html.EscapeString(vis))
		if strings.Contains(t, "\n") {
			b.WriteString("<br>")
		}
	}
	b.WriteString("</div>")
	return b.String(), nil
}
