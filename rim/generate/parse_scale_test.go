package generate

import (
	"strings"
	"testing"
)

func TestScopedInterventionsNeedScale(t *testing.T) {
	_, err := ParseInterventions([]byte(`[{"site":"blocks.0.hook_resid_post","kind":"add","vector":[1],"scope":"think"}]`))
	if err == nil || !strings.Contains(err.Error(), `"scale" is required`) {
		t.Fatalf("missing scale accepted: %v", err)
	}
	if _, err := ParseInterventions([]byte(`[{"site":"blocks.0.hook_resid_post","kind":"add","vector":[1],"scale":2,"scope":"think"}]`)); err != nil {
		t.Fatal(err)
	}
}
