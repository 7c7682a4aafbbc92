package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data/chatapi"
	"github.com/rimlab/rim/rim/eval/respond"
	"github.com/rimlab/rim/rim/generate"
)

// GenServer is an OpenAI-compatible chat server (vLLM, SGLang, ollama or rim serve) that greedy responses
// are taken from instead of rim's engine: $RIM_GEN_BASE_URL, $RIM_GEN_MODEL and $RIM_GEN_API_KEY, or
// --gen-base-url and --gen-model on rim paper and rim eval (docs/reproduce.md). The server serves the
// settings' model (RIM_MODEL); rim still reads that model's tokenizer dir, to render each prompt with the
// chat template and put the reply together exactly as its engine's responses are (respond.Assemble).
//
// Only plain greedy answers go to the server: a request with interventions or an assistant prefill is an
// error naming the setting (a chat server cannot ablate rim's heads or neurons, and an OpenAI chat request
// cannot continue a prefill inside the think block the way rim's template does), as is a model other than
// the served one (a fine-tuned model of Table 2).
type GenServer struct {
	BaseURL string `json:"base_url"` // "http://127.0.0.1:8000/v1": "/chat/completions" is appended
	Model   string `json:"model"`    // the server's model name ("Qwen/Qwen3-8B" for vLLM serving that repo)
	APIKey  string `json:"-"`        // sent as a Bearer token; never stored, hashed or logged
	// From names the setting BaseURL came from, for errors: "RIM_GEN_BASE_URL" when empty.
	From string `json:"-"`
}

// MarshalJSON writes the server as results and cache keys record it: the base URL without user info or
// query values (chatapi's display form), the model name, never the key.
func (g GenServer) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		BaseURL string `json:"base_url"`
		Model   string `json:"model"`
	}{g.shownURL(), g.Model})
}

// shownURL is BaseURL without user info and query (chatapi shows endpoints so too), for results and errors.
func (g GenServer) shownURL() string {
	u, err := url.Parse(g.BaseURL)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment = nil, "", false, ""
	return u.String()
}

// Enabled reports whether a server is configured.
func (g GenServer) Enabled() bool { return g.BaseURL != "" }

// from is the setting that configured the server, for errors.
func (g GenServer) from() string { return or(g.From, "RIM_GEN_BASE_URL") }

// GenFromEnv reads $RIM_GEN_BASE_URL, $RIM_GEN_MODEL and $RIM_GEN_API_KEY (no fallback to OPENAI_*, so that
// a judge endpoint never becomes the generator by accident). A model name without an address is an error;
// the rest is checked by Check or Client, so that a command's flags may still supply the model.
func GenFromEnv() (GenServer, error) {
	g := GenServer{BaseURL: os.Getenv("RIM_GEN_BASE_URL"), Model: os.Getenv("RIM_GEN_MODEL"), APIKey: os.Getenv("RIM_GEN_API_KEY")}
	if !g.Enabled() && g.Model != "" {
		return g, fmt.Errorf("RIM_GEN_MODEL=%s is set but RIM_GEN_BASE_URL is not: set the server's address too (docs/reproduce.md), or unset RIM_GEN_MODEL to generate with rim's engine", g.Model)
	}
	return g, nil
}

// Client is the chatapi client of the server with concurrency requests in flight (a vLLM or SGLang server
// batches concurrent requests; rim serve queues them). Each attempt may take 30 minutes (a long greedy
// answer behind a full batch); 429/5xx are retried, an unreachable server is not.
func (g GenServer) Client(concurrency int) (*chatapi.Client, error) {
	c, err := chatapi.New(chatapi.Config{BaseURL: g.BaseURL, Model: g.Model, APIKey: g.APIKey, Concurrency: max(concurrency, 1),
		Timeout: 30 * time.Minute, EnvPrefix: "RIM_GEN", BaseURLFlag: "--gen-base-url", ModelFlag: "--gen-model"})
	if err != nil {
		return nil, fmt.Errorf("%s=%s: %v", g.from(), g.shownURL(), strings.TrimPrefix(err.Error(), "chatapi: "))
	}
	return c, nil
}

// ID names the server's model by address and name for cache keys and provenance: "URL#MODEL", the URL
// without credentials (chatapi.Client.URL).
func (g GenServer) ID() (string, error) {
	c, err := g.Client(1)
	if err != nil {
		return "", err
	}
	return c.URL() + "#" + g.Model, nil // c.URL() is shown without credentials
}

// Source is the source line of a result whose responses came from the server: "measured on MODEL via URL".
func (g GenServer) Source() string { return "measured on " + g.Model + " via " + g.shownURL() }

