package respond

import (
	"testing"

	"github.com/rimlab/rim/rim/generate"
)

func TestAssemble(t *testing.T) {
	for _, c := range []struct {
		prefill string
		o       generate.Output
		want    string
	}{
		{"", generate.Output{Thinking: "reason", Answer: "42", ThinkClosed: true}, "<think>\nreason\n</think>\n\n42"},
		{"", generate.Output{Thinking: "cut off", Text: "<think>cut off"}, "<think>\ncut off"},
		{"", generate.Output{Answer: "no think", Text: "no think"}, "no think"},
		{"<think>\nI will verify.", generate.Output{Thinking: " Then 4.", Answer: "4", ThinkClosed: true}, "<think>\nI will verify. Then 4.\n</think>\n\n4"},
		{"<think>\nI will verify.", generate.Output{Thinking: " still", Text: " still"}, "<think>\nI will verify. still"},
		{"I will copy.", generate.Output{Answer: " Sure.", Text: " Sure."}, "I will copy. Sure."},
	} {
		if got := Assemble(c.prefill, c.o); got != c.want {
			t.Errorf("Assemble(%q, %+v) = %q, want %q", c.prefill, c.o, got, c.want)
		}
	}
}
