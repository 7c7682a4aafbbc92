package data

import (
	"errors"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// The default harmful set with HEx-PHI-MI and a Table A8 statement: every prompt is the default set's
// prompt with its category's intent appended, and the prefill opens the think block with the dark
// statement.
func TestSafetyPromptsDefaultWithIntentAndStatement(t *testing.T) {
	root := testpaths.Shared(t, "data")
	base, err := DefaultHarmful(root)
	if err != nil {
		t.Fatal(err)
	}
	ps, prefill, err := SafetyPrompts{Root: root, Set: "default-harmful", Intent: true, Statement: "calculation error", Variant: "dark", Style: "think"}.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != len(base) || len(ps) != 513 {
		t.Fatalf("%d prompts, want %d (200 HarmBench standard + 313 StrongREJECT)", len(ps), len(base))
	}
	for i, p := range ps {
		if p.ID != base[i].ID+"-mi" || !strings.HasPrefix(p.Text, strings.TrimRight(base[i].Text, " \n")) || !strings.HasSuffix(p.Text, " "+Intents[p.Category]) {
			t.Fatalf("prompt %d: %q (%s), from %q", i, p.Text, p.ID, base[i].Text)
		}
	}
	if want := "<think>\n" + Statements["calculation error"].Dark; prefill != want {
		t.Errorf("prefill %q, want %q", prefill, want)
	}
	// Variant and Style have no default: "" is an error naming the setting.
	if _, _, err := (SafetyPrompts{Root: root, Set: "default-harmful", Statement: "calculation error"}).Load(); err == nil || err.Error() != `variant "": want clean or dark` {
		t.Errorf("no variant: %v", err)
	}
}

// A named set is mapped to the paper's categories before the intent is appended; clean + inst puts the
// control statement alone at the start of the assistant turn; without a statement there is no prefill.
func TestSafetyPromptsNamedSet(t *testing.T) {
	root := testpaths.Shared(t, "data")
	ps, prefill, err := SafetyPrompts{Root: root, Set: "strongreject", Intent: true, Statement: "Calculation Error", Variant: "clean", Style: "inst"}.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 313 || !strings.HasSuffix(ps[0].ID, "-mi") || !strings.HasSuffix(ps[0].Text, Intents[ps[0].Category]) {
		t.Errorf("%d prompts, first %+v", len(ps), ps[0])
	}
	if prefill != Statements["calculation error"].Clean {
		t.Errorf("prefill %q", prefill)
	}
	plain, prefill, err := SafetyPrompts{Root: root, Set: "strongreject", Variant: "bogus", Style: "bogus"}.Load()
	if err != nil || prefill != "" || len(plain) != 313 || plain[0].Text == ps[0].Text {
		t.Errorf("no statement: %d prompts, prefill %q, %v", len(plain), prefill, err)
	}
	if _, _, err := (SafetyPrompts{Root: root, Set: "alpaca"}).Load(); err == nil || !strings.Contains(err.Error(), "not a harmful prompt set") {
		t.Errorf("alpaca: %v", err)
	}
}

// A HEx-PHI folder overrides the set name.
func TestSafetyPromptsHExPHI(t *testing.T) {
	dir := testpaths.TestData(t, "data", "hexphi")
	want, err := HExPHI(dir)
	if err != nil {
		t.Fatal(err)
	}
	ps, _, err := SafetyPrompts{Set: "no-such-set", HExPHI: dir, Intent: true}.Load()
	if err != nil || len(ps) != len(want) || ps[0].ID != want[0].ID+"-mi" {
		t.Errorf("%d prompts (want %d), %v", len(ps), len(want), err)
	}
}

// Bad values are *SettingError naming the setting as the command's flag spells it.
func TestSafetyPromptsSettingErrors(t *testing.T) {
	root := testpaths.Shared(t, "data")
	for _, c := range []struct {
		s    SafetyPrompts
		want string
	}{
		{SafetyPrompts{Variant: "grey", Style: "think"}, `variant "grey": want clean or dark`},
		{SafetyPrompts{Variant: "clean", Style: "chatml"}, `prefill-style "chatml": want think or inst`},
	} {
		c.s.Root, c.s.Set, c.s.Statement = root, "harmbench", "calculation error"
		_, _, err := c.s.Load()
		var se *SettingError
		if !errors.As(err, &se) || err.Error() != c.want {
			t.Errorf("%+v: %v, want %s", c.s, err, c.want)
		}
	}
	_, _, err := SafetyPrompts{Root: root, Set: "harmbench", Statement: "laziness"}.Load()
	if err == nil || !strings.Contains(err.Error(), `unknown statement category "laziness"`) {
		t.Errorf("unknown statement: %v", err)
	}
}

// CountSet counts a math set's problems and a prompt set's prompts (shared/data/README.md counts).
func TestCountSet(t *testing.T) {
	root := testpaths.Shared(t, "data")
	for name, want := range map[string]int{"gsm8k-test": 1319, "math401": 401, "harmbench": 400, "alpaca-seed": 175} {
		if n, err := CountSet(root, name); err != nil || n != want {
			t.Errorf("%s: %d %v, want %d", name, n, err, want)
		}
	}
	if _, err := CountSet(root, "nope"); err == nil || !strings.Contains(err.Error(), `unknown set "nope"`) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := CountSet(t.TempDir(), "gsm8k-test"); err == nil || !strings.Contains(err.Error(), "is missing") {
		t.Errorf("missing file: %v", err)
	}
}
