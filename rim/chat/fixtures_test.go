package chat

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

var fixtureFamilies = []string{"qwen3", "llama3", "mistral"}

// TestFixtureRenderings renders every chat.jsonl record of the three
// reference tokenizers and compares the text (or the template's error).
func TestFixtureRenderings(t *testing.T) {
	for _, fam := range fixtureFamilies {
		dir := testpaths.Shared(t, "fixtures", "tokenizers", fam)
		cases, err := ReadCases(filepath.Join(dir, "chat.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) == 0 {
			t.Fatalf("%s: no cases", fam)
		}
		for i := range cases {
			c := &cases[i]
			t.Run(fam+"/"+c.ID, func(t *testing.T) {
				for _, p := range CheckCase(nil, c, dir, dir) {
					t.Error(p)
				}
			})
		}
	}
}

// checkHandWritten renders a case with the family's hand-written renderer
// alone (no interpreter cross-check) and compares it with the reference, so
// that the cross-check cannot hide a renderer bug.
func checkHandWritten(t *testing.T, c *Case, dir string) {
	t.Helper()
	tp, err := CaseTemplate(c, dir, dir)
	if err != nil {
		t.Fatal(err)
	}
	if tp.Family == Generic {
		t.Errorf("%s: template %s not recognised", c.ID, c.Template)
		return
	}
	opt, err := c.Options()
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Conversation()
	if err != nil {
		t.Fatal(err)
	}
	r, err := tp.renderKnown(msgs, opt)
	var te *TemplateError
	switch {
	case c.Error != nil:
		if !errors.As(err, &te) || te.Message != *c.Error {
			t.Errorf("%s: hand-written: want error %q, got %v", c.ID, *c.Error, err)
		}
	case err != nil:
		t.Errorf("%s: hand-written: %v", c.ID, err)
	case r.Text != *c.Rendered:
		t.Errorf("%s: hand-written text differs\n got %q\nwant %q", c.ID, r.Text, *c.Rendered)
	default:
		full, err := tp.Render(msgs, opt)
		if err != nil || full.Approx {
			t.Errorf("%s: Render fell back to the interpreter (err %v)", c.ID, err)
		}
	}
}

func TestHandWrittenRenderers(t *testing.T) {
	var files [][2]string
	for _, fam := range fixtureFamilies {
		d := testpaths.Shared(t, "fixtures", "tokenizers", fam)
		files = append(files, [2]string{filepath.Join(d, "chat.jsonl"), d})
	}
	gen := testpaths.TestData(t, "chat", "jinja", "cases.jsonl")
	files = append(files, [2]string{gen, filepath.Dir(gen)})
	n := 0
	for _, f := range files {
		cases, err := ReadCases(f[0])
		if err != nil {
			t.Fatal(err)
		}
		for i := range cases {
			checkHandWritten(t, &cases[i], f[1])
			n++
		}
	}
	t.Logf("%d cases through the hand-written renderers", n)
}
