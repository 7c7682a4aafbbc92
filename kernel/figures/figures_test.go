package figures

import (
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/experiment"
)

// The paper-data items draw their tables and figures; the figures carry the source line.
func TestDrawPaperData(t *testing.T) {
	f8, err := experiment.Fig8()
	if err != nil {
		t.Fatal(err)
	}
	t3, err := experiment.Table3()
	if err != nil {
		t.Fatal(err)
	}
	f7, err := experiment.Fig7()
	if err != nil {
		t.Fatal(err)
	}
	a7, err := experiment.TableA7()
	if err != nil {
		t.Fatal(err)
	}
	f1, err := experiment.Fig1(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Reader{f8, t3, f7, a7, f1} {
		d, err := Draw(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Tables) == 0 || len(d.Figures) == 0 || !strings.HasSuffix(d.Figures[0].Title(), "— paper data") {
			t.Fatalf("%T: %d tables, %d figures", r, len(d.Tables), len(d.Figures))
		}
		if _, err := d.Figures[0].SVG(); err != nil {
			t.Fatal(err)
		}
	}
}

type unknown struct{}

func (unknown) Reading() string { return "" }

func TestDrawUnknown(t *testing.T) {
	if _, err := Draw(unknown{}); err == nil || !strings.Contains(err.Error(), "figures.unknown") {
		t.Fatalf("err %v", err)
	}
}
