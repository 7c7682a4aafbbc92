package jinja

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// BenchmarkQwen3Template renders Qwen3's template for a one-turn prompt.
func BenchmarkQwen3Template(b *testing.B) {
	src, err := os.ReadFile(filepath.Join(filepath.Dir(testpaths.TestData(b, "chat", "jinja", "cases.jsonl")), "qwen3.jinja"))
	if err != nil {
		b.Fatal(err)
	}
	tp, err := Parse(string(src))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msgs, _ := FromJSON([]byte(`[{"role": "user", "content": "Janet's ducks lay 16 eggs per day. How much does she make?"}]`))
		if _, err := tp.Render(map[string]any{"messages": msgs, "add_generation_prompt": true, "enable_thinking": false, "tools": nil}); err != nil {
			b.Fatal(err)
		}
	}
}
