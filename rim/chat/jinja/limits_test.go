package jinja

import (
	"strings"
	"testing"
	"time"
)

// hostileTemplates each used to exhaust memory, the stack or time (issue 15):
// the output limit counted only what a template prints, not the strings it
// builds. Each must now fail quickly with an error naming the limit.
var hostileTemplates = []struct{ name, src, want string }{
	{"repeat", `{% set s = "x" * 100000000000 %}`, "string * int would build a string of more than"},
	{"repeat-overflow", `{% set s = "xy" * 4611686018427387904 %}`, "would build a string of more than"},
	{"doubling", `{% set s = "xxxxxxxx" %}{% for i in range(64) %}{% set s = s ~ s %}{% endfor %}`, "~ would build"},
	{"plus-doubling", `{% set ns = namespace(s="ab") %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}`, "+ would build"},
	{"chained-replace", `{% set s = "aaaaaaaa" %}{% for i in range(40) %}{% set s = s.replace("a", "aaaa") %}{% endfor %}`, "replace() would build"},
	{"replace-filter", `{{ ("a" * 1000) | replace("a", "b" * 100000) }}`, "replace() would build"},
	{"join", `{% set ns = namespace(l=[]) %}{% for i in range(100) %}{% set ns.l = ns.l + ["x" * 1000000] %}{% endfor %}{{ ns.l | join("") }}`, "join would build"},
	{"repr", `{% set ns = namespace(l=[]) %}{% for i in range(100) %}{% set ns.l = ns.l + ["x" * 1000000] %}{% endfor %}{{ ns.l }}`, "repr would build"},
	{"tojson-indent", `{{ [[1]] | tojson(indent=100000000000) }}`, "tojson indent would build"},
	{"list-concat", `{% set l = range(1000000) | list %}{{ (l + l) | length }}`, "+ would build a list"},
	{"iterate-string", `{% for c in "x" * 2000000 %}{% endfor %}`, "iterating a string would build a list"},
	{"split", `{{ ("a," * 2000000).split(",") | length }}`, "split() would build a list"},
	{"work", `{% set s = "x" * 60000000 %}{% for i in range(100000) %}{% if s ~ "" %}{% endif %}{% endfor %}`, "units of string and list work"},
	{"scan-index", `{% set s = "x" * 60000000 %}{% for i in range(100000) %}{{ s[-1] }}{% endfor %}`, "units of string and list work"},
	{"deep-value", `{% set ns = namespace(x=[]) %}{% for i in range(1000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}`, "nested deeper than"},
	{"deep-tojson", `{% set ns = namespace(x=[]) %}{% for i in range(1000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x | tojson }}`, "nested deeper than"},
	{"deep-equal", `{% set ns = namespace(x=[]) %}{% for i in range(1000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x == ns.x }}`, "nested deeper than"},
}

func TestHostileTemplatesFailWithLimitError(t *testing.T) {
	for _, tc := range hostileTemplates {
		t.Run(tc.name, func(t *testing.T) {
			tp, err := Parse(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			out, err := renderWithin(t, tp, 20*time.Second)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (output %d bytes), want an error containing %q", err, len(out), tc.want)
			}
			if !strings.HasPrefix(err.Error(), "jinja: ") || strings.Contains(err.Error(), "internal error") {
				t.Errorf("err = %v, want a plain jinja limit error", err)
			}
			t.Logf("%v after %v", err, time.Since(start))
		})
	}
}

// renderWithin renders on another goroutine and fails the test if it has
// not finished after d (the old interpreter ran some of these for hours).
func renderWithin(t *testing.T, tp *Template, d time.Duration) (string, error) {
	t.Helper()
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := tp.Render(map[string]any{})
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-time.After(d):
		t.Fatalf("rendering still running after %v", d)
		return "", nil
	}
}

// TestHugePowerIsFast: 2 ** n looped n times (1e13 iterations here).
func TestHugePowerIsFast(t *testing.T) {
	tp, err := Parse(`{{ 3 ** 10000000000000 }} {{ 2 ** 10 }} {{ (-3) ** 3 }}`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := renderWithin(t, tp, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out, " 1024 -27") {
		t.Errorf("out = %q", out)
	}
}

// TestDeepSourceNestingIsAnError: the parser and evaluator recurse on
// nesting; a deep enough template would overflow the stack (fatal in Go).
func TestDeepSourceNestingIsAnError(t *testing.T) {
	for name, src := range map[string]string{
		"parens":     "{{ " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000) + " }}",
		"not":        "{{ " + strings.Repeat("not ", 100000) + "x }}",
		"minus":      "{{ " + strings.Repeat("-", 100000) + "1 }}",
		"list":       "{{ " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + " }}",
		"statements": strings.Repeat("{% if x %}", 100000) + strings.Repeat("{% endif %}", 100000),
	} {
		_, err := Parse(src)
		if err == nil || !strings.Contains(err.Error(), "nested deeper than") {
			t.Errorf("%s: err = %v, want a nesting error", name, err)
		}
	}
	// Ordinary nesting stays fine.
	src := "{{ " + strings.Repeat("(", 50) + "1" + strings.Repeat(")", 50) + " }}" +
		strings.Repeat("{% if true %}", 50) + "y" + strings.Repeat("{% endif %}", 50)
	tp, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := tp.Render(nil); err != nil || out != "1y" {
		t.Errorf("render = %q, %v", out, err)
	}
}

// TestLimitsLeaveLargeOrdinaryValuesAlone: a few MB of content, handled a
// few times per message, is far below every limit.
func TestLimitsLeaveLargeOrdinaryValuesAlone(t *testing.T) {
	tp, err := Parse(`{% for m in messages %}{{ m.content.replace("a", "bb") | length }},{% endfor %}`)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("a", 4<<20)
	msgs := []any{}
	for range 20 {
		d := NewDict()
		d.Set("content", big)
		msgs = append(msgs, d)
	}
	out, err := tp.Render(map[string]any{"messages": msgs})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("8388608,", 20); out != want {
		t.Errorf("out = %.40q…", out)
	}
}
