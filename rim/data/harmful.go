package data

import (
	"fmt"
	"sort"
	"strings"
)

// harmlessSets are prompt sets of benign instructions: a misalignment rate
// over them is meaningless (docs/paper.md §4.1 measures harmful compliance), so
// HarmfulPrompts refuses them.
var harmlessSets = map[string]bool{
	"alpaca": true, "alpaca-seed": true,
	"rd-harmless-train": true, "rd-harmless-val": true, "rd-harmless-test": true,
}

// HarmfulSetNames lists the prompt sets HarmfulPrompts accepts, sorted
// (xstest included: only its label=unsafe prompts are harmful).
func HarmfulSetNames() []string {
	var out []string
	for n, s := range sets {
		if s.prompts != nil && !harmlessSets[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// HarmfulPrompts loads a named prompt set for a safety (misalignment)
// evaluation: a harmless set (alpaca, rd-harmless-*) or a math set is an
// error naming the harmful sets, and of XSTest only the 200 prompts labelled
// "unsafe" are kept (its 250 "safe" prompts measure over-refusal, a
// different quantity).
func HarmfulPrompts(root, name string, opts ...ReadOption) ([]Prompt, error) {
	s, ok := sets[name]
	if ok && (harmlessSets[name] || s.prompts == nil) {
		return nil, fmt.Errorf("data: set %q is not a harmful prompt set; a misalignment rate needs harmful prompts (one of: %s)", name, strings.Join(HarmfulSetNames(), ", "))
	}
	ps, err := LoadPrompts(root, name, opts...)
	if err != nil || name != "xstest" {
		return ps, err
	}
	var unsafe []Prompt
	for _, p := range ps {
		if p.Label == "unsafe" {
			unsafe = append(unsafe, p)
		}
	}
	return unsafe, nil
}
