package experiment

import (
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// A template without a think mode (Llama 3's): Fig 2's think placement and Fig 4b (so Fig 5) stop with one
// sentence saying so before any model work, Fig 4a falls back to L0-H0 saying why, and Fig 3b's think panels
// are the regions it lacks. Qwen3's template has them all.
func TestNoThinkModeTemplate(t *testing.T) {
	root := testpaths.Root(t)
	llama := Settings{Root: root, Tokenizer: testpaths.Shared(t, "fixtures", "tokenizers", "llama3"), Prefill: "think"}
	qwen := Settings{Root: root, Tokenizer: testpaths.TestData(t, "kernel", "tiny-qwen3-tokenizer"), Prefill: "think"}
	for _, c := range []struct {
		s     Settings
		think bool
	}{{llama, false}, {qwen, true}} {
		got, err := c.s.hasThinkMode()
		if err != nil || got != c.think {
			t.Errorf("%s: hasThinkMode %v, %v; want %v", c.s.Tokenizer, got, err, c.think)
		}
		have, lack, err := c.s.renderedRegions(false, Fig3Regions)
		if err != nil {
			t.Fatal(err)
		}
		if wantLack := map[bool]int{true: 0, false: 3}[c.think]; len(lack) != wantLack || len(have) != len(Fig3Regions)-wantLack {
			t.Errorf("%s: Fig 3 regions rendered %v, lacking %v; want %d lacking", c.s.Tokenizer, have, lack, wantLack)
		}
	}
	if err := qwen.needThinkSpan("Fig 4b"); err != nil {
		t.Errorf("Qwen3 template: %v", err)
	}
	if _, err := Fig2(llama, Fig2Options{}); err == nil || !strings.Contains(err.Error(), "chat template of llama3 has no think mode: set RIM_PREFILL=inst") {
		t.Errorf("Fig2 think placement on Llama 3: %v", err)
	}
	if _, err := Fig4b(llama, Fig4Options{}); err == nil || !strings.Contains(err.Error(), "Fig 4b (and Fig 5) reads the empty think span") ||
		!strings.Contains(err.Error(), "chat template of llama3 renders none: it has no think mode") {
		t.Errorf("Fig4b on Llama 3: %v", err)
	}
	if _, err := Fig5(llama, Fig4Options{}); err == nil || !strings.Contains(err.Error(), "it has no think mode") {
		t.Errorf("Fig5 on Llama 3: %v", err)
	}
	h, why, err := llama.fig4aHead(Fig4aOptions{})
	if err != nil || h.Layer != 0 || h.Head != 0 || !strings.Contains(why, "no think mode") {
		t.Errorf("Fig 4a head on Llama 3: %v %q %v", h, why, err)
	}
}
