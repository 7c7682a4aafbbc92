package data

import "fmt"

// SettingError is a setting whose value is outside the values it accepts, named as callers spell the
// setting ("variant", "prefill-style"), so that a command can name its flag ("--variant") and a notebook
// its field. Error reads `variant "grey": want clean or dark`.
type SettingError struct {
	Setting string // the setting's name, e.g. "variant"
	Value   string // the value given
	Want    string // the values it accepts, e.g. "clean or dark"
}

// Error implements error.
func (e *SettingError) Error() string {
	return fmt.Sprintf("%s %q: want %s", e.Setting, e.Value, e.Want)
}

// SafetyPrompts selects the harmful prompts of a misalignment evaluation (docs/paper.md §4.1) and the
// optional Table A8 statement injected as an assistant prefill (docs/paper.md §5.2): the model mode of
// rim eval safety (--set, --hexphi, --mi, --statement, --variant, --prefill-style).
type SafetyPrompts struct {
	Root string // data root laid out like shared/data ("": ResolveRoot's default)
	// Set is "default-harmful" (DefaultHarmful: HarmBench standard + StrongREJECT, paper categories) or a
	// harmful set name (HarmfulPrompts). Ignored when HExPHI is set.
	Set    string
	HExPHI string // a HEx-PHI folder with category_N.csv; overrides Set (docs/paper.md §3.1)
	// Intent appends each category's malicious-intent sentence (HEx-PHI-MI, docs/paper.md §3.1; WithIntent
	// without the second privacy intent); a named set's categories are first mapped to the paper's.
	Intent bool
	// Statement is a Table A8 category (or "confirmatory reasoning", LookupStatement) whose statement is
	// injected; "" injects nothing and Variant and Style are not read.
	Statement string
	Variant   string // with Statement: "dark" (the target group) or "clean" (the control group)
	Style     string // with Statement: "think" (after <think>) or "inst" (after [/INST]); see PrefillStyle
}

// Load reads the prompts and returns them with the statement prefill ("" without Statement). An unknown
// Variant or Style is a *SettingError naming "variant" or "prefill-style"; other errors name the set or
// file. opts apply to the files read line by line (a named set, HEx-PHI).
func (s SafetyPrompts) Load(opts ...ReadOption) (ps []Prompt, prefill string, err error) {
	switch {
	case s.HExPHI != "":
		ps, err = HExPHI(s.HExPHI, opts...)
	case s.Set == "default-harmful":
		ps, err = DefaultHarmful(s.Root)
	default:
		if ps, err = HarmfulPrompts(s.Root, s.Set, opts...); err == nil && s.Intent {
			ps, err = MapCategories(ps)
		}
	}
	if err != nil {
		return nil, "", err
	}
	if s.Intent {
		if ps, err = WithIntent(ps, false); err != nil {
			return nil, "", err
		}
	}
	if s.Statement == "" {
		return ps, "", nil
	}
	if prefill, err = s.prefill(); err != nil {
		return nil, "", err
	}
	return ps, prefill, nil
}

// prefill is the statement's prefill in the variant and style of s.
func (s SafetyPrompts) prefill() (string, error) {
	st, err := LookupStatement(s.Statement)
	if err != nil {
		return "", err
	}
	text := st.Dark
	switch s.Variant {
	case "dark":
	case "clean":
		text = st.Clean
	default:
		return "", &SettingError{Setting: "variant", Value: s.Variant, Want: "clean or dark"}
	}
	style := ThinkPrefill
	switch s.Style {
	case "think":
	case "inst":
		style = InstPrefill
	default:
		return "", &SettingError{Setting: "prefill-style", Value: s.Style, Want: "think or inst"}
	}
	return Prefill(style, text)
}
