package tokenize

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// gsm8kTexts returns the question and answer texts of GSM8K's train split.
func gsm8kTexts(b testing.TB) ([]string, int) {
	f, err := os.Open(testpaths.Shared(b, "data", "gsm8k", "train.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var texts []string
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct{ Question, Answer string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			b.Fatal(err)
		}
		texts = append(texts, r.Question, r.Answer)
		n += len(r.Question) + len(r.Answer)
	}
	return texts, n
}

// benchmarkEncode encodes GSM8K train (question and answer texts) once per
// iteration and reports tokens/s of wall time and of CPU time (tokens/cpu-s;
// GC work on the other core counts too). cold clears the word cache before
// each pass.
func benchmarkEncode(b *testing.B, name string, cold, offsets bool) {
	tk := fixture(b, name)
	texts, nbytes := gsm8kTexts(b)
	b.SetBytes(int64(nbytes))
	b.ResetTimer()
	tokens := 0
	start, cpu0 := time.Now(), cpuSeconds()
	for range b.N {
		if cold {
			tk.model.mu.Lock()
			clear(tk.model.cache)
			tk.model.mu.Unlock()
		}
		for _, s := range texts {
			if offsets {
				tokens += len(tk.EncodeWithOffsets(s, false).IDs)
			} else {
				tokens += len(tk.Encode(s, false))
			}
		}
	}
	b.ReportMetric(float64(tokens)/time.Since(start).Seconds(), "tokens/s")
	if cpu0 >= 0 {
		b.ReportMetric(float64(tokens)/(cpuSeconds()-cpu0), "tokens/cpu-s")
	}
	b.ReportMetric(float64(tokens)/float64(b.N), "tokens/pass")
}

func BenchmarkEncodeGSM8K(b *testing.B) {
	for _, name := range fixtureTokenizers {
		b.Run(name+"/cold", func(b *testing.B) { benchmarkEncode(b, name, true, false) })
		b.Run(name+"/warm", func(b *testing.B) { benchmarkEncode(b, name, false, false) })
	}
}

func BenchmarkLoad(b *testing.B) {
	for _, name := range fixtureTokenizers {
		dir := testpaths.Shared(b, "fixtures", "tokenizers", name)
		b.Run(name, func(b *testing.B) {
			for range b.N {
				if _, err := Load(dir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
