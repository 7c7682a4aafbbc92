package experiment

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/internal/testpaths"
)

// Over RIM_MODELS an item has a row per model with its own result's numbers, the paper's row for a model of a
// paper name, the mean over the models and the paper's mean over its own models (computed from its table).
func TestAcross(t *testing.T) {
	s := demoSettings(t)
	tiny := testpaths.TestData(t, "model", "tiny-qwen3")
	named := filepath.Join(t.TempDir(), "Qwen3-4B") // a model dir of a paper name
	if err := os.Symlink(tiny, named); err != nil {
		t.Fatal(err)
	}
	s.Models = []string{tiny, named}
	s.SFT.Samples, s.SFT.Steps, s.SFT.Batch = 4, 2, 2
	r, err := Table2Across(s, Table2Options{Samples: 3})
	if err != nil {
		t.Fatal(err)
	}
	one, err := Table2(s.WithModel(tiny), Table2Options{Samples: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 2 || r.Rows[0].Values[0] != one.DeltaMRate() || r.Rows[0].Paper != nil || r.Rows[1].Paper == nil || (*r.Rows[1].Paper)[0] != paper.Table2.Dense["Qwen3-4B"][2] {
		t.Fatalf("rows %+v", r.Rows)
	}
	if want := (r.Rows[0].Values[1] + r.Rows[1].Values[1]) / 2; math.Abs(r.Mean[1]-want) > 1e-12 || math.Abs(r.PaperMean[0]-6.505) > 1e-9 || r.Source != "measured on tiny-qwen3, Qwen3-4B" {
		t.Fatalf("mean %v, paper mean %v, source %q", r.Mean, r.PaperMean, r.Source)
	}
	if rd := r.Reading(); !strings.Contains(rd, "Over 2 models") || !strings.Contains(rd, "printed +6.51") || !strings.Contains(rd, "in the direction of the paper's mean") {
		t.Errorf("reading %q", rd)
	}
	f6, err := Fig6Across(s, Fig6Options{Samples: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(f6.Rows) != 2 || len(f6.Mean) != 4 || f6.PaperPrinted[0] != 13.26 || math.Abs(f6.PaperMean[0]-13.2625) > 1e-9 {
		t.Errorf("Fig 6 over models: %+v", f6)
	}
	f2, err := Fig2Across(s, Fig2Options{Samples: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(f2.Mean) != 6 || f2.Rows[1].Paper == nil || (*f2.Rows[1].Paper)[0] != paper.TablesA2A4[1][0] || f2.PaperPrinted[1] != paper.Fig2[1] || strings.Contains(f2.Reading(), "direction") {
		t.Errorf("Fig 2 over models: %+v, reading %q", f2, f2.Reading())
	}
}
