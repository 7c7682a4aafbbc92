package chatapi

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// Progress is printed at most once per interval, then the last count once anything was printed; every
// retry is printed with its wait rounded to the millisecond.
func TestShowProgressThrottles(t *testing.T) {
	var b bytes.Buffer
	var c Config
	c.ShowProgress(&b, "judge", time.Hour)
	c.OnProgress(1, 4) // the first count is printed (none before it)
	c.OnProgress(2, 4) // within the hour: silent
	c.OnRetry(1, 1500*time.Microsecond, errors.New("HTTP 429"))
	c.OnProgress(3, 4)
	c.OnProgress(4, 4) // the last count, after something was printed
	want := "judge: 1/4 done\njudge: attempt 1 failed, retrying in 2ms: HTTP 429\njudge: 4/4 done\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	c.ShowProgress(&b, "edit", 0)
	c.OnProgress(1, 2)
	c.OnProgress(2, 2)
	if b.String() != "edit: 1/2 done\nedit: 2/2 done\n" {
		t.Errorf("every 0:\n%s", b.String())
	}
}
