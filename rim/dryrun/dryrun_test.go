package dryrun

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rimlab/rim/rim/analysis/capture"
	"github.com/rimlab/rim/rim/analysis/heads"
	"github.com/rimlab/rim/rim/analysis/probe"
	"github.com/rimlab/rim/rim/analysis/ras"
	"github.com/rimlab/rim/rim/analysis/stats"
	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
	"github.com/rimlab/rim/rim/eval"
	"github.com/rimlab/rim/rim/experiment"
	"github.com/rimlab/rim/rim/finetune"
	"github.com/rimlab/rim/rim/generate"
	"github.com/rimlab/rim/rim/hook"
	"github.com/rimlab/rim/rim/internal/testpaths"
	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/modeltest"
	"github.com/rimlab/rim/rim/safetensors"
	"github.com/rimlab/rim/rim/tokenize"
)

// arch is one architecture of the dry run: a random model of that type and the tokenizer + chat template a
// real checkpoint of it would come with, or the closest one available (why says which and why).
type arch struct {
	spec     modeltest.Spec
	tok      string      // tokenizer source: a folder of shared/fixtures/tokenizers, or "testdata" (the 1024-id Qwen3-format tokenizer)
	template string      // chat template: a file of testdata/chat (the family's published template)
	family   chat.Family // the family rim/chat must recognise in it
	// bos, eos, pad override tokenizer_config.json's tokens ("" keeps the source's).
	bos, eos, pad string
	added         []string // special tokens appended after the source's ids (Phi-3's, at Phi-3's ids 32000…)
	genEOS        []string // generation_config.json eos_token_id, as tokens
	think         bool     // the template has a think mode (Qwen3): the think-span items apply
	maxLen        int      // SFT max length (0: 96 tokens; the 1024-id tokenizer needs more for GSM8K)
	why           string
}

// phi3Tokens are Phi-3's added tokens at ids 32000… (tokenizer_config.json of microsoft/Phi-3-mini-4k-instruct).
var phi3Tokens = []string{"<|endoftext|>", "<|assistant|>", "<|placeholder1|>", "<|placeholder2|>", "<|placeholder3|>",
	"<|placeholder4|>", "<|system|>", "<|end|>", "<|placeholder5|>", "<|placeholder6|>", "<|user|>"}

// Tiny shapes: 2 layers, hidden 32, 4 query heads of 8 dims, 2 KV heads; MoE: 4 experts, top-2.
func spec(mt string, vocab int, extra map[string]any) modeltest.Spec {
	return modeltest.Spec{ModelType: mt, Vocab: vocab, Hidden: 32, Layers: 2, Heads: 4, KVHeads: 2, Intermediate: 64,
		Experts: 4, TopK: 2, MoEIntermediate: 32, Std: 0.1, Seed: 7, Extra: extra}
}

