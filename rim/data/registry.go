package data

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DataDirEnv names the environment variable holding the data root (the layout
// of shared/data) used when a caller passes an empty root.
const DataDirEnv = "RIM_DATA"

// setSpec is one named set in the shared/data layout.
type setSpec struct {
	file    string
	prompts func(path string, opts []ReadOption) ([]Prompt, error)
	math    func(path string, opts []ReadOption) ([]Problem, error)
}

func instr(source string) func(string, []ReadOption) ([]Prompt, error) {
	return func(p string, _ []ReadOption) ([]Prompt, error) { return Instructions(p, source) }
}

var sets = map[string]setSpec{
	"gsm8k-train":    {file: "gsm8k/train.jsonl", math: func(p string, o []ReadOption) ([]Problem, error) { return GSM8K(p, o...) }},
	"gsm8k-test":     {file: "gsm8k/test.jsonl", math: func(p string, o []ReadOption) ([]Problem, error) { return GSM8K(p, o...) }},
	"math500":        {file: "math500/test.jsonl", math: func(p string, o []ReadOption) ([]Problem, error) { return MATH500(p, o...) }},
	"math401":        {file: "math401/math401.json", math: func(p string, o []ReadOption) ([]Problem, error) { return MATH401(p, o...) }},
	"advbench":       {file: "advbench/harmful_behaviors.csv", prompts: func(p string, o []ReadOption) ([]Prompt, error) { return AdvBench(p, o...) }},
	"harmbench":      {file: "harmbench/harmbench_behaviors_text_all.csv", prompts: func(p string, o []ReadOption) ([]Prompt, error) { return HarmBench(p, o...) }},
	"harmbench-test": {file: "harmbench/harmbench_behaviors_text_test.csv", prompts: func(p string, o []ReadOption) ([]Prompt, error) { return HarmBench(p, o...) }},
	"harmbench-val":  {file: "harmbench/harmbench_behaviors_text_val.csv", prompts: func(p string, o []ReadOption) ([]Prompt, error) { return HarmBench(p, o...) }},
	"strongreject":   {file: "strongreject/strongreject_dataset.csv", prompts: func(p string, o []ReadOption) ([]Prompt, error) { return StrongREJECT(p, o...) }},
	"jailbreakbench": {file: "jailbreakbench/behaviors.csv", prompts: func(p string, o []ReadOption) ([]Prompt, error) { return JailbreakBench(p, o...) }},
	"xstest":         {file: "xstest/xstest_prompts.csv", prompts: func(p string, o []ReadOption) ([]Prompt, error) { return XSTest(p, o...) }},
	"maliciousinstruct": {file: "maliciousinstruct/MaliciousInstruct.txt", prompts: func(p string, _ []ReadOption) ([]Prompt, error) {
		return LinePrompts(p, "maliciousinstruct")
	}},
	"tdc2023-dev":       {file: "tdc2023/dev/behaviors.json", prompts: func(p string, _ []ReadOption) ([]Prompt, error) { return StringArray(p, "tdc2023-dev") }},
	"tdc2023-test":      {file: "tdc2023/test/behaviors.json", prompts: func(p string, _ []ReadOption) ([]Prompt, error) { return StringArray(p, "tdc2023-test") }},
	"alpaca":            {file: "alpaca/alpaca.json", prompts: instr("alpaca")},
	"alpaca-seed":       {file: "alpaca/seed_tasks.jsonl", prompts: func(p string, o []ReadOption) ([]Prompt, error) { return AlpacaSeedTasks(p, o...) }},
	"rd-harmful-train":  {file: "refusal_direction_splits/harmful_train.json", prompts: instr("rd-harmful-train")},
	"rd-harmful-val":    {file: "refusal_direction_splits/harmful_val.json", prompts: instr("rd-harmful-val")},
	"rd-harmful-test":   {file: "refusal_direction_splits/harmful_test.json", prompts: instr("rd-harmful-test")},
	"rd-harmless-train": {file: "refusal_direction_splits/harmless_train.json", prompts: instr("rd-harmless-train")},
	"rd-harmless-val":   {file: "refusal_direction_splits/harmless_val.json", prompts: instr("rd-harmless-val")},
	"rd-harmless-test":  {file: "refusal_direction_splits/harmless_test.json", prompts: instr("rd-harmless-test")},
}

// SetNames lists the named sets LoadPrompts and LoadProblems know, sorted.
func SetNames() []string {
	out := make([]string, 0, len(sets))
	for n := range sets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ResolveRoot returns root or, when it is empty, the default the notebooks
// use: $RIM_DATA, else $RIM_SHARED/data, else $RIM_ROOT/../shared/data, else
// shared/data beside the checkout, found from the working directory upward
// (the CI layout: the first ancestor holding shared/data).
func ResolveRoot(root string) (string, error) {
	if root != "" {
		return root, nil
	}
	if d := os.Getenv(DataDirEnv); d != "" {
		return d, nil
	}
	var tried []string
	if d := os.Getenv("RIM_SHARED"); d != "" {
		return filepath.Join(d, "data"), nil
	}
	if d := os.Getenv("RIM_ROOT"); d != "" {
		return filepath.Join(d, "..", "shared", "data"), nil
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			p := filepath.Join(dir, "shared", "data")
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				return p, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
		tried = append(tried, "shared/data in "+wd+" or above")
	}
	return "", fmt.Errorf("data: no data folder given and none found (pass one, or set %s to a folder laid out like shared/data, or RIM_SHARED; looked for %s)",
		DataDirEnv, strings.Join(tried, ", "))
}

// SetPath returns the file of a named set under root (the shared/data layout).
func SetPath(root, name string) (string, error) {
	s, ok := sets[name]
	if !ok {
		return "", fmt.Errorf("data: unknown set %q (known: %s)", name, strings.Join(SetNames(), ", "))
	}
	root, err := ResolveRoot(root)
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, filepath.FromSlash(s.file))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("data: set %q: %s is missing: %w", name, p, err)
	}
	return p, nil
}

// LoadPrompts loads a named prompt set (e.g. "harmbench", "alpaca") from root.
func LoadPrompts(root, name string, opts ...ReadOption) ([]Prompt, error) {
	s, ok := sets[name]
	if ok && s.prompts == nil {
		return nil, fmt.Errorf("data: set %q is a math set, not a prompt set", name)
	}
	p, err := SetPath(root, name)
	if err != nil {
		return nil, err
	}
	return s.prompts(p, opts)
}

// LoadProblems loads a named math set ("gsm8k-test", "gsm8k-train", "math500", "math401").
func LoadProblems(root, name string, opts ...ReadOption) ([]Problem, error) {
	s, ok := sets[name]
	if ok && s.math == nil {
		return nil, fmt.Errorf("data: set %q is a prompt set, not a math set", name)
	}
	p, err := SetPath(root, name)
	if err != nil {
		return nil, err
	}
	return s.math(p, opts)
}

// CountSet is the number of records of a named set under root: problems of a math set (LoadProblems),
// prompts of a prompt set (LoadPrompts). An unknown or missing set is LoadPrompts' error.
func CountSet(root, name string) (int, error) {
	if s, ok := sets[name]; ok && s.math != nil {
		ps, err := LoadProblems(root, name)
		return len(ps), err
	}
	ps, err := LoadPrompts(root, name)
	return len(ps), err
}
