package data

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Prompt is one request of a safety or instruction set.
type Prompt struct {
	ID       string `json:"id"`
	Text     string `json:"prompt"`
	Category string `json:"category,omitempty"` // the category as the source names it, or a paper category after MapCategories
	// SourceCategory keeps the source's own category once MapCategories has
	// replaced Category with the paper's category.
	SourceCategory string `json:"source_category,omitempty"`
	Source         string `json:"source"`            // dataset name, e.g. "harmbench"
	Context        string `json:"context,omitempty"` // HarmBench contextual behaviours
	Label          string `json:"label,omitempty"`   // XSTest: "safe" or "unsafe"
	Target         string `json:"target,omitempty"`  // AdvBench/JBB affirmative target prefix
}

// Problem is one math item with its gold final answer.
type Problem struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Solution string `json:"solution,omitempty"` // worked solution (GSM8K without the "#### x" line)
	Answer   string `json:"answer"`             // gold final answer, as the source writes it
	Subject  string `json:"subject,omitempty"`  // MATH500
	Level    int    `json:"level,omitempty"`    // MATH500, 1–5
	Source   string `json:"source"`
}

// GSM8K reads a GSM8K JSONL file (question, answer with "#### final").
func GSM8K(path string, opts ...ReadOption) ([]Problem, error) {
	var out []Problem
	err := ReadJSONL(path, func(line int, r struct{ Question, Answer *string }) error {
		if r.Question == nil || r.Answer == nil {
			return Malformed("missing \"question\" or \"answer\"")
		}
		sol, final, ok := SplitGSM8KAnswer(*r.Answer)
		if !ok {
			return Malformed("answer has no \"#### \" final answer")
		}
		out = append(out, Problem{ID: fmt.Sprintf("gsm8k-%d", line), Question: *r.Question,
			Solution: sol, Answer: final, Source: "gsm8k"})
		return nil
	}, opts...)
	return out, err
}

// SplitGSM8KAnswer splits a GSM8K answer field into the worked solution and
// the final answer after the last "####".
func SplitGSM8KAnswer(ans string) (solution, final string, ok bool) {
	i := strings.LastIndex(ans, "####")
	if i < 0 {
		return ans, "", false
	}
	final = strings.TrimSpace(ans[i+4:])
	return strings.TrimRight(ans[:i], " \n"), final, final != ""
}

// MATH500 reads the MATH500 JSONL (problem, solution, answer, subject, level, unique_id).
func MATH500(path string, opts ...ReadOption) ([]Problem, error) {
	var out []Problem
	err := ReadJSONL(path, func(line int, r struct {
		Problem, Solution, Subject *string
		Answer                     *string
		Level                      int
		UniqueID                   string `json:"unique_id"`
	}) error {
		if r.Problem == nil || r.Answer == nil {
			return Malformed("missing \"problem\" or \"answer\"")
		}
		id := r.UniqueID
		if id == "" {
			id = fmt.Sprintf("math500-%d", line)
		}
		p := Problem{ID: id, Question: *r.Problem, Answer: *r.Answer, Level: r.Level, Source: "math500"}
		if r.Solution != nil {
			p.Solution = *r.Solution
		}
		if r.Subject != nil {
			p.Subject = *r.Subject
		}
		out = append(out, p)
		return nil
	}, opts...)
	return out, err
}

// MATH401 reads MATH401 (JSON Lines despite its .json name: query, response).
// The paper scores |pred − target| < 1e-3 (docs/paper.md §3.2 and the data README).
func MATH401(path string, opts ...ReadOption) ([]Problem, error) {
	var out []Problem
	err := ReadJSONL(path, func(line int, r struct{ Query, Response *string }) error {
		if r.Query == nil || r.Response == nil {
			return Malformed("missing \"query\" or \"response\"")
		}
		out = append(out, Problem{ID: fmt.Sprintf("math401-%d", line), Question: *r.Query,
			Answer: *r.Response, Source: "math401"})
		return nil
	}, opts...)
	return out, err
}

// AdvBench reads harmful_behaviors.csv (goal, target). Only goal is the
// request; target is the GCG affirmative prefix.
func AdvBench(path string, opts ...ReadOption) ([]Prompt, error) {
	var out []Prompt
	err := readCSV(path, []string{"goal", "target"}, func(line int, r map[string]string) error {
		if r["goal"] == "" {
			return Malformed("empty goal")
		}
		out = append(out, Prompt{ID: fmt.Sprintf("advbench-%d", len(out)), Text: r["goal"], Target: r["target"], Source: "advbench"})
		return nil
	}, opts...)
	return out, err
}