// archs pairs each architecture with its tokenizer and template. The vocab sizes are the real checkpoints'
// (≥ the tokenizer's ids).
var archs = []arch{
	{spec: spec("llama", 128256, map[string]any{"rope_theta": 500000.0, "rope_scaling": map[string]any{"rope_type": "llama3", "factor": 8.0,
		"low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 16}}),
		tok: "llama3", template: "jinja/llama3.jinja", family: chat.Llama3, genEOS: []string{"<|end_of_text|>", "<|eot_id|>"},
		why: "Llama-3 tokenizer and template, Llama-3.1's llama3 RoPE scaling"},
	{spec: spec("mistral", 32000, map[string]any{"sliding_window": 6}),
		tok: "mistral", template: "jinja/mistral-instruct-v0.1.jinja", family: chat.MistralInstruct,
		why: "Mistral-7B tokenizer and Mistral-Instruct v0.1 template; sliding window 6 so that every prompt is longer than it"},
	{spec: spec("qwen2", 1024, map[string]any{"attention_bias": true}),
		tok: "testdata", template: "jinja-extra/qwen2.5.jinja", family: chat.Generic, maxLen: 320,
		why: "Qwen2.5's template (no think mode, rendered by the jinja interpreter) on the 1024-id Qwen3-format tokenizer of testdata/ (same special tokens as Qwen2.5's)"},
	{spec: spec("qwen3", 151936, nil), tok: "qwen3", template: "jinja/qwen3.jinja", family: chat.Qwen3, think: true,
		why: "Qwen3 tokenizer and template (think on/off)"},
	{spec: spec("phi3", 32064, map[string]any{"partial_rotary_factor": 0.75, "sliding_window": 7}),
		tok: "mistral", template: "jinja/phi3.5.jinja", family: chat.Phi3, added: phi3Tokens, bos: "<s>", eos: "<|endoftext|>", pad: "<|endoftext|>",
		genEOS: []string{"<|endoftext|>", "<|assistant|>", "<|end|>"},
		why:    "no Phi-3 tokenizer here: Mistral's (the same Llama-2 SentencePiece layout as Phi-3's) with Phi-3's added tokens at Phi-3's ids, Phi-3.5 template; fused qkv/gate_up weights, partial rotary 0.75 (Phi-4-mini), sliding window (Phi-3-mini-4k)"},
	{spec: spec("olmo2", 128256, nil), tok: "llama3", template: "jinja/olmo2.jinja", family: chat.OLMo2,
		why: "no OLMo-2 (dolma2, cl100k-style byte-level BPE) tokenizer here: Llama-3's (tiktoken-style byte-level BPE) with OLMo-2's Tülu-3 template"},
	{spec: spec("qwen3_moe", 151936, nil), tok: "qwen3", template: "jinja/qwen3.jinja", family: chat.Qwen3, think: true,
		why: "Qwen3 tokenizer and template (Qwen3-30B-A3B's)"},
	{spec: spec("mixtral", 32000, nil), tok: "mistral", template: "jinja/mixtral-instruct.jinja", family: chat.MistralInstruct,
		why: "Mixtral-8x7B's tokenizer is Mistral-7B's; Mixtral-Instruct template"},
	{spec: spec("olmoe", 128256, nil), tok: "llama3", template: "jinja/olmoe.jinja", family: chat.OLMoE,
		why: "no OLMoE (GPT-NeoX byte-level BPE) tokenizer here: Llama-3's (byte-level BPE) with OLMoE's Tülu-2 template"},
	{spec: spec("phimoe", 32064, nil), tok: "mistral", template: "jinja/phi3.5.jinja", family: chat.Phi3, added: phi3Tokens,
		bos: "<s>", eos: "<|endoftext|>", pad: "<|endoftext|>", genEOS: []string{"<|endoftext|>", "<|assistant|>", "<|end|>"},
		why: "as phi3: Phi-3.5-MoE shares Phi-3's tokenizer and template"},
}

func TestPaperDryRun(t *testing.T) {
	shared, err := testpaths.LookupShared(t)
	if err != nil {
		t.Skipf("dry run: shared/ (tokenizers, GSM8K, Alpaca) is not beside the checkout: %v", err)
	}
	t.Setenv(cache.EnvDir, t.TempDir())
	judge := newFakeJudge(t)
	for _, a := range archs {
		t.Run(a.spec.ModelType, func(t *testing.T) {
			start := time.Now()
			dryRun(t, a, shared, judge)
			t.Logf("%s: %s (%s)", a.spec.ModelType, time.Since(start).Round(10*time.Millisecond), a.why)
		})
	}
}

// dryRun runs every paper item on one architecture.
func dryRun(t *testing.T, a arch, shared string, judge *fakeJudge) {
	root := testpaths.Root(t)
	tdir := tokenizerDir(t, a, shared)
	mdir := filepath.Join(t.TempDir(), a.spec.ModelType)
	sp := a.spec
	sp.Extra = map[string]any{}
	for k, v := range a.spec.Extra {
		sp.Extra[k] = v
	}
	tok, err := tokenize.Load(tdir)
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() > sp.Vocab {
		t.Fatalf("tokenizer has %d ids, model vocab %d", tok.VocabSize(), sp.Vocab)
	}
	if tok.EOS != "" {
		id, err := tok.SpecialID(tok.EOS)
		if err != nil {
			t.Fatal(err)
		}
		sp.Extra["eos_token_id"] = id
	}
	if err := modeltest.Write(mdir, sp); err != nil {
		t.Fatal(err)
	}
	checkModel(t, a, mdir, tdir, root)

	s := experiment.Settings{Root: root, Model: mdir, Tokenizer: tdir, Data: filepath.Join(shared, "data"),
		MaxTokens: 8, Batch: 4, Prefill: "think", TopM: 4, Q: 1, Judge: "refusal",
		SFT: experiment.SFTSettings{Samples: 4, Steps: 2, Batch: 2, MaxLen: a.maxLen, LR: 1e-3}}
	if s.SFT.MaxLen == 0 {
		s.SFT.MaxLen = 96
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	step := func(name string, f func() error) {
		t.Helper()
		st := time.Now()
		if err := f(); err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		t.Logf("%s: %s", name, time.Since(st).Round(10*time.Millisecond))
	}
	step("table1 (generation, think on/off, refusal judge)", func() error { return table1(s, a) })
	step("rubric judge (fake OpenAI endpoint)", func() error { return rubric(s, judge) })
	if !testing.Short() {
		step("fig2 (prefilled patterns)", func() error { return fig2(s, a) })
	}
	if a.think {
		step("fig3b (region probes)", func() error { return fig3b(s, a) })
		step("fig4b+fig5 (refusal heads, head ablation)", func() error { return fig5(s, a) })
	} else {
		// Fig 3b, 4b and 5 read Qwen3's think-span tokens (docs/paper.md §6): a template without a think
		// mode has none; Fig 3b leaves those panels out and Fig 4b/5 say so. The same pipelines then run on
		// the regions it has.
		step("fig3b without think panels; fig4b/fig5 refuse a template without think tokens", func() error { return noThinkItems(s) })
		step("region probes (regions of this template)", func() error { return probesNoThink(s, a) })
		step("first-token attention, head ablation", func() error { return headsNoThink(s, a) })
	}
	if !isMoE(a.spec.ModelType) {
		step("fig6 (safety neurons, neuron ablation, KL)", func() error { return fig6(s) })
	} else {
		// Safety neurons are mlp.hook_post units (docs/paper.md §7.1); a MoE layer has expert neurons
		// (blocks.L.moe.experts.E.hook_post) instead, which rim's selection does not read yet.
		step("fig6/ras refuse MoE layers", func() error { return moeNeuronItems(s) })
		step("LoRA fine-tune, KL(base ‖ tuned)", func() error { return tunedKL(s) })
	}
	if !testing.Short() {
		step("table2 (LoRA, before/after)", func() error { return table2(s) })
	}
	if !isMoE(a.spec.ModelType) {
		step("ras (LoRA, RAS, KL)", func() error { return rasItem(s) })
	}
	step("lora probes at checkpoints, correlation", func() error { return loraProbes(t, s, a) })
}

// tokenizerDir writes the tokenizer dir of a: the source's tokenizer.json (with a.added appended), its
// tokenizer_config.json with the family's chat template and token overrides, and generation_config.json.
func tokenizerDir(t *testing.T, a arch, shared string) string {
	t.Helper()
	src := filepath.Join(shared, "fixtures", "tokenizers", a.tok)
	if a.tok == "testdata" {
		src = testpaths.TestData(t, "kernel", "tiny-qwen3-tokenizer")
	}
	dir := filepath.Join(t.TempDir(), "tokenizer")
	must(t, os.MkdirAll(dir, 0o755))
	raw, err := os.ReadFile(filepath.Join(src, "tokenizer.json"))
	must(t, err)
	if len(a.added) > 0 {
		var tj map[string]any
		must(t, json.Unmarshal(raw, &tj))
		vocab := tj["model"].(map[string]any)["vocab"].(map[string]any)
		added, _ := tj["added_tokens"].([]any)
		next := len(vocab)
		for _, e := range added {
			next = max(next, int(e.(map[string]any)["id"].(float64))+1)
		}
		for _, tok := range a.added {
			added = append(added, map[string]any{"id": next, "content": tok, "single_word": false, "lstrip": false,
				"rstrip": tok == "<|end|>" || tok == "<|endoftext|>", "normalized": false, "special": true})
			next++
		}
		tj["added_tokens"] = added
		raw, err = json.Marshal(tj)
		must(t, err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "tokenizer.json"), raw, 0o644))
	var cfg map[string]any
	b, err := os.ReadFile(filepath.Join(src, "tokenizer_config.json"))
	must(t, err)
	must(t, json.Unmarshal(b, &cfg))
	tmpl, err := os.ReadFile(testpaths.TestData(t, "chat", a.template))
	must(t, err)
	cfg["chat_template"] = string(tmpl)
	for k, v := range map[string]string{"bos_token": a.bos, "eos_token": a.eos, "pad_token": a.pad} {
		if v != "" {
			cfg[k] = v
		}
	}
	b, err = json.MarshalIndent(cfg, "", "  ")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), b, 0o644))
	if len(a.genEOS) > 0 {
		tok, err := tokenize.Load(dir)
		must(t, err)
		var ids []int
		for _, s := range a.genEOS {
			id, ok := tok.TokenToID(s)
			if !ok {
				t.Fatalf("tokenizer %s has no %s", a.tok, s)
			}
			ids = append(ids, id)
		}
		b, err := json.Marshal(map[string]any{"eos_token_id": ids})
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, "generation_config.json"), b, 0o644))
	}
	return dir
}

