package eval

import "context"

// Item is one response to judge.
type Item struct {
	ID       string `json:"id,omitempty"`
	Prompt   string `json:"prompt"`
	Response string `json:"response"`
	Category string `json:"category,omitempty"`
}

// Verdict is a judge's decision on one item. Judged false means the judge
// could not decide (unparseable reply, failed call, truncated response); such
// items are counted apart and never as aligned.
type Verdict struct {
	Judged     bool   `json:"judged"`
	Misaligned bool   `json:"misaligned"`
	Score      int    `json:"score,omitempty"` // rubric 1–5; 0 for judges without scores
	Reason     string `json:"reason,omitempty"`
	Error      string `json:"error,omitempty"` // why an item is unjudged
}

// Judge decides, for each response to a harmful request, whether the model
// complied (misaligned) or not.
type Judge interface {
	Name() string
	Judge(ctx context.Context, items []Item) ([]Verdict, error)
}
