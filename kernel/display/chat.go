package display

import (
	"fmt"

	"github.com/rimlab/rim/rim/chat"
)

// ChatRegions labels every token of an encoded conversation with the region
// the paper indexes it by (rim/chat, docs/paper.md §4.3/§6): a named position
// ("user_end", "header_start", "role", "think_open", "think_close") wins over
// the first span that contains the token (system, user, assistant_header,
// think_open, think, think_close, answer, turn_end, prefill); template text
// outside every span gets "" (shown uncoloured).
func ChatRegions(e *chat.Encoded) []string {
	labels := make([]string, len(e.IDs))
	done := make([]bool, len(e.IDs))
	for _, s := range e.Spans {
		for i := max(s.Start, 0); i < min(s.End, len(labels)); i++ {
			if !done[i] {
				labels[i], done[i] = string(s.Kind), true
			}
		}
	}
	for name, p := range e.Positions {
		if p >= 0 && p < len(labels) {
			labels[p] = "position " + name
		}
	}
	return labels
}

// ChatHTML renders an encoded conversation token by token, coloured by
// ChatRegions. tokens[i] is the text of token i (e.g. from the tokenizer's
// Decode of the single id).
func ChatHTML(e *chat.Encoded, tokens []string) (string, error) {
	if len(tokens) != len(e.IDs) {
		return "", fmt.Errorf("display: %d token texts for %d token ids", len(tokens), len(e.IDs))
	}
	return TokenHTML(tokens, ChatRegions(e))
}
