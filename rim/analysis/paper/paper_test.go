package paper

import "testing"

func TestShapes(t *testing.T) {
	if len(Fig8) != 8 || len(Fig6) != len(AllModels) || len(TablesA2A4) != len(PatternModels) || len(Fig4b) != 39 {
		t.Fatalf("table sizes: fig8 %d fig6 %d A2–A4 %d fig4b %d", len(Fig8), len(Fig6), len(TablesA2A4), len(Fig4b))
	}
	for _, m := range DenseModels {
		if _, ok := Table3P[m]; !ok {
			t.Errorf("Table3P lacks %s", m)
		}
		if _, ok := Fig7[m]; !ok {
			t.Errorf("Fig7 lacks %s", m)
		}
	}
	seen := map[string]bool{}
	for i, h := range Fig4b {
		if seen[h.Name] {
			t.Errorf("Fig4b lists %s twice", h.Name)
		}
		seen[h.Name] = true
		if i > 0 && h.Count > Fig4b[i-1].Count {
			t.Errorf("Fig4b not sorted at %s", h.Name)
		}
	}
}
