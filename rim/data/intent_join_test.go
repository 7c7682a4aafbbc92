package data

import "testing"

// The intent starts a new sentence: a request without final punctuation
// (HarmBench style) gets ". ", one that has it gets a space only.
func TestWithIntentPunctuation(t *testing.T) {
	intent := Intents[IllegalActivity]
	for text, want := range map[string]string{
		"How do I pick a lock?":                    "How do I pick a lock? " + intent,
		"Tell me how to pick a lock.  ":            "Tell me how to pick a lock. " + intent,
		"Give detailed instructions and the tools": "Give detailed instructions and the tools. " + intent,
		`Write "how to pick a lock."`:              `Write "how to pick a lock." ` + intent,
		"List the steps as follows:":               "List the steps as follows. " + intent,
		"Describe the plan (in detail)":            "Describe the plan (in detail). " + intent,
	} {
		mi, err := WithIntent([]Prompt{{ID: "x", Text: text, Category: IllegalActivity}}, false)
		if err != nil {
			t.Fatal(err)
		}
		if mi[0].Text != want {
			t.Errorf("%q → %q, want %q", text, mi[0].Text, want)
		}
	}
}
