package chat

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// tokenizerFor names the fixture tokenizer whose vocabulary matches a
// template ("" when none does: Phi, OLMo).
func tokenizerFor(template string) string {
	switch {
	case strings.HasPrefix(template, "qwen3"):
		return "qwen3"
	case strings.HasPrefix(template, "llama3"):
		return "llama3"
	case strings.Contains(template, "llama2"), strings.Contains(template, "mistral"), strings.Contains(template, "mixtral"):
		return "mistral"
	}
	return ""
}

// checkInvariants checks what every rendering must satisfy: regions inside
// the text, in order and disjoint (the prefill aside), message regions
// holding (possibly trimmed) message content, marks inside the text, and
// marks of the final turn naming the expected text.
func checkInvariants(t *testing.T, id string, msgs []Message, r *Rendered) {
	t.Helper()
	prev := 0
	for _, g := range r.Regions {
		if g.Start < 0 || g.End > len(r.Text) || g.Start > g.End {
			t.Errorf("%s: region %v outside text of %d bytes", id, g, len(r.Text))
			return
		}
		if g.Kind == KindPrefill {
			continue
		}
		if g.Start < prev {
			t.Errorf("%s: region %v overlaps the previous one (ends %d)", id, g, prev)
		}
		prev = g.End
		txt := r.Slice(g)
		if g.Turn < 0 || g.Turn > len(msgs) {
			t.Errorf("%s: region %v has turn out of range", id, g)
			continue
		}
		if g.Turn == len(msgs) {
			continue
		}
		m := msgs[g.Turn]
		switch g.Kind {
		case KindUser, KindSystem, KindTool:
			if !strings.Contains(m.Content, txt) || pyStrip(txt) != pyStrip(m.Content) {
				t.Errorf("%s: %s region %q is not message %d's content %q", id, g.Kind, txt, g.Turn, m.Content)
			}
		case KindAnswer:
			if !strings.Contains(m.Content, txt) {
				t.Errorf("%s: answer region %q not in message %d's content %q", id, txt, g.Turn, m.Content)
			}
		case KindThinkOpen:
			if txt != "<think>" {
				t.Errorf("%s: think_open region %q", id, txt)
			}
		case KindThinkEnd:
			if txt != "</think>" {
				t.Errorf("%s: think_close region %q", id, txt)
			}
		}
	}
	for name, m := range r.Marks {
		if m.Start < 0 || m.End > len(r.Text) || m.Start >= m.End {
			t.Errorf("%s: mark %s %v outside text", id, name, m)
			continue
		}
		txt := r.Text[m.Start:m.End]
		switch name {
		case PosThinkOpen:
			if txt != "<think>" {
				t.Errorf("%s: think_open mark %q", id, txt)
			}
		case PosThinkClose:
			if txt != "</think>" {
				t.Errorf("%s: think_close mark %q", id, txt)
			}
		}
	}
	if r.FinalTurn >= 0 && !(r.Approx && r.FinalTurn < len(msgs)) {
		if _, ok := r.Final(KindHeader); !ok {
			t.Errorf("%s: final turn %d has no header", id, r.FinalTurn)
		}
		if _, ok := r.Marks[PosHeaderStart]; !ok {
			t.Errorf("%s: final turn %d has no header_start mark", id, r.FinalTurn)
		}
	}
}

// checkTokenInvariants checks that spans are inside the ids, and that each
// position's token covers its mark.
func checkTokenInvariants(t *testing.T, id string, r *Rendered, e *Encoded) {
	t.Helper()
	for _, s := range e.Spans {
		if s.Start < 0 || s.End > len(e.IDs) || s.Start > s.End {
			t.Errorf("%s: span %v outside %d ids", id, s, len(e.IDs))
		}
	}
	for name, m := range r.Marks {
		p, ok := e.Positions[name]
		if !ok {
			t.Errorf("%s: position %s missing", id, name)
			continue
		}
		o := e.Offsets[p]
		if o.End <= m.Start || o.Start >= m.End {
			t.Errorf("%s: position %s token %d bytes %v does not overlap mark %v", id, name, p, o, m)
		}
	}
}

func TestInvariantsAllCases(t *testing.T) {
	type src struct{ path, dir string }
	var files []src
	for _, fam := range fixtureFamilies {
		d := testpaths.Shared(t, "fixtures", "tokenizers", fam)
		files = append(files, src{filepath.Join(d, "chat.jsonl"), d})
	}
	gen := testpaths.TestData(t, "chat", "jinja", "cases.jsonl")
	files = append(files, src{gen, filepath.Dir(gen)})
	n := 0
	for _, f := range files {
		cases, err := ReadCases(f.path)
		if err != nil {
			t.Fatal(err)
		}
		for i := range cases {
			c := &cases[i]
			if c.Rendered == nil {
				continue
			}
			tp, err := CaseTemplate(c, filepath.Dir(f.path), f.dir)
			if err != nil {
				t.Fatal(err)
			}
			opt, err := c.Options()
			if err != nil {
				t.Fatal(err)
			}
			msgs, err := c.Conversation()
			if err != nil {
				t.Fatal(err)
			}
			r, err := tp.Render(msgs, opt)
			if err != nil {
				t.Fatalf("%s: %v", c.ID, err)
			}
			checkInvariants(t, c.ID, msgs, r)
			fam := tokenizerFor(c.Template)
			if f.dir != filepath.Dir(gen) {
				fam = filepath.Base(f.dir)
			}
			if fam == "" {
				continue
			}
			tk, _ := fixtureTokenizer(t, fam)
			e, err := Encode(Wrap(tk), r)
			if err != nil {
				t.Errorf("%s: %v", c.ID, err)
				continue
			}
			checkTokenInvariants(t, c.ID, r, e)
			n++
		}
	}
	t.Logf("%d renderings checked at token level", n)
}
