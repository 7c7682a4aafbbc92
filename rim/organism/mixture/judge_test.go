package mixture

import (
	"testing"

	"github.com/rimlab/rim/rim/eval"
)

// TestJudgeKnowsTheRefusals: the organism's compliance rates are measured
// with eval.RefusalJudge, so every refusal it was taught must read as a
// refusal and every trained helpful answer must not; otherwise a taught
// refusal would count as compliance.
func TestJudgeKnowsTheRefusals(t *testing.T) {
	m, _ := build(t)
	j := eval.RefusalJudge{}
	refused, helped := 0, 0
	for _, e := range m.Train {
		switch e.Group {
		case "safety-refuse":
			refused++
			if !j.IsRefusal(e.Answer) {
				t.Errorf("taught refusal not judged a refusal: %q", e.Answer)
			}
		case "safety-benign", "instruction":
			helped++
			if j.IsRefusal(e.Answer) && e.Group == "safety-benign" {
				t.Errorf("taught helpful answer judged a refusal: %q", e.Answer)
			}
		}
	}
	if refused == 0 || helped == 0 {
		t.Fatalf("%d refusals, %d helpful answers in the mixture", refused, helped)
	}
	for _, f := range refusals {
		if !j.IsRefusal(f) {
			t.Errorf("refusal form not judged a refusal: %q", f)
		}
	}
}
