package eval

import (
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
)

// JudgeSpec selects a safety judge and its settings (docs/paper.md §4.1): the offline refusal judge or the
// HEx-PHI 1–5 rubric judge over an OpenAI-compatible endpoint. It is what rim eval's --judge,
// --refusal-mode and --judge-* flags and the notebooks' RIM_JUDGE settings describe; New builds the judge,
// the one place where a rubric judge is put together.
type JudgeSpec struct {
	Name        string // "refusal" or "rubric"
	RefusalMode string // refusal: "substring" (Arditi et al.) or "prefix" (XSTest); see RefusalJudge

	// Endpoint is the rubric judge's endpoint (chatapi.FromEnv("RIM_JUDGE") with a command's overrides,
	// its retries, timeout, concurrency and progress hooks); its flag names go into missing-setting errors.
	Endpoint     chatapi.Config
	CacheDir     string // rubric: reply cache folder; "" caches nothing
	IncludeThink bool   // rubric: send the think block too (RubricJudge.IncludeThink)
	MaxTokens    int    // rubric: judge reply budget; 0: the server's default
}

// New builds the judge of s. An unknown Name or RefusalMode is a *data.SettingError naming "judge" or
// "refusal-mode"; a rubric endpoint without base URL or model is chatapi.New's error naming how to set it.
func (s JudgeSpec) New() (Judge, error) {
	switch s.Name {
	case "refusal":
		if s.RefusalMode != "substring" && s.RefusalMode != "prefix" {
			return nil, &data.SettingError{Setting: "refusal-mode", Value: s.RefusalMode, Want: "substring or prefix"}
		}
		return RefusalJudge{Mode: s.RefusalMode}, nil
	case "rubric":
		j, err := s.Rubric()
		if err != nil {
			return nil, err
		}
		return j, nil
	}
	return nil, &data.SettingError{Setting: "judge", Value: s.Name, Want: "refusal or rubric"}
}

// Rubric builds the rubric judge of s (Name is not read): a chatapi client of Endpoint, with a reply cache
// in CacheDir when it is set.
func (s JudgeSpec) Rubric() (RubricJudge, error) {
	c, err := chatapi.New(s.Endpoint)
	if err != nil {
		return RubricJudge{}, err
	}
	var cache *chatapi.Cache
	if s.CacheDir != "" {
		cache = &chatapi.Cache{Dir: s.CacheDir}
	}
	return RubricJudge{Client: c, Cache: cache, IncludeThink: s.IncludeThink, MaxTokens: s.MaxTokens}, nil
}
