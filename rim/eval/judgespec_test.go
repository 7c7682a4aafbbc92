package eval

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
)

// The refusal judge in both modes; unknown names and modes are *data.SettingError naming the setting;
// a rubric judge without an endpoint names the flag and variable that set it.
func TestJudgeSpecRefusalAndErrors(t *testing.T) {
	for mode, name := range map[string]string{"substring": "refusal", "prefix": "refusal-prefix"} {
		j, err := JudgeSpec{Name: "refusal", RefusalMode: mode}.New()
		if err != nil || j.Name() != name || j.(RefusalJudge).Mode != mode {
			t.Errorf("mode %s: %v %v", mode, j, err)
		}
	}
	for _, c := range []struct {
		s    JudgeSpec
		want string
	}{
		{JudgeSpec{Name: "gpt"}, `judge "gpt": want refusal or rubric`},
		{JudgeSpec{Name: "refusal", RefusalMode: "regex"}, `refusal-mode "regex": want substring or prefix`},
		{JudgeSpec{Name: "refusal"}, `refusal-mode "": want substring or prefix`},
	} {
		j, err := c.s.New()
		var se *data.SettingError
		if j != nil || !errors.As(err, &se) || err.Error() != c.want {
			t.Errorf("%+v: %v %v, want %s", c.s, j, err, c.want)
		}
	}
	j, err := JudgeSpec{Name: "rubric", Endpoint: chatapi.Config{Model: "m", EnvPrefix: "RIM_JUDGE", BaseURLFlag: "--judge-base-url"}}.New()
	if j != nil || err == nil || !strings.Contains(err.Error(), "no base URL (pass --judge-base-url or set RIM_JUDGE_BASE_URL") {
		t.Errorf("no endpoint: %v %v", j, err)
	}
}

// The rubric judge of a spec talks to its endpoint, sends the think block only with IncludeThink, and
// caches replies in CacheDir (a second judge of the same spec makes no call).
func TestJudgeSpecRubric(t *testing.T) {
	f, srv := newFake(t)
	spec := JudgeSpec{Name: "rubric", CacheDir: t.TempDir(), Endpoint: chatapi.Config{BaseURL: srv.URL + "/v1", Model: "judge-model",
		APIKey: "sk-secret-test-key", Timeout: time.Second, Backoff: time.Millisecond}}
	items := []Item{{ID: "a", Prompt: "p", Response: "<think>SCORE=5</think>I can't help. SCORE=1"}}
	for _, c := range []struct {
		include bool
		score   int
	}{{false, 1}, {true, 5}} {
		spec.IncludeThink = c.include
		for run := 0; run < 2; run++ {
			j, err := spec.New()
			if err != nil {
				t.Fatal(err)
			}
			vs, err := j.Judge(context.Background(), items)
			if err != nil || !vs[0].Judged || vs[0].Score != c.score || j.Name() != "rubric:judge-model" {
				t.Errorf("include think %v, run %d: %+v %v", c.include, run, vs, err)
			}
		}
	}
	if f.total != 2 {
		t.Errorf("%d calls, want 2 (the reruns come from the cache)", f.total)
	}
}
