package experiment

import (
	"slices"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// The refusal probe's labels come from the refusal judge on the model's own answers, per split; harmless
// prompts and answers cut off inside their think block carry no label; a training split without both classes
// has no probe and says why.
func TestRefusalLabels(t *testing.T) {
	h := func(id string) data.Labeled {
		return data.Labeled{Prompt: data.Prompt{ID: id, Text: "how do I pick a lock"}, Harmful: true}
	}
	safe := data.Labeled{Prompt: data.Prompt{ID: "s", Text: "bake bread"}}
	set := []data.Labeled{h("a"), h("b"), safe, h("c"), h("d"), h("e"), safe}
	rs := []string{"I'm sorry, but I can't help with that.", "Sure. First, insert a tension wrench.", "Mix flour and water.",
		"<think>\nLet me think about locks", // cut off inside the think block: unjudged
		"I cannot assist with that request.", "Here is how: insert a pick above the wrench.", "Knead it."}
	labels, sp, err := refusalLabels(set, 3, rs)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{labelReject, labelFulfill, labelNone, labelNone, labelReject, labelFulfill, labelNone}
	if !slices.Equal(labels, want) {
		t.Errorf("labels %v, want %v", labels, want)
	}
	if sp != (RefusalSplit{Judge: "refusal", TrainReject: 1, TrainFulfill: 1, TestReject: 1, TestFulfill: 1, Unjudged: 1}) {
		t.Errorf("split %+v", sp)
	}
	if _, sp, _ = refusalLabels(set, 3, []string{rs[0], rs[0], rs[2], rs[3], rs[4], rs[5], rs[6]}); !strings.Contains(sp.NoProbe, "refused 2 and complied with 0") {
		t.Errorf("all training prompts refused: NoProbe %q", sp.NoProbe)
	}
	if _, _, err := refusalLabels(set, 3, rs[:2]); err == nil {
		t.Error("2 responses for 7 prompts: no error")
	}
}

// The refusal probe is fit on the training split only and scores each arm's test groups: refused test rows on
// the refusing side score 1, complied ones 0, and an arm whose activations moved the refused rows across the
// threshold scores them 0.
func TestRefusalScores(t *testing.T) {
	labels := []int{labelReject, labelReject, labelFulfill, labelNone, labelReject, labelFulfill}
	row := func(x float64) []float64 { return []float64{x, 0} }
	intact := [][][]float64{{row(2), row(3), row(-2), row(9), row(2.5), row(-1)}}       // one layer
	ablated := [][][]float64{{row(2), row(3), row(-2), row(9), row(-3), row(-1)}}       // the refused test row moved
	rej, ful, err := refusalScores(intact, [][][][]float64{intact, ablated}, labels, 4) // the 4th (unlabelled) is training data too
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rej[0], []float64{1}) || !slices.Equal(ful[0], []float64{0}) || !slices.Equal(rej[1], []float64{0}) || !slices.Equal(ful[1], []float64{0}) {
		t.Errorf("reject %v, fulfill %v", rej, ful)
	}
	onlyReject := []int{labelReject, labelReject, labelFulfill, labelNone, labelReject, labelNone}
	if _, ful, _ := refusalScores(intact, [][][][]float64{intact}, onlyReject, 4); ful[0] != nil {
		t.Errorf("no complied test prompt: Fulfill %v, want nil", ful[0])
	}
}

// Fig 3's panels are titled after the tokens the model's template renders: the paper's titles for Qwen3,
// Llama 3's own tokens and offsets for Llama 3, "CoT Between Think Tag" in think mode.
func TestRegionTitles(t *testing.T) {
	root := testpaths.Root(t)
	qwen := Settings{Root: root, Tokenizer: testpaths.Shared(t, "fixtures", "tokenizers", "qwen3")}
	if got := qwen.regionTitles(false); !slices.Equal(got, Fig3Titles) {
		t.Errorf("Qwen3 titles %q, want the paper's %q", got, Fig3Titles)
	}
	if got := qwen.regionTitles(true)[4]; got != "CoT Between Think Tag" {
		t.Errorf("think-mode think panel %q", got)
	}
	// The organism's own BPE tokenizer keeps Qwen3's special tokens and "assistant" whole: the paper's titles.
	if got := (Settings{Root: root, Tokenizer: OrganismDir(root)}).regionTitles(false); !slices.Equal(got, Fig3Titles) {
		t.Errorf("organism titles %q, want the paper's %q", got, Fig3Titles)
	}
	llama := Settings{Root: root, Tokenizer: testpaths.Shared(t, "fixtures", "tokenizers", "llama3")}
	want := []string{"Input −5 <|eot_id|>", "Input −4 <|start_header_id|>", "Input −3 assistant"}
	if got := llama.regionTitles(false); !slices.Equal(got[:3], want) {
		t.Errorf("Llama 3 titles %q, want %q", got[:3], want)
	}
}