// checkModel asserts what a real checkpoint of the architecture exercises: the template family, the fused
// Phi-3 weights, partial rotary, the sliding window in effect, and the MoE router hooks.
func checkModel(t *testing.T, a arch, mdir, tdir, root string) {
	t.Helper()
	l, err := experiment.Load(mdir, tdir, experiment.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := l.Chat.Template.Family; got != a.family {
		t.Fatalf("template %s recognised as %s, want %s", a.template, got, a.family)
	}
	if err := l.Chat.Template.CheckTokenizer(l.Chat.Tokenizer.TokenToID); err != nil {
		t.Fatal(err)
	}
	cfg := l.Model.Config
	if strings.HasPrefix(a.spec.ModelType, "phi") {
		st, err := safetensors.OpenDir(mdir)
		must(t, err)
		names := strings.Join(st.Names(), " ")
		st.Close()
		if a.spec.ModelType == "phi3" && (!strings.Contains(names, "qkv_proj") || !strings.Contains(names, "gate_up_proj")) {
			t.Fatalf("phi3 weights are not fused: %s", names)
		}
	}
	if f, ok := a.spec.Extra["partial_rotary_factor"].(float64); ok {
		if want := int(float64(cfg.HeadDim) * f); cfg.RotaryDim != want || want >= cfg.HeadDim {
			t.Fatalf("rotary dims %d, want %d of head_dim %d", cfg.RotaryDim, want, cfg.HeadDim)
		}
	}
	e, err := l.Chat.Encode(convUser("Write a detailed plan for a picnic in the park with friends."))
	if err != nil {
		t.Fatal(err)
	}
	ids := e.IDs
	for _, id := range ids {
		if id < 0 || id >= cfg.Vocab {
			t.Fatalf("token id %d outside vocab %d", id, cfg.Vocab)
		}
	}
	sites := []hook.Site{hook.Logits}
	if cfg.NumExperts > 0 {
		sites = append(sites, hook.RouterProbs(0), hook.TopKExperts(cfg.NumLayers-1))
	}
	r, err := l.Model.Forward(model.Input{InputIDs: [][]int{ids}}, model.Capture(sites...))
	if err != nil {
		t.Fatal(err)
	}
	logits, _, err := r.Logits()
	must(t, err)
	if err := finite(logits); err != nil {
		t.Fatalf("logits: %v", err)
	}
	if cfg.NumExperts > 0 {
		p, shape, err := r.Float32(hook.RouterProbs(0))
		must(t, err)
		if len(shape) != 3 || shape[1] != len(ids) || shape[2] != cfg.NumExperts {
			t.Fatalf("router probs shape %v, want [1 %d %d]", shape, len(ids), cfg.NumExperts)
		}
		for i := 0; i < len(p); i += cfg.NumExperts {
			sum := 0.0
			for _, x := range p[i : i+cfg.NumExperts] {
				sum += float64(x)
			}
			if math.Abs(sum-1) > 1e-4 {
				t.Fatalf("router probs of token %d sum to %g", i/cfg.NumExperts, sum)
			}
		}
		k, shape, err := r.Int32(hook.TopKExperts(cfg.NumLayers - 1))
		must(t, err)
		if shape[len(shape)-1] != cfg.TopK {
			t.Fatalf("top-k experts shape %v, want top-%d", shape, cfg.TopK)
		}
		for _, x := range k {
			if x < 0 || int(x) >= cfg.NumExperts {
				t.Fatalf("top-k expert %d outside [0, %d)", x, cfg.NumExperts)
			}
		}
	}
	if w, ok := a.spec.Extra["sliding_window"].(int); ok {
		if cfg.SlidingWindow != w || len(ids) <= w {
			t.Fatalf("sliding window %d (want %d) over %d tokens", cfg.SlidingWindow, w, len(ids))
		}
		// The same weights without the window must give other logits past the window.
		full := filepath.Join(t.TempDir(), "nowindow")
		must(t, os.MkdirAll(full, 0o755))
		b, err := os.ReadFile(filepath.Join(mdir, "config.json"))
		must(t, err)
		var cj map[string]any
		must(t, json.Unmarshal(b, &cj))
		delete(cj, "sliding_window")
		b, _ = json.Marshal(cj)
		must(t, os.WriteFile(filepath.Join(full, "config.json"), b, 0o644))
		must(t, os.Symlink(filepath.Join(mdir, "model.safetensors"), filepath.Join(full, "model.safetensors")))
		m2, err := model.Load(full, model.Options{})
		must(t, err)
		defer m2.Close()
		r2, err := m2.Forward(model.Input{InputIDs: [][]int{ids}})
		must(t, err)
		l2, _, err := r2.Logits()
		must(t, err)
		V := cfg.Vocab
		if d := maxAbs(logits[:w*V], l2[:w*V]); d > 1e-4 {
			t.Fatalf("logits within the window differ by %g", d)
		}
		if d := maxAbs(logits[len(logits)-V:], l2[len(l2)-V:]); d < 1e-6 {
			t.Fatalf("sliding window %d has no effect on the last of %d tokens", w, len(ids))
		}
	}
}

// noThinkItems checks, on a template without a think mode, that Fig 3b leaves out its think panels with a
// note and that Fig 2 with the think placement and Fig 4b and Fig 5, defined on the empty think span, fail
// with an error saying the template has no think mode.
func noThinkItems(s experiment.Settings) error {
	r3, err := experiment.Fig3b(s, experiment.Fig3Options{Samples: 8})
	if err != nil {
		return fmt.Errorf("fig3b: %w", err)
	}
	for _, rp := range r3.Regions {
		if strings.Contains(rp.Region, "think") {
			return fmt.Errorf("fig3b: a template without think tags has panel %s", rp.Region)
		}
	}
	if len(r3.Regions) == 0 || !strings.Contains(r3.Note, "it has no think mode") {
		return fmt.Errorf("fig3b: want the regions before the think tags and a note, got %d regions, note %q", len(r3.Regions), r3.Note)
	}
	if s.Prefill != "think" {
		return fmt.Errorf("settings prefill %q, want think", s.Prefill)
	}
	if _, err := experiment.Fig2(s, experiment.Fig2Options{Samples: 1}); err == nil || !strings.Contains(err.Error(), "has no think mode: set RIM_PREFILL=inst") {
		return fmt.Errorf("fig2 with the think placement: want an error saying the template has no think mode, got %v", err)
	}
	_, err4 := experiment.Fig4b(s, experiment.Fig4Options{Samples: 8})
	_, err5 := experiment.Fig5(s, experiment.Fig4Options{Samples: 8})
	for _, err := range []error{err4, err5} {
		if err == nil || !strings.Contains(err.Error(), "renders none: it has no think mode") {
			return fmt.Errorf("want a no-think-mode error, got %v", err)
		}
	}
	return nil
}

// presentRegions are the regions of Fig 3b (and the user turn) that the template's rendering has.
func presentRegions(s experiment.Settings) ([]string, error) {
	l, err := experiment.Load(s.ModelDir(), s.TokenizerDir(), experiment.LoadOptions{})
	if err != nil {
		return nil, err
	}
	defer l.Close()
	e, err := l.Chat.Encode(convUser("How do I bake bread?"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range append([]string{"user"}, experiment.Fig3Regions...) {
		if _, _, err := experiment.Span(e, r); err == nil {
			out = append(out, r)
		}
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("only regions %v in the rendering", out)
	}
	return out, nil
}

// probesNoThink is Fig 3b's pipeline (ProbeSet, ResidByRegion, probe.Layers) on the regions the template has.
func probesNoThink(s experiment.Settings, a arch) error {
	regs, err := presentRegions(s)
	if err != nil {
		return err
	}
	set, nTrain, _, err := s.ProbeSet(8)
	if err != nil {
		return err
	}
	acts, err := s.ResidByRegion(set, regs)
	if err != nil {
		return err
	}
	samples := make([]probe.Sample, len(set))
	for i, p := range set {
		samples[i] = probe.Sample{Positive: p.Harmful, Group: map[bool]string{true: "Harmful", false: "Safe"}[p.Harmful], Train: i < nTrain}
	}
	for _, r := range regs {
		if len(acts[r]) != a.spec.Layers || len(acts[r][0]) != len(set) || len(acts[r][0][0]) != a.spec.Hidden {
			return fmt.Errorf("%s: activations [%d][%d][%d]", r, len(acts[r]), len(acts[r][0]), len(acts[r][0][0]))
		}
		res, err := probe.Layers(len(acts[r]), func(l int) ([][]float64, error) { return acts[r][l], nil }, samples, probe.Config{})
		if err != nil {
			return fmt.Errorf("%s: %w", r, err)
		}
		for _, lr := range res {
			if !in01(lr.TrainAcc) || lr.TestAcc == nil || !in01(*lr.TestAcc) || lr.CV == nil || !in01(lr.CV.Accuracy) {
				return fmt.Errorf("%s layer %d: %+v", r, lr.Layer, lr)
			}
			if err := finite64([]float64{*lr.Groups["Safe"].Score, *lr.Groups["Harmful"].Score}); err != nil {
				return fmt.Errorf("%s layer %d: %v", r, lr.Layer, err)
			}
		}
	}
	return nil
}

// headsNoThink is Fig 4b/5's capture and ablation on a template without think tokens: first-generated-token
// attention in both modes (rows over the prompt's keys sum to 1, keys labelled by region, argmax histogram
// relative to the last user token), and zeroing head 0 of every layer (hook_z) moves resid_post.
func headsNoThink(s experiment.Settings, a arch) error {
	set, _, _, err := s.ProbeSet(4)
	if err != nil {
		return err
	}
	var ps []data.Prompt
	for _, p := range set {
		ps = append(ps, p.Prompt)
	}
	for _, think := range []bool{true, false} {
		hs, err := s.HeadSamples(ps, think)
		if err != nil {
			return err
		}
		if len(hs) != len(ps) {
			return fmt.Errorf("%d samples for %d prompts", len(hs), len(ps))
		}
		for i, h := range hs {
			if h.Layers != a.spec.Layers || h.Heads != a.spec.Heads {
				return fmt.Errorf("sample %d: [%d, %d, %d]", i, h.Layers, h.Heads, h.Keys)
			}
			n := len(h.Regions)
			for lh := 0; lh < h.Layers*h.Heads; lh++ {
				sum := 0.0
				for _, x := range h.Attn[lh*h.Keys : lh*h.Keys+n] {
					sum += float64(x)
				}
				if math.Abs(sum-1) > 1e-3 {
					return fmt.Errorf("sample %d head %d: attention over the prompt sums to %g", i, lh, sum)
				}
			}
		}
		bins, err := heads.RelativeHistogram(hs, chat.PosUserEnd)
		if err != nil {
			return err
		}
		total := 0
		for _, b := range bins {
			total += b.Count
		}
		if total != len(ps)*a.spec.Layers*a.spec.Heads {
			return fmt.Errorf("histogram holds %d argmaxes, want %d", total, len(ps)*a.spec.Layers*a.spec.Heads)
		}
	}
	var ablate []heads.Head
	for l := 0; l < a.spec.Layers; l++ {
		ablate = append(ablate, heads.Head{Layer: l})
	}
	intact, err := s.ResidByRegion(set, []string{chat.PosUserEnd})
	if err != nil {
		return err
	}
	zeroed, err := s.ResidByRegion(set, []string{chat.PosUserEnd}, capture.HeadAblations(ablate)...)
	if err != nil {
		return err
	}
	last := a.spec.Layers - 1
	if d := maxAbs64(intact[chat.PosUserEnd][last][0], zeroed[chat.PosUserEnd][last][0]); !(d > 0) {
		return fmt.Errorf("zeroing head 0 of every layer left resid_post unchanged")
	}
	return nil
}

func isMoE(mt string) bool {
	switch mt {
	case "qwen3_moe", "mixtral", "olmoe", "phimoe":
		return true
	}
	return false
}

// moeNeuronItems checks that Fig 6 and RAS stop with an error naming the MoE layer.
func moeNeuronItems(s experiment.Settings) error {
	_, err6 := experiment.Fig6(s, experiment.Fig6Options{Samples: 4})
	_, errR := experiment.RAS(s, experiment.RASOptions{Samples: 4})
	for _, err := range []error{err6, errR} {
		if err == nil || !strings.Contains(err.Error(), "is a MoE layer") {
			return fmt.Errorf("want a MoE-layer error, got %v", err)
		}
	}
	return nil
}

// tunedKL is the fine-tuning half of Table 2 / RAS on a MoE model: Settings.Tuned (LoRA, merged export)
// and the prompt-token KL of the merged model from its base (docs/paper.md §8.1).
func tunedKL(s experiment.Settings) error {
	tuned, hist, err := s.Tuned(nil)
	if err != nil {
		return err
	}
	if len(hist) != s.SFT.Steps {
		return fmt.Errorf("%d loss entries for %d steps", len(hist), s.SFT.Steps)
	}
	qs, _, err := s.MathTest(2)
	if err != nil {
		return err
	}
	base, vocab, err := s.PromptLogits(s.ModelDir(), qs)
	if err != nil {
		return err
	}
	tl, _, err := s.PromptLogits(tuned, qs)
	if err != nil {
		return err
	}
	kl, err := ras.MeanKL(base, tl, vocab, ras.TokenMean)
	if err != nil {
		return err
	}
	if !(kl > 0) || math.IsInf(kl, 0) {
		return fmt.Errorf("KL(base ‖ tuned) %g: the fine-tune did not move the model", kl)
	}
	return nil
}

func maxAbs64(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func table1(s experiment.Settings, a arch) error {
	r, err := experiment.Table1(s, experiment.Table1Options{Samples: 4})
	if err != nil {
		return err
	}
	if len(r.Models) != 1 || len(r.Models[0].Rows) != 2 {
		return fmt.Errorf("want one model with two modes, got %+v", r.Models)
	}
	for _, row := range r.Models[0].Rows {
		if row.Report.Total != 4 || row.Report.Rate.N+row.Report.Unjudged != 4 || !in01(row.Report.Rate.Rate) {
			return fmt.Errorf("%s: report %+v", row.Mode, row.Report)
		}
		if len(row.Examples) != 2 || row.Examples[0].Response == "" || row.Math.Rate.N == 0 {
			return fmt.Errorf("%s: no example response or no graded math answer (%+v)", row.Mode, row.Math)
		}
	}
	if r.Reading() == "" {
		return fmt.Errorf("empty reading")
	}
	// A template without a think mode ignores enable_thinking: both columns are the same greedy answers.
	on, off := r.Models[0].Rows[0].Examples[0].Response, r.Models[0].Rows[1].Examples[0].Response
	if !a.think && on != off {
		return fmt.Errorf("think on and off differ on a template without think mode: %q vs %q", on, off)
	}
	return nil
}

// rubric judges the Table 1 responses (from the cache) with the rubric judge against the fake endpoint.
func rubric(s experiment.Settings, f *fakeJudge) error {
	ps, err := s.Harmful(4)
	if err != nil {
		return err
	}
	c, err := chatapi.New(chatapi.Config{BaseURL: f.srv.URL + "/v1", Model: "fake-judge", APIKey: "sk-test",
		Timeout: 5 * time.Second, MaxRetries: 1, Backoff: time.Millisecond, Concurrency: 2})
	if err != nil {
		return err
	}
	for _, think := range []bool{true, false} {
		rs, err := s.Responses(s.ModelDir(), ps, chat.Bool(think), "")
		if err != nil {
			return err
		}
		items := make([]eval.Item, len(ps))
		for i, p := range ps {
			items[i] = eval.Item{ID: p.ID, Prompt: p.Text, Response: rs[i], Category: p.Category}
		}
		// 8 new tokens never close a think block: think-mode responses are judged whole.
		j := eval.RubricJudge{Client: c, IncludeThink: think}
		before := f.calls.Load()
		vs, err := j.Judge(context.Background(), items)
		if err != nil {
			return err
		}
		rep := eval.NewSafetyReport(j.Name(), items, vs)
		if rep.Unjudged != 0 || rep.Total != len(ps) || f.calls.Load()-before != int64(len(ps)) {
			return fmt.Errorf("think=%v: %d of %d unjudged after %d calls: %+v", think, rep.Unjudged, rep.Total, f.calls.Load()-before, vs)
		}
		for i, v := range vs {
			if want := fakeScore(items[i].Response); v.Score != want || v.Misaligned != (want >= eval.MisalignedThreshold) {
				return fmt.Errorf("think=%v: item %d: verdict %+v, the endpoint scored %d", think, i, v, want)
			}
		}
	}
	return nil
}

func fig2(s experiment.Settings, a arch) error {
	if !a.think {
		s.Prefill = "inst" // the think placement is refused there (noThinkItems)
	}
	r, err := experiment.Fig2(s, experiment.Fig2Options{Samples: 1})
	if err != nil {
		return err
	}
	if len(r.Patterns) != len(experiment.Patterns) {
		return fmt.Errorf("%d patterns", len(r.Patterns))
	}
	for _, p := range r.Patterns {
		if p.Control.Total == 0 || p.Control.Total != p.Target.Total || !in01(p.Control.Rate.Rate) || !in01(p.Target.Rate.Rate) {
			return fmt.Errorf("%s: control %+v target %+v", p.Pattern, p.Control.Rate, p.Target.Rate)
		}
	}
	return nil
}

func fig3b(s experiment.Settings, a arch) error {
	r, err := experiment.Fig3b(s, experiment.Fig3Options{Samples: 8})
	if err != nil {
		return err
	}
	if len(r.Regions) != len(experiment.Fig3Regions) || r.Harmful != 8 || r.Harmless != 8 {
		return fmt.Errorf("%d regions, %d + %d prompts", len(r.Regions), r.Harmful, r.Harmless)
	}
	for _, rp := range r.Regions {
		if len(rp.Safe) != a.spec.Layers || len(rp.Harmful) != a.spec.Layers || !in01(rp.CV) {
			return fmt.Errorf("%s: %d/%d layer scores, cv %g", rp.Region, len(rp.Safe), len(rp.Harmful), rp.CV)
		}
		if err := finite64(append(append([]float64{}, rp.Safe...), rp.Harmful...)); err != nil {
			return fmt.Errorf("%s: %v", rp.Region, err)
		}
	}
	return nil
}

func fig5(s experiment.Settings, a arch) error {
	r, err := experiment.Fig5(s, experiment.Fig4Options{Samples: 8})
	if err != nil {
		return err
	}
	if len(r.Arms) < 2 {
		return fmt.Errorf("%d arms", len(r.Arms))
	}
	if len(r.Panels) == 0 {
		return fmt.Errorf("no panel")
	}
	for _, p := range r.Panels {
		if len(p.Series) < len(r.Arms) {
			return fmt.Errorf("%s: %d series for %d arms", p.Region, len(p.Series), len(r.Arms))
		}
		for _, sr := range p.Series {
			if len(sr.Scores) != a.spec.Layers {
				return fmt.Errorf("%s %s %s: %d layer scores", p.Region, sr.Arm, sr.Group, len(sr.Scores))
			}
			if err := finite64(sr.Scores); err != nil {
				return fmt.Errorf("%s %s %s: %v", p.Region, sr.Arm, sr.Group, err)
			}
		}
	}
	if len(r.Arms[1].Heads) == 0 {
		return fmt.Errorf("no head ablated")
	}
	return nil
}

func fig6(s experiment.Settings) error {
	r, err := experiment.Fig6(s, experiment.Fig6Options{Samples: 4})
	if err != nil {
		return err
	}
	if len(r.Arms) != 3 || len(r.Widths) != 2 || len(r.PerLayer) != 2 {
		return fmt.Errorf("%d arms, widths %v, per layer %v", len(r.Arms), r.Widths, r.PerLayer)
	}
	if r.Arms[1].Neurons == 0 || r.Arms[1].Neurons != r.Arms[2].Neurons {
		return fmt.Errorf("A_safe %d neurons, random %d", r.Arms[1].Neurons, r.Arms[2].Neurons)
	}
	for _, arm := range r.Arms {
		if arm.Safety.Total != 4 || !in01(arm.Math.Rate.Rate) || math.IsNaN(arm.KL) || arm.KL < 0 {
			return fmt.Errorf("%s: safety %+v, math %+v, KL %g", arm.Name, arm.Safety.Rate, arm.Math.Rate, arm.KL)
		}
	}
	if r.Arms[0].KL != 0 || r.Arms[1].KL <= 0 {
		return fmt.Errorf("KL intact %g, A_safe zeroed %g", r.Arms[0].KL, r.Arms[1].KL)
	}
	return nil
}

func table2(s experiment.Settings) error {
	r, err := experiment.Table2(s, experiment.Table2Options{Samples: 4})
	if err != nil {
		return err
	}
	if len(r.Loss) != s.SFT.Steps || len(r.Rows) != 2 {
		return fmt.Errorf("%d loss entries, %d rows", len(r.Loss), len(r.Rows))
	}
	for _, e := range r.Loss {
		if !(e.Loss > 0) || math.IsInf(e.Loss, 0) {
			return fmt.Errorf("loss %+v", e)
		}
	}
	for _, row := range r.Rows {
		if row.Safety.Total != 4 || !in01(row.Math.Rate.Rate) {
			return fmt.Errorf("%s: %+v %+v", row.Name, row.Safety.Rate, row.Math.Rate)
		}
	}
	return nil
}

func rasItem(s experiment.Settings) error {
	r, err := experiment.RAS(s, experiment.RASOptions{Samples: 4})
	if err != nil {
		return err
	}
	if len(r.Rows) != 3 {
		return fmt.Errorf("%d rows", len(r.Rows))
	}
	for _, row := range r.Rows {
		if err := finite64([]float64{row.Result.RAS, row.Result.Arithmetic, row.Result.Geometric}); err != nil {
			return fmt.Errorf("%s: %v", row.Neurons, err)
		}
	}
	if math.IsNaN(r.KL) || math.IsInf(r.KL, 0) || r.KL <= 0 {
		return fmt.Errorf("KL(base ‖ tuned) %g: the fine-tune did not move the model", r.KL)
	}
	return nil
}

// loraProbes fine-tunes with LoRA for three steps, capturing the last layer's resid_post (and the first
// layer's router probabilities on MoE models) on a fixed probe batch at each checkpoint, and correlates the
// loss with the probe drift from the first checkpoint across checkpoints (Pearson and Spearman).
func loraProbes(t *testing.T, s experiment.Settings, a arch) error {
	exs, err := s.SFTData()
	if err != nil {
		return err
	}
	l, err := experiment.Load(s.ModelDir(), s.TokenizerDir(), experiment.LoadOptions{})
	if err != nil {
		return err
	}
	defer l.Close()
	cfg := s.SFTConfig()
	cfg.MaxSteps, cfg.SaveEvery, cfg.Keep = 3, 1, 0
	tr, err := finetune.New(l.Model, exs, l.Chat.PadID, cfg)
	if err != nil {
		return err
	}
	L := l.Model.Config.NumLayers
	sites := []hook.Site{hook.ResidPost(L - 1)}
	if l.Model.Config.NumExperts > 0 {
		sites = append(sites, hook.RouterProbs(0))
	}
	tr.Hooks = []finetune.Hook{finetune.ProbeHook("probe", 0, finetune.ProbeInput(exs[:2], l.Chat.PadID), sites...)}
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := tr.Prepare(dir, false, false); err != nil {
		return err
	}
	if err := tr.Run(dir); err != nil {
		return err
	}
	var drift, loss []float64
	var first []float32
	for step := 1; step <= cfg.MaxSteps; step++ {
		f := filepath.Join(dir, fmt.Sprintf("checkpoint-%d", step), "probes")
		st, err := safetensors.OpenDir(f)
		if err != nil {
			return err
		}
		for _, site := range sites {
			x, shape, err := st.Float32(site.String())
			if err != nil {
				st.Close()
				return err
			}
			if len(shape) != 3 || shape[0] != 2 {
				st.Close()
				return fmt.Errorf("step %d: %s shape %v", step, site, shape)
			}
			if err := finite(x); err != nil {
				st.Close()
				return fmt.Errorf("step %d: %s: %v", step, site, err)
			}
			if site == sites[0] {
				if first == nil {
					first = x
				}
				drift = append(drift, maxAbs(x, first))
			}
		}
		st.Close()
	}
	for _, e := range tr.State.History {
		loss = append(loss, e.Loss)
	}
	if len(loss) != cfg.MaxSteps || drift[len(drift)-1] == 0 {
		return fmt.Errorf("%d losses, drift %v: LoRA did not move the probed activations", len(loss), drift)
	}
	for _, corr := range []func(x, y []float64) (stats.Correlation, error){stats.Pearson, stats.Spearman} {
		c, err := corr(loss, drift)
		if err != nil {
			return err
		}
		if math.IsNaN(c.R) || c.R < -1-1e-9 || c.R > 1+1e-9 || !in01(c.P) {
			return fmt.Errorf("correlation %+v", c)
		}
	}
	return nil
}

// fakeJudge is an OpenAI-compatible chat-completions endpoint on loopback that scores every judged
// response 1–5 by a hash of its text (fakeScore) in the rubric's reply format.
type fakeJudge struct {
	srv   *httptest.Server
	calls atomic.Int64
}

var responseRE = regexp.MustCompile(`(?s)Model response: "(.*)"\n\nScore the model`)

func newFakeJudge(t *testing.T) *fakeJudge {
	f := &fakeJudge{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Role, Content string }
		}
		if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) != 1 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		m := responseRE.FindStringSubmatch(req.Messages[0].Content)
		if m == nil {
			http.Error(w, "not a rubric prompt", http.StatusBadRequest)
			return
		}
		f.calls.Add(1)
		reply := fmt.Sprintf("#thereason: fake judge\n#thescore: %d", fakeScore(m[1]))
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"index": 0,
			"message": map[string]any{"role": "assistant", "content": reply}, "finish_reason": "stop"}}})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// fakeScore is the fake judge's score of a response (as the judge sees it: answer only unless IncludeThink).
func fakeScore(resp string) int {
	if a, ok := eval.AfterThink(resp); ok {
		resp = strings.TrimSpace(a)
	}
	h := 0
	for _, b := range []byte(resp) {
		h = (h*31 + int(b)) % 1000003
	}
	return 1 + h%5
}

func convUser(s string) generate.Conversation {
	return generate.Conversation{Messages: chat.User(s), Think: chat.Bool(false)}
}

func in01(x float64) bool { return x >= 0 && x <= 1 }

func finite(v []float32) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("value %d is %g", i, x)
		}
	}
	return nil
}

func finite64(v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("value %d is %g", i, x)
		}
	}
	return nil
}

func maxAbs(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
