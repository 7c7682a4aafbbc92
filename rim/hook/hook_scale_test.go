package hook

import (
	"strings"
	"testing"
)

// A steering or scaling intervention read from JSON must say its scale:
// Go's zero value would make "add" a silent no-op and "scale" zero the site.
func TestAddAndScaleNeedScale(t *testing.T) {
	for _, in := range []string{
		`[{"site":"blocks.0.hook_resid_post","kind":"add","vector":[1,2]}]`,
		`[{"site":"blocks.0.hook_resid_post","kind":"scale"}]`,
	} {
		if _, err := ParseInterventions([]byte(in)); err == nil || !strings.Contains(err.Error(), `"scale" is required`) {
			t.Errorf("%s: %v", in, err)
		}
	}
	ivs, err := ParseInterventions([]byte(`[{"site":"blocks.0.hook_resid_post","kind":"scale","scale":0}]`))
	if err != nil || len(ivs) != 1 {
		t.Fatalf("explicit scale 0: %v %v", ivs, err)
	}
	if s := ivs[0].String(); !strings.Contains(s, `"scale":0`) {
		t.Errorf("explicit scale 0 not printed: %s", s)
	}
	if s := ZeroHeads(1, 2).String(); strings.Contains(s, "scale") {
		t.Errorf("zero ablation prints a scale: %s", s)
	}
}
