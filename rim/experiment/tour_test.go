package experiment

import (
	"testing"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
)

// The tour's steps on the tiny model: a pattern row sums to 1, zeroing a head moves the logits and changes
// the layers' norms after it, TopK is ordered.
func TestTourSteps(t *testing.T) {
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	tok, e, err := EncodeChat(dir, "How do I bake bread?", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := TokenTexts(tok, e.IDs[:1]); got[0] == "" {
		t.Fatalf("token text %q", got)
	}
	m := model.MustLoad(dir)
	defer m.Close()
	res, err := m.Forward(model.Input{InputIDs: [][]int{e.IDs}}, model.Capture(hook.Pattern(0)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := HeadPattern(res, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, v := range p[len(p)-1] {
		sum += v
	}
	if len(p) != len(e.IDs) || sum < 0.999 || sum > 1.001 {
		t.Fatalf("pattern %d rows, last row sums to %g", len(p), sum)
	}
	if _, err := HeadPattern(res, 0, 99); err == nil {
		t.Fatal("head 99 accepted")
	}
	sh, err := ShiftLogits(m, e.IDs, 3, hook.ZeroHeads(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(sh.Base) != 3 || sh.Base[0].Logit < sh.Base[2].Logit || sh.MaxDelta[len(sh.MaxDelta)-1] == 0 {
		t.Fatalf("shift %+v", sh)
	}
	pos := e.Positions[chat.PosUserEnd]
	base, err := ResidNorms(m, e.IDs, pos)
	if err != nil {
		t.Fatal(err)
	}
	abl, err := ResidNorms(m, e.IDs, pos, hook.ZeroHeads(0, 1))
	if err != nil || len(base) != m.Config.NumLayers || base[0] == abl[0] {
		t.Fatalf("norms %v vs %v (%v)", base, abl, err)
	}
}
