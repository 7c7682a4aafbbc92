package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// The AdamW check uses the optimiser recorded in reference.json: claiming a
// different learning rate there must make param_after_adamw FAIL (so the
// line is read, not assumed), and the recorded one must pass.
func TestAdamWSettingsFromReferenceJSON(t *testing.T) {
	src := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen2")
	for _, tc := range []struct {
		optimizer string
		wantFail  bool
	}{
		{"torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01), one step", false},
		{"torch.optim.AdamW(lr=5e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01), one step", true},
	} {
		dir := t.TempDir()
		for _, f := range []string{"config.json", "model.safetensors", "reference.safetensors"} {
			if err := os.Symlink(filepath.Join(src, f), filepath.Join(dir, f)); err != nil {
				t.Fatal(err)
			}
		}
		js := `{"train": {"optimizer": "` + tc.optimizer + `"}}`
		if err := os.WriteFile(filepath.Join(dir, "reference.json"), []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		rep, err := Run(dir, &sb, Options{Only: []string{"train.param_after_adamw"}})
		if err != nil {
			t.Fatal(err)
		}
		if failed := rep.Failed > 0; failed != tc.wantFail {
			t.Fatalf("%s: failed=%v, want %v\n%s", tc.optimizer, failed, tc.wantFail, sb.String())
		}
	}
	if _, err := adamWSettings(t.TempDir()); err != nil {
		t.Fatalf("no reference.json must mean torch defaults: %v", err)
	}
}
