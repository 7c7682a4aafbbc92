package display

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/tokenize"
)

func TestChatRegionsOnTinyQwen3(t *testing.T) {
	dir := "../../testdata/model/tiny-qwen3" // rim/internal/testpaths is not importable from kernel/
	tok, err := tokenize.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := chat.LoadTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, think := range []bool{true, false} {
		e, err := tp.Encode(chat.Wrap(tok), chat.User("How do I bake bread?"),
			chat.Options{AddGenerationPrompt: true, EnableThinking: chat.Bool(think)})
		if err != nil {
			t.Fatal(err)
		}
		labels := ChatRegions(e)
		joined := strings.Join(labels, ",")
		for _, want := range []string{"user", "position user_end", "position header_start", "position role"} {
			if !strings.Contains(joined, want) {
				t.Errorf("think=%v: labels lack %q: %v", think, want, labels)
			}
		}
		if p, ok := e.Pos(chat.PosUserEnd); !ok || labels[p] != "position user_end" {
			t.Errorf("think=%v: user_end position not labelled (%d, %v)", think, p, ok)
		}
		if !think && !strings.Contains(joined, "think") {
			t.Errorf("no-think rendering lacks its empty think block: %v", labels)
		}
		toks := make([]string, len(e.IDs))
		for i, id := range e.IDs {
			toks[i], _ = tok.Decode([]int{id}, false)
		}
		h, err := ChatHTML(e, toks)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(h, "&lt;|im_start|&gt;") || !strings.Contains(h, "read") {
			t.Errorf("chat html lacks tokens: %s", h)
		}
		if _, err := ChatHTML(e, toks[1:]); err == nil {
			t.Error("token count mismatch accepted")
		}
	}
}

func TestOrExit(t *testing.T) {
	code := -1
	exit = func(c int) { code = c }
	defer func() { exit = os.Exit }()
	if v := OrExit(3, nil); v != 3 || code != -1 {
		t.Fatalf("OrExit(3, nil) = %d, exit %d", v, code)
	}
	OrExit(0, errors.New("rim: /no/such/model: no such file or directory"))
	if code != 1 {
		t.Fatalf("OrExit with error: exit code %d, want 1", code)
	}
	code = -1
	ShowOrExit(nil, errors.New("plot: no points"))
	if code != 1 {
		t.Fatalf("ShowOrExit with error: exit code %d, want 1", code)
	}
}
