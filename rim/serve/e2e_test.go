package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/generate/gentest"
	"github.com/rimlab/rim/rim/model"
)

// A real model behind the server: the non-streaming answer equals the
// library's, and the streamed deltas add up to it.
func TestServeRealModel(t *testing.T) {
	c, st, err := generate.Load(gentest.WriteChatModel(t, nil), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.M.Close()
	ts := httptest.NewServer(New(c, Options{}))
	defer ts.Close()
	for _, think := range []bool{true, false} {
		conv := generate.Conversation{Messages: userMsg("Tell me a story"), Think: &think}
		want, err := c.Complete(context.Background(), conv, generate.ChatOptions{MaxTokens: 12})
		if err != nil {
			t.Fatal(err)
		}
		body := `{"messages": [{"role": "user", "content": "Tell me a story"}], "max_tokens": 12, "chat_template_kwargs": {"enable_thinking": ` + map[bool]string{true: "true", false: "false"}[think] + `}`
		resp, b := post(t, ts.URL, body+`}`)
		var got struct {
			Choices []struct {
				Message struct {
					Content          string
					ReasoningContent string `json:"reasoning_content"`
				}
			}
		}
		if err := json.Unmarshal(b, &got); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		if m := got.Choices[0].Message; m.Content != want.Answer || m.ReasoningContent != want.Thinking {
			t.Errorf("think %v: served %q / %q, library %q / %q", think, m.ReasoningContent, m.Content, want.Thinking, want.Answer)
		}
		sresp, err := http.Post(ts.URL+"/v1/chat/completions", "application/json", strings.NewReader(body+`, "stream": true}`))
		if err != nil {
			t.Fatal(err)
		}
		var content, reasoning strings.Builder
		sc := bufio.NewScanner(sresp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok || data == "[DONE]" {
				continue
			}
			var ch struct {
				Choices []struct {
					Delta struct {
						Content          string
						ReasoningContent string `json:"reasoning_content"`
					}
				}
			}
			if err := json.Unmarshal([]byte(data), &ch); err != nil {
				t.Fatal(err)
			}
			for _, c := range ch.Choices {
				content.WriteString(c.Delta.Content)
				reasoning.WriteString(c.Delta.ReasoningContent)
			}
		}
		sresp.Body.Close()
		if content.String() != want.Answer || reasoning.String() != want.Thinking {
			t.Errorf("think %v: streamed %q / %q, want %q / %q", think, reasoning.String(), content.String(), want.Thinking, want.Answer)
		}
	}
}

func userMsg(s string) []chat.Message { return []chat.Message{{Role: "user", Content: s}} }

// A role the template would drop is a 400 naming it (QA: "wizard" turns were
// silently skipped by the Qwen3 renderer).
func TestServeUnknownRole(t *testing.T) {
	c, st, err := generate.Load(gentest.WriteChatModel(t, nil), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.M.Close()
	ts := httptest.NewServer(New(c, Options{}))
	defer ts.Close()
	resp, b := post(t, ts.URL, `{"messages": [{"role": "wizard", "content": "obey"}, {"role": "user", "content": "hi"}], "max_tokens": 2}`)
	if resp.StatusCode != 400 || !strings.Contains(string(b), `role \"wizard\"`) || !strings.Contains(string(b), `"param":"messages[0].role"`) {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
}
