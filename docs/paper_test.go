// Package docs holds rim's documentation; this test keeps its citations
// honest: the repository cites its own docs/paper.md, never notes or guides
// that live outside it, and every `docs/paper.md §N` names a real section.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outsideCitation matches citations of files that are not in the repository
// (the paper notes and the design guide beside the checkout). Spelled with
// classes so that this file does not match itself.
var outsideCitation = regexp.MustCompile(`(?i)notes[.]md|shared/pape[r]|GUID[E](\.md| §)`)

// paperCitation matches `docs/paper.md §N` (with or without backquotes).
var paperCitation = regexp.MustCompile("docs/paper[.]md`? §([0-9]+(?:[.][0-9]+)*)")

// knownOutside lists files that may still cite outside notes, each with the
// reason; keep it empty.
var knownOutside = map[string]string{}

// repoFiles returns the .go, .md and .ipynb files of the repository, relative
// to its root.
func repoFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "vendor":
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(p) {
		case ".go", ".md", ".ipynb":
			rel, err := filepath.Rel("..", p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("found only %d files under the repository root", len(out))
	}
	return out
}

// sections returns the section numbers docs/paper.md defines: its headings
// ("## §6 …", "### §6.1 …") and the numbered rows of its tables ("| 11.12 |").
func sections(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("paper.md")
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile(`(?m)^#{2,4} §([0-9]+(?:[.][0-9]+)*) `)
	row := regexp.MustCompile(`(?m)^\| ([0-9]+[.][0-9]+) \|`)
	anchor := regexp.MustCompile(`(?m)^<a id="s([0-9.]+)"></a>\n#{2,4} §([0-9.]+) `)
	out := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = true
	}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = true
	}
	anchored := map[string]bool{}
	for _, m := range anchor.FindAllStringSubmatch(string(b), -1) {
		if m[1] != m[2] {
			t.Errorf("docs/paper.md: anchor s%s on section §%s", m[1], m[2])
		}
		anchored[m[2]] = true
	}
	for _, m := range heading.FindAllStringSubmatch(string(b), -1) {
		if !anchored[m[1]] {
			t.Errorf("docs/paper.md: section §%s has no <a id=\"s%s\"></a> anchor", m[1], m[1])
		}
	}
	return out
}

func TestNoOutsideCitations(t *testing.T) {
	for _, f := range repoFiles(t) {
		if f == "docs/paper_test.go" {
			continue
		}
		b, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if outsideCitation.MatchString(line) {
				if _, ok := knownOutside[f]; ok {
					continue
				}
				t.Errorf("%s:%d cites notes outside the repository (cite docs/paper.md §N or another docs/ file): %s",
					f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

func TestPaperCitationsExist(t *testing.T) {
	secs := sections(t)
	for _, want := range []string{"0", "4.3", "5.3", "6.1", "6.2", "6.3", "7.1", "8.1", "8.4", "11.12", "12"} {
		if !secs[want] {
			t.Errorf("docs/paper.md lacks §%s (cited across the repository)", want)
		}
	}
	for _, f := range repoFiles(t) {
		b, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range paperCitation.FindAllStringSubmatch(line, -1) {
				if !secs[m[1]] {
					t.Errorf("%s:%d cites docs/paper.md §%s, which does not exist", f, i+1, m[1])
				}
			}
		}
	}
}