// check refuses what only rim's engine can do.
func (g GenServer) check(o RespondOptions) error {
	if len(o.Interventions) > 0 {
		return fmt.Errorf("%s is set (%s): this run needs %d intervention(s) (head or neuron ablations) active while decoding, which only rim's engine can apply; unset %s for this item", g.from(), g.shownURL(), len(o.Interventions), g.from())
	}
	if o.Prefill != "" {
		return fmt.Errorf("%s is set (%s): this run injects an assistant prefill (%q…), which an OpenAI chat request cannot continue the way rim's chat template does (inside the think block); unset %s for this item", g.from(), g.shownURL(), cut(o.Prefill, 24), g.from())
	}
	if o.MaxTokens <= 0 {
		return fmt.Errorf("experiment: respond: max tokens %d must be positive", o.MaxTokens)
	}
	return nil
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// ServerRespond is Respond through the server g: one chat request per prompt (a user message, temperature 0,
// max_tokens o.MaxTokens, think mode as chat_template_kwargs.enable_thinking when o.Think is set), o.Batch
// requests in flight. Each reply is put together as rim's engine puts its outputs (respond.Assemble), the
// think block's state at the start read from the prompt as rendered by the template in tokenizerDir
// (ServerOutput). Interventions and prefills are errors naming the setting; so is an unreachable server.
func ServerRespond(ctx context.Context, g GenServer, tokenizerDir string, prompts []string, o RespondOptions) ([]string, error) {
	if err := g.check(o); err != nil {
		return nil, err
	}
	c, err := g.Client(o.Batch)
	if err != nil {
		return nil, err
	}
	tdir, err := ResolveTokenizerDir(tokenizerDir)
	if err != nil {
		return nil, err
	}
	ch, err := generate.NewChat(tdir, nil, 0)
	if err != nil {
		return nil, err
	}
	jobs, ids := make([]chatapi.Job, len(prompts)), make([][]int, len(prompts))
	for i, p := range prompts {
		e, err := ch.Encode(generate.Conversation{Messages: []chat.Message{{Role: "user", Content: p}}, Think: o.Think})
		if err != nil {
			return nil, fmt.Errorf("experiment: prompt %d: %w", i, err)
		}
		ids[i] = e.IDs
		jobs[i] = chatapi.Job{Reply: true, Req: chatapi.Request{Messages: []chatapi.Message{{Role: "user", Content: p}},
			Temperature: 0, MaxTokens: o.MaxTokens, Think: o.Think}}
	}
	res, err := c.Batch(ctx, nil, jobs)
	if err != nil {
		return nil, fmt.Errorf("%s=%s (model %s): %v", g.from(), g.shownURL(), g.Model, strings.TrimPrefix(err.Error(), "chatapi: "))
	}
	out := make([]string, len(prompts))
	for i, r := range res {
		if r.Err != nil {
			return nil, fmt.Errorf("%s=%s (model %s): prompt %d: %v", g.from(), g.shownURL(), g.Model, i, strings.TrimPrefix(r.Err.Error(), "chatapi: "))
		}
		out[i] = respond.Assemble("", ServerOutput(ch.Think, ids[i], chatapi.Reply{Content: r.Reply, Reasoning: r.Reasoning, Finish: r.Finish}))
	}
	return out, nil
}

// ServerOutput rebuilds the generate.Output rim's engine would give for a server's reply to the prompt
// promptIDs (as rendered by the model's chat template), with the model's think tags (nil: none):
//
//   - a reply with the reasoning split off (a reasoning parser) is read back as
//     "<think>\n" + reasoning + "\n</think>\n\n" + content, or "<think>\n" + reasoning when the content is
//     empty (the generation was cut off inside its think block, as vLLM answers it: content null);
//   - a reply without (vLLM without --reasoning-parser) is the generated text itself;
//
// then split with ThinkTags.Split, the prompt's last think tag saying whether the block was already open
// (a template that opens it) or closed (Qwen3's no-think mode renders "<think>\n\n</think>\n\n"), as the
// engine does. Exact for every reply but one whose think block closed on an empty answer, which reads back
// as cut off (vLLM's parsers answer both with a null content).
func ServerOutput(tags *generate.ThinkTags, promptIDs []int, r chatapi.Reply) generate.Output {
	text := r.Content
	if r.Reasoning != "" && tags != nil {
		text = tags.Open + "\n" + r.Reasoning
		if r.Content != "" {
			text += "\n" + tags.Close + "\n\n" + r.Content
		}
	}
	o := generate.Output{Text: text, Answer: text}
	if tags == nil {
		return o
	}
	started, closedInPrompt := false, false
	for i := len(promptIDs) - 1; i >= 0; i-- {
		if id := promptIDs[i]; id == tags.OpenID || id == tags.CloseID {
			started, closedInPrompt = id == tags.OpenID, id == tags.CloseID
			break
		}
	}
	o.Thinking, o.Answer, o.ThinkClosed = tags.Split(text, started)
	if !o.ThinkClosed && closedInPrompt && !strings.HasPrefix(strings.TrimLeft(text, " \t\n"), tags.Open) {
		o.ThinkClosed = true
	}
	return o
}

// cachedServerResponses is CachedResponses through the server: the key holds the server's URL and model
// (GenServer.ID) instead of the local model's fingerprint, and the tokenizer (the template renders the
// prompts and reads the replies back).
func cachedServerResponses(c *cache.Cache, g GenServer, tokenizerDir string, prompts []string, o RespondOptions, dh string) ([]string, error) {
	if err := g.check(o); err != nil {
		return nil, err
	}
	id, err := g.ID()
	if err != nil {
		return nil, err
	}
	tdir, err := ResolveTokenizerDir(tokenizerDir)
	if err != nil {
		return nil, err
	}
	tk, err := cache.HashFiles(filepath.Join(tdir, "tokenizer.json"), filepath.Join(tdir, "tokenizer_config.json"))
	if err != nil {
		return nil, fmt.Errorf("experiment: tokenizer %s: %w", tdir, err)
	}
	key := cache.Key{Kind: "notebooks/responses", Model: "server " + id, Data: dh, Code: "v1",
		Params: map[string]string{"think": thinkParam(o.Think), "max_tokens": fmt.Sprint(o.MaxTokens), "tokenizer": tk}}
	return cache.Cached(c, key, func() ([]string, error) {
		return ServerRespond(context.Background(), g, tdir, prompts, o)
	})
}

// thinkParam is a think mode in cache keys: "true false" (on), "false false" (off), "false true" (default).
func thinkParam(think *bool) string { return fmt.Sprint(think != nil && *think, think == nil) }
