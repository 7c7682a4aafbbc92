package jinja

import (
	"strings"
	"testing"
)

// Arbitrary template source and variables never panic; the output of a
// template without tags is the text itself.
func FuzzParseRender(f *testing.F) {
	f.Add("{% for m in messages %}{{ m.content | trim }}{% endfor %}", "hi")
	f.Add("{%- if x is defined and x.y[1:2] %}{{ x ~ 'a' }}{% else %}{{ 1 // 0 }}{% endif %}", "")
	f.Add("{{ raise_exception('boom') }}", "")
	f.Add("{% set ns = namespace(a=1) %}{% set ns.a = ns.a + 1 %}{{ ns.a }}", "")
	f.Add("{{ 'a' * 3 }}{{ [1,2][::-1] }}{{ {'a': none} | tojson(indent=2) }}", "")
	f.Add("plain text only\n", "")
	for _, h := range hostileTemplates { // each used to exhaust memory, time or the stack
		f.Add(h.src, "")
	}
	f.Add("{{ 3 ** 10000000000000 }}", "")
	f.Add("{{ "+strings.Repeat("(", 5000)+"1"+strings.Repeat(")", 5000)+" }}", "")
	f.Fuzz(func(t *testing.T, src, content string) {
		tp, err := Parse(src)
		if err != nil {
			if strings.Contains(err.Error(), "cannot parse template") {
				t.Fatalf("parser panicked on %q: %v", src, err)
			}
			return
		}
		msgs, _ := FromJSON([]byte(`[{"role": "user", "content": "x"}]`))
		m := msgs.([]any)[0].(*Dict)
		m.Set("content", content)
		out, err := tp.Render(map[string]any{"messages": msgs, "add_generation_prompt": true})
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("render panicked on %q: %v", src, err)
			}
			return
		}
		if len(out) > maxOutput+1<<20 {
			t.Fatalf("output of %d bytes", len(out))
		}
	})
}
