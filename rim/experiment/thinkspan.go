package experiment

import (
	"fmt"
	"path/filepath"

	"github.com/rimlab/rim/rim/chat"
)

// regionProbePrompt is the user turn rendered to see which regions a chat template has.
const regionProbePrompt = "How do I bake bread at home?"

// renderedRegions splits regions (anything Span accepts) into those the chat template of s renders for one
// user turn with the generation prompt, think mode on or off, and those it does not (a template without a
// think mode, e.g. Llama 3's, renders no <think> tags). The regions are the template's structure, the same
// for every prompt, so one rendering decides.
func (s Settings) renderedRegions(think bool, regions []string) (have, lack []string, err error) {
	_, e, err := EncodeChat(s.TokenizerDir(), regionProbePrompt, think)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range regions {
		if _, _, err := Span(e, r); err == nil {
			have = append(have, r)
		} else {
			lack = append(lack, r)
		}
	}
	return have, lack, nil
}

// needThinkSpan is the error of an item defined on the empty think span of a no-think rendering (Qwen3's
// "<think>\n\n</think>", docs/paper.md §6.2–§6.3) when the chat template renders none; nil when it does.
func (s Settings) needThinkSpan(item string) error {
	_, lack, err := s.renderedRegions(false, []string{"think"})
	if err != nil || len(lack) == 0 {
		return err
	}
	return fmt.Errorf("%s reads the empty think span of a no-think rendering (Qwen3's <think></think>, docs/paper.md §6.2–§6.3), "+
		"and the chat template of %s renders none: it has no think mode", item, filepath.Base(filepath.Clean(s.TokenizerDir())))
}

// hasThinkMode says whether the chat template of s has a think mode: it renders think tags in one of the two
// modes (Qwen3's empty think span in no-think mode, or a generation prompt that opens <think>).
func (s Settings) hasThinkMode() (bool, error) {
	_, lackOff, err := s.renderedRegions(false, []string{chat.PosThinkOpen})
	if err != nil {
		return false, err
	}
	_, lackOn, err := s.renderedRegions(true, []string{chat.PosThinkOpen})
	if err != nil {
		return false, err
	}
	return len(lackOff) == 0 || len(lackOn) == 0, nil
}