// HarmBench reads a HarmBench behaviours CSV (Behavior, FunctionalCategory,
// SemanticCategory, Tags, ContextString, BehaviorID). Category is the
// SemanticCategory; contextual behaviours keep their ContextString.
func HarmBench(path string, opts ...ReadOption) ([]Prompt, error) {
	var out []Prompt
	err := readCSV(path, []string{"Behavior", "SemanticCategory", "ContextString", "BehaviorID"}, func(line int, r map[string]string) error {
		if r["Behavior"] == "" {
			return Malformed("empty Behavior")
		}
		out = append(out, Prompt{ID: r["BehaviorID"], Text: r["Behavior"], Category: r["SemanticCategory"],
			Context: r["ContextString"], Label: r["FunctionalCategory"], Source: "harmbench"})
		return nil
	}, opts...)
	return out, err
}

// StrongREJECT reads strongreject_dataset.csv (category, source, forbidden_prompt).
func StrongREJECT(path string, opts ...ReadOption) ([]Prompt, error) {
	var out []Prompt
	err := readCSV(path, []string{"category", "forbidden_prompt"}, func(line int, r map[string]string) error {
		if r["forbidden_prompt"] == "" {
			return Malformed("empty forbidden_prompt")
		}
		out = append(out, Prompt{ID: fmt.Sprintf("strongreject-%d", len(out)), Text: r["forbidden_prompt"],
			Category: r["category"], Source: "strongreject"})
		return nil
	}, opts...)
	return out, err
}

// JailbreakBench reads JBB behaviors.csv (unnamed index, Goal, Target, Behavior, Category, Source).
func JailbreakBench(path string, opts ...ReadOption) ([]Prompt, error) {
	var out []Prompt
	err := readCSV(path, []string{"Goal", "Target", "Behavior", "Category"}, func(line int, r map[string]string) error {
		if r["Goal"] == "" {
			return Malformed("empty Goal")
		}
		out = append(out, Prompt{ID: fmt.Sprintf("jbb-%d", len(out)), Text: r["Goal"], Target: r["Target"],
			Category: r["Category"], Source: "jailbreakbench"})
		return nil
	}, opts...)
	return out, err
}

// XSTest reads xstest_prompts.csv (id, prompt, type, label, focus, note).
// Category is the type (e.g. "homonyms", "contrast_homonyms"); Label is safe/unsafe.
func XSTest(path string, opts ...ReadOption) ([]Prompt, error) {
	var out []Prompt
	err := readCSV(path, []string{"id", "prompt", "type", "label"}, func(line int, r map[string]string) error {
		if r["label"] != "safe" && r["label"] != "unsafe" {
			return Malformed("label %q is neither safe nor unsafe", r["label"])
		}
		out = append(out, Prompt{ID: "xstest-" + r["id"], Text: r["prompt"], Category: r["type"], Label: r["label"], Source: "xstest"})
		return nil
	}, opts...)
	return out, err
}

// LinePrompts reads a plain-text file with one prompt per non-blank line
// (MaliciousInstruct).
func LinePrompts(path, source string) ([]Prompt, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	var out []Prompt
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), maxLine)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			out = append(out, Prompt{ID: source + "-" + strconv.Itoa(len(out)), Text: t, Source: source})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("data: %s: %w", path, err)
	}
	return out, nil
}

// StringArray reads a JSON array of strings (TDC2023 behaviors.json).
func StringArray(path, source string) ([]Prompt, error) {
	var ss []string
	if err := readJSON(path, &ss); err != nil {
		return nil, err
	}
	out := make([]Prompt, len(ss))
	for i, s := range ss {
		out[i] = Prompt{ID: source + "-" + strconv.Itoa(i), Text: s, Source: source}
	}
	return out, nil
}

// Instructions reads a JSON array of {instruction, category} (Alpaca's
// alpaca.json and the refusal-direction splits); category may be null.
func Instructions(path, source string) ([]Prompt, error) {
	var rs []struct {
		Instruction *string `json:"instruction"`
		Category    *string `json:"category"`
	}
	if err := readJSON(path, &rs); err != nil {
		return nil, err
	}
	out := make([]Prompt, 0, len(rs))
	for i, r := range rs {
		if r.Instruction == nil {
			return nil, fmt.Errorf("data: %s: element %d has no \"instruction\"", path, i)
		}
		p := Prompt{ID: source + "-" + strconv.Itoa(i), Text: *r.Instruction, Source: source}
		if r.Category != nil {
			p.Category = *r.Category
		}
		out = append(out, p)
	}
	return out, nil
}

// AlpacaSeedTasks reads seed_tasks.jsonl (id, name, instruction, instances, ...).
func AlpacaSeedTasks(path string, opts ...ReadOption) ([]Prompt, error) {
	var out []Prompt
	err := ReadJSONL(path, func(line int, r struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Instruction *string
	}) error {
		if r.Instruction == nil {
			return Malformed("missing \"instruction\"")
		}
		out = append(out, Prompt{ID: r.ID, Text: *r.Instruction, Category: r.Name, Source: "alpaca-seed"})
		return nil
	}, opts...)
	return out, err
}
