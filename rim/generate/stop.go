package generate

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// FinishReason says why a row stopped, with OpenAI's spelling.
type FinishReason string

const (
	// FinishStop: an EOS id was generated or a stop string appeared.
	FinishStop FinishReason = "stop"
	// FinishLength: max new tokens or the model's context was reached.
	FinishLength FinishReason = "length"
)

// validateStops rejects empty stop strings (they would match everywhere).
func validateStops(stops []string) error {
	for i, s := range stops {
		if s == "" {
			return fmt.Errorf("generate: stop string %d is empty", i)
		}
		if !utf8.ValidString(s) {
			return fmt.Errorf("generate: stop string %d (%q) is not valid utf-8", i, s)
		}
	}
	return nil
}

// findStop returns the byte index of the earliest occurrence of any stop
// string in text at or after from (a stop string may start before from and
// end after it: text grows token by token, so only the last maxLen-1 bytes
// before the new text need another look), and which one matched.
func findStop(text string, stops []string, from int) (at int, stop string) {
	at = -1
	for _, s := range stops {
		lo := max(from-len(s)+1, 0)
		if i := strings.Index(text[lo:], s); i >= 0 && (at < 0 || lo+i < at) {
			at, stop = lo+i, s
		}
	}
	return at, stop
}

// stableLen returns how much of text can be shown to a streaming client:
// it holds back a trailing U+FFFD (a multi-byte character whose other
// tokens have not come yet) and the longest suffix that is a proper prefix
// of one of holds (a stop string or a think tag that may be completing).
func stableLen(text string, holds []string) int {
	n := len(text)
	for strings.HasSuffix(text[:n], "\uFFFD") {
		n -= len("\uFFFD")
	}
	keep := n
	for _, h := range holds {
		for l := min(len(h)-1, n); l > 0; l-- {
			if strings.HasSuffix(text[:n], h[:l]) {
				keep = min(keep, n-l)
				break
			}
		}
	}
	return keep
}
