package chat

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

func gsm8kQuestions(b *testing.B) []string {
	f, err := os.Open(testpaths.Shared(b, "data", "gsm8k", "test.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r struct{ Question string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			b.Fatal(err)
		}
		qs = append(qs, r.Question)
	}
	return qs
}

// BenchmarkQwen3PromptsGSM8K renders and tokenises the 1,319 GSM8K test
// questions as Qwen3 no-think prompts with regions (one op = all of them).
func BenchmarkQwen3PromptsGSM8K(b *testing.B) {
	qs := gsm8kQuestions(b)
	dir := testpaths.Shared(b, "fixtures", "tokenizers", "qwen3")
	tp, err := LoadTemplate(dir)
	if err != nil {
		b.Fatal(err)
	}
	tk := loadTokenizerB(b, dir)
	opt := Options{AddGenerationPrompt: true, EnableThinking: Bool(false)}
	b.ResetTimer()
	tokens := 0
	for i := 0; i < b.N; i++ {
		tokens = 0
		for _, q := range qs {
			e, err := tp.Encode(tk, User(q), opt)
			if err != nil {
				b.Fatal(err)
			}
			tokens += len(e.IDs)
		}
	}
	b.ReportMetric(float64(len(qs)*b.N)/b.Elapsed().Seconds(), "prompts/s")
	b.ReportMetric(float64(tokens*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkQwen3Render is rendering alone (no tokenizer).
func BenchmarkQwen3Render(b *testing.B) {
	qs := gsm8kQuestions(b)
	tp, _ := ForFamily(Qwen3, "", "<|im_end|>")
	opt := Options{AddGenerationPrompt: true, EnableThinking: Bool(false)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, q := range qs {
			if _, err := tp.Render(User(q), opt); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(qs)*b.N)/b.Elapsed().Seconds(), "prompts/s")
}
