package chatapi

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// ShowProgress sets c.OnRetry and c.OnProgress to print to w, each line starting with label: every retry
// as it happens ("judge: attempt 1 failed, retrying in 2s: …"), and the jobs done ("judge: 12/40 done") at
// most once every `every`, plus the last count once anything was printed, so that a throttled endpoint is
// not a silent wait. The two may be called from several goroutines.
func (c *Config) ShowProgress(w io.Writer, label string, every time.Duration) {
	p := &progress{w: w, label: label, every: every}
	c.OnRetry, c.OnProgress = p.retry, p.done
}

// progress is the printer of ShowProgress.
type progress struct {
	w       io.Writer
	label   string
	every   time.Duration
	mu      sync.Mutex
	last    time.Time
	printed bool
}

func (p *progress) retry(attempt int, wait time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s: attempt %d failed, retrying in %v: %v\n", p.label, attempt, wait.Round(time.Millisecond), err)
	p.printed = true
}

func (p *progress) done(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) >= p.every || (done == total && p.printed) {
		fmt.Fprintf(p.w, "%s: %d/%d done\n", p.label, done, total)
		p.last, p.printed = now, true
	}
}
