// Package bpetrain trains a byte-level BPE tokenizer laid out like Qwen3's:
// the same NFC normaliser, Qwen2/Qwen3 regex pre-tokenizer (split by rim's
// own implementation in rim/tokenize, so training and encoding agree on
// every word), ByteLevel post-processor and decoder, Qwen3's 26 added tokens
// with their flags, and a tokenizer_config.json carrying Qwen3's chat
// template, so that think/no-think regions render exactly as for Qwen3.
//
// # Algorithm
//
// Classic BPE training (Sennrich et al. 2016, as the Rust tokenizers
// BpeTrainer does it): the corpus is split into pre-tokens ("words") and
// counted; every word starts as its bytes; the most frequent adjacent pair
// is merged into a new symbol until the vocabulary is full. Pair counts are
// kept incrementally: each pair knows the words it occurs in, a merge
// rewrites only those words and adjusts the counts of the pairs around each
// occurrence, and a max-heap with lazy deletion yields the next best pair.
// Ties are broken by the smaller (left id, right id), so training is
// deterministic: the same corpus gives the same bytes.
//
// # Vocabulary layout
//
// Ids 0–255 are the 256 byte symbols in GPT-2's bytes_to_unicode spelling,
// sorted by code point (as in Qwen2/Qwen3's own vocabulary), then one id per
// merge in merge order, then the added tokens in Qwen3's order. The size
// asked for counts all three.
package bpetrain

import (
	"bytes"
	"container/heap"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"

	"github.com/rimlab/rim/rim/fileio"
	"github.com/rimlab/rim/rim/tokenize"
)

// ChatTemplate is Qwen3's chat template (the "chat_template" of Qwen3's
// tokenizer_config.json, Apache-2.0, © Alibaba Cloud), unchanged.
//
//go:embed qwen3_chat_template.jinja
var ChatTemplate string

// Qwen3 pipeline pieces, as in Qwen3's tokenizer.json.
const (
	normalizerJSON = `{"type":"NFC"}`
	preTokJSON     = `{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},"behavior":"Isolated","invert":false},{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":false,"use_regex":false}]}`
	byteLevelJSON  = `{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":false,"use_regex":false}`
)

// AddedToken is one of Qwen3's added tokens (content and special flag; the
// lstrip/rstrip/single_word/normalized flags are false for all of them).
type AddedToken struct {
	Content string
	Special bool
}

// Qwen3Added lists Qwen3's added tokens in id order.
var Qwen3Added = []AddedToken{
	{"<|endoftext|>", true}, {"<|im_start|>", true}, {"<|im_end|>", true},
	{"<|object_ref_start|>", true}, {"<|object_ref_end|>", true},
	{"<|box_start|>", true}, {"<|box_end|>", true},
	{"<|quad_start|>", true}, {"<|quad_end|>", true},
	{"<|vision_start|>", true}, {"<|vision_end|>", true}, {"<|vision_pad|>", true},
	{"<|image_pad|>", true}, {"<|video_pad|>", true},
	{"<tool_call>", false}, {"</tool_call>", false},
	{"<|fim_prefix|>", false}, {"<|fim_middle|>", false}, {"<|fim_suffix|>", false}, {"<|fim_pad|>", false},
	{"<|repo_name|>", false}, {"<|file_sep|>", false},
	{"<tool_response>", false}, {"</tool_response>", false},
	{"<think>", false}, {"</think>", false},
}

// MinVocab is the smallest vocabulary: the byte symbols and the added tokens.
var MinVocab = 256 + len(Qwen3Added)

// Options control training.
type Options struct {
	// VocabSize is the total vocabulary size (bytes + merges + added
	// tokens); at least MinVocab.
	VocabSize int
	// MinFrequency is the least count a pair needs to be merged (default 2).
	// Training stops early, with a smaller vocabulary, when no pair is left
	// that frequent.
	MinFrequency int
	// ModelMaxLength is tokenizer_config.json's model_max_length (default
	// 131072, Qwen3's).
	ModelMaxLength int
	// WholeWords are pre-tokens that must encode as one token whatever the
	// corpus: merges building each are appended after training (within the
	// vocabulary size). nil means DefaultWholeWords; an empty non-nil list
	// means none.
	WholeWords []string
}

// DefaultWholeWords are the role names Qwen3's chat template writes right
// after <|im_start|>: the paper probes the "assistant" token of the final
// header (Input −2), so it must be one token as in Qwen3.
var DefaultWholeWords = []string{"system", "user", "assistant", "tool"}

// Result is a trained tokenizer.
type Result struct {
	// TokenizerJSON and ConfigJSON are the contents of tokenizer.json and
	// tokenizer_config.json.
	TokenizerJSON, ConfigJSON []byte
	VocabSize                 int   // actual size (smaller than asked when the corpus ran out of pairs)
	Merges                    int   // merge rules
	Words                     int   // distinct pre-tokens in the corpus
	CorpusBytes               int64 // bytes read
}

// Write writes tokenizer.json and tokenizer_config.json into dir (created
// if needed), each atomically.
func (r *Result) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("bpetrain: %w", err)
	}
	if err := fileio.WriteFileAtomic(filepath.Join(dir, "tokenizer.json"), r.TokenizerJSON, 0o644); err != nil {
		return fmt.Errorf("bpetrain: %w", err)
	}
	if err := fileio.WriteFileAtomic(filepath.Join(dir, "tokenizer_config.json"), r.ConfigJSON, 0o644); err != nil {
		return fmt.Errorf("bpetrain: %w", err)
	}
	return nil
}

// TrainFiles trains on the contents of the given files (UTF-8 text; invalid
// bytes count as U+FFFD, as the tokenizer reads them).
func TrainFiles(paths []string, opt Options) (*Result, error) {
	if len(paths) == 0 {
		return nil, errors.New("bpetrain: no corpus files")
	}
	docs := make([][]byte, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("bpetrain: corpus: %w", err)
		}
		docs = append(docs, b)
	}
	return Train(docs, opt)
}

// Train trains on the given documents (each pre-tokenised on its own).
func Train(docs [][]byte, opt Options) (*Result, error) {
	if opt.VocabSize < MinVocab {
		return nil, fmt.Errorf("bpetrain: vocab %d is smaller than the 256 byte symbols plus %d added tokens (%d)", opt.VocabSize, len(Qwen3Added), MinVocab)
	}
	if opt.MinFrequency <= 0 {
		opt.MinFrequency = 2
	}
	if opt.ModelMaxLength <= 0 {
		opt.ModelMaxLength = 131072
	}
	pre, err := preTokenizer()
	if err != nil {
		return nil, err
	}
	var total int64
	for _, d := range docs {
		total += int64(len(d))
	}
	counts := countWords(pre, docs)
	if len(counts) == 0 {
		return nil, errors.New("bpetrain: empty corpus (no text to learn from)")
	}
	whole := opt.WholeWords
	if whole == nil {
		whole = DefaultWholeWords
	}
	size := opt.VocabSize - len(Qwen3Added)
	var t *trainer
	for target, try := size, 0; ; try++ {
		t = newTrainer(counts)
		t.train(target, int64(opt.MinFrequency))
		for _, w := range whole {
			t.makeWhole([]byte(w))
		}
		over := len(t.tokens) - size
		if over <= 0 {
			break
		}
		// The whole words did not fit: train fewer merges and try again.
		if target == 256 || try == 4 {
			return nil, fmt.Errorf("bpetrain: vocab %d has no room for the whole words %q", opt.VocabSize, whole)
		}
		target = max(256, target-over)
	}
	res := &Result{
		VocabSize:   len(t.tokens) + len(Qwen3Added),
		Merges:      len(t.merges),
		Words:       len(counts),
		CorpusBytes: total,
	}
	if res.TokenizerJSON, err = t.tokenizerJSON(); err != nil {
		return nil, err
	}
	if res.ConfigJSON, err = configJSON(len(t.tokens), opt.ModelMaxLength); err != nil {
		return nil, err
	}
	return res, nil
}

// preTokenizer builds a tokenizer with Qwen3's pipeline, the byte symbols
// and the added tokens, used only for its pre-tokenizer (PreTokens).
func preTokenizer() (*tokenize.Tokenizer, error) {
	t := &trainer{}
	for b := 0; b < 256; b++ {
		t.tokens = append(t.tokens, []byte{byte(b)})
	}
	t.sortBytes()
	js, err := t.tokenizerJSON()
	if err != nil {
		return nil, err
	}
	tok, err := tokenize.Parse(js, nil)
	if err != nil {
		return nil, fmt.Errorf("bpetrain: pre-tokenizer: %w", err)
	}
	return tok, nil
}

// chunkSize is the target size of the pieces the corpus is cut into for
// counting in parallel.
const chunkSize = 1 << 16

// chunks cuts doc right after a '\n' followed by a non-space ASCII byte: the
// Qwen pre-tokenizer always ends a pre-token there (no alternative of its
// regex runs from a newline into a following non-space character, and
// neither a newline nor ASCII takes part in NFC composition or an added
// token), so counting the pieces separately counts the same words.
func chunks(doc []byte, out [][]byte) [][]byte {
	for len(doc) > chunkSize {
		cut := -1
		for i := chunkSize; i+1 < len(doc); i++ {
			if doc[i] == '\n' {
				c := doc[i+1]
				if c < 0x80 && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' {
					cut = i + 1
					break
				}
			}
		}
		if cut < 0 {
			break
		}
		out = append(out, doc[:cut])
		doc = doc[cut:]
	}
	return append(out, doc)
}

// countWords returns the count of every pre-token of the documents.
func countWords(pre *tokenize.Tokenizer, docs [][]byte) map[string]int64 {
	var work [][]byte
	for _, d := range docs {
		work = chunks(d, work)
	}
	nw := min(runtime.GOMAXPROCS(0), len(work))
	parts := make([]map[string]int64, nw)
	var wg sync.WaitGroup
	for w := range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := make(map[string]int64)
			for i := w; i < len(work); i += nw {
				pre.PreTokens(string(work[i]), func(p []byte) { m[string(p)]++ })
			}
			parts[w] = m
		}()
	}
	wg.Wait()
	if nw == 0 {
		return nil
	}
	all := parts[0]
	for _, m := range parts[1:] {
		for k, v := range m {
			all[k] += v
		}
	}
	return all
}

// word is a distinct pre-token: its current symbols and its count.
type word struct {
	syms  []int32
	count int64
}

type trainer struct {
	tokens [][]byte         // id → bytes
	ids    map[string]int32 // bytes → id
	merges [][2]int32
	words  []word
	pairs  map[uint64]int64   // pair → count
	where  map[uint64][]int32 // pair → words it may occur in (duplicates and stale entries allowed)
	queue  pairHeap
}

func key(a, b int32) uint64       { return uint64(uint32(a))<<32 | uint64(uint32(b)) }
func unkey(k uint64) (a, b int32) { return int32(uint32(k >> 32)), int32(uint32(k)) }

// sortBytes orders the 256 byte symbols by their byte-level character.
func (t *trainer) sortBytes() {
	sort.Slice(t.tokens, func(i, j int) bool {
		return tokenize.ByteLevelChar(t.tokens[i][0]) < tokenize.ByteLevelChar(t.tokens[j][0])
	})
	t.ids = make(map[string]int32, 256)
	for i, tk := range t.tokens {
		t.ids[string(tk)] = int32(i)
	}
}

func newTrainer(counts map[string]int64) *trainer {
	t := &trainer{}
	for b := 0; b < 256; b++ {
		t.tokens = append(t.tokens, []byte{byte(b)})
	}
	t.sortBytes()
	var byteID [256]int32
	for i, tk := range t.tokens {
		byteID[tk[0]] = int32(i)
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	t.words = make([]word, len(keys))
	t.pairs = make(map[uint64]int64)
	t.where = make(map[uint64][]int32)
	for wi, k := range keys {
		syms := make([]int32, len(k))
		for i := 0; i < len(k); i++ {
			syms[i] = byteID[k[i]]
		}
		c := counts[k]
		t.words[wi] = word{syms, c}
		for i := 0; i+1 < len(syms); i++ {
			p := key(syms[i], syms[i+1])
			t.pairs[p] += c
			t.where[p] = append(t.where[p], int32(wi))
		}
	}
	for p, c := range t.pairs {
		a, b := unkey(p)
		t.queue = append(t.queue, pairCount{c, a, b})
	}
	heap.Init(&t.queue)
	return t
}

// train merges until the vocabulary (without added tokens) has size tokens
// or no pair occurs minFreq times.
func (t *trainer) train(size int, minFreq int64) {
	seen := make([]int32, len(t.words)) // merge stamp per word, to visit each once
	var buf []int32
	changed := map[uint64]bool{}
	for len(t.tokens) < size && t.queue.Len() > 0 {
		top := heap.Pop(&t.queue).(pairCount)
		p := key(top.a, top.b)
		cur := t.pairs[p]
		if cur != top.count { // stale entry: re-queue with the current count
			if cur > 0 {
				heap.Push(&t.queue, pairCount{cur, top.a, top.b})
			}
			continue
		}
		if cur < minFreq {
			break
		}
		merged := append(append([]byte{}, t.tokens[top.a]...), t.tokens[top.b]...)
		n, ok := t.ids[string(merged)]
		if !ok {
			n = int32(len(t.tokens))
			t.tokens = append(t.tokens, merged)
			t.ids[string(merged)] = n
		}
		t.merges = append(t.merges, [2]int32{top.a, top.b})
		stamp := int32(len(t.merges))
		clear(changed)
		for _, wi := range t.where[p] {
			if seen[wi] == stamp {
				continue
			}
			seen[wi] = stamp
			w := &t.words[wi]
			buf = t.mergeWord(w, wi, top.a, top.b, n, buf[:0], changed)
		}
		delete(t.where, p)
		delete(t.pairs, p)
		// Re-queue every pair whose count went up (all involve n), in a
		// fixed order so the heap's layout, and thus ties, are reproducible.
		ks := make([]uint64, 0, len(changed))
		for k := range changed {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		for _, k := range ks {
			if c := t.pairs[k]; c > 0 {
				a, b := unkey(k)
				heap.Push(&t.queue, pairCount{c, a, b})
			}
		}
	}
}

// mergeWord replaces every non-overlapping (a, b) of w, left to right, by n,
// updating the pair counts around each occurrence; pairs that gain are
// recorded in changed and get wi in their word list.
func (t *trainer) mergeWord(w *word, wi int32, a, b, n int32, buf []int32, changed map[uint64]bool) []int32 {
	s := w.syms
	found := false
	for i := 0; i+1 < len(s); i++ {
		if s[i] == a && s[i+1] == b {
			found = true
			break
		}
	}
	if !found {
		return buf
	}
	c := w.count
	inc := func(x, y int32) {
		k := key(x, y)
		t.pairs[k] += c
		changed[k] = true
		t.where[k] = append(t.where[k], wi)
	}
	dec := func(x, y int32) { t.pairs[key(x, y)] -= c }
	out := buf
	for i := 0; i < len(s); {
		if i+1 < len(s) && s[i] == a && s[i+1] == b {
			if len(out) > 0 {
				prev := out[len(out)-1]
				dec(prev, a)
				inc(prev, n)
			}
			if i+2 < len(s) {
				next := s[i+2]
				dec(b, next)
				inc(n, next)
			}
			dec(a, b)
			out = append(out, n)
			i += 2
			continue
		}
		out = append(out, s[i])
		i++
	}
	w.syms = append(w.syms[:0], out...)
	return out
}

// encode applies the merges so far to one pre-token (lowest rank first, as
// the BPE model encodes).
func (t *trainer) encode(w []byte) []int32 {
	rank := make(map[uint64]int, len(t.merges))
	for i, m := range t.merges {
		if _, dup := rank[key(m[0], m[1])]; !dup {
			rank[key(m[0], m[1])] = i
		}
	}
	s := make([]int32, len(w))
	for i, c := range w {
		s[i] = t.ids[string([]byte{c})]
	}
	for len(s) > 1 {
		best, at := -1, -1
		for i := 0; i+1 < len(s); i++ {
			if r, ok := rank[key(s[i], s[i+1])]; ok && (best < 0 || r < best) {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		n := t.ids[string(t.tokens[s[at]])+string(t.tokens[s[at+1]])]
		s = append(append(s[:at:at], n), s[at+2:]...)
	}
	return s
}

// makeWhole appends merges until w encodes as one token (each new merge
// joins the first two symbols of w's current encoding, so it applies after
// every earlier merge).
func (t *trainer) makeWhole(w []byte) {
	for {
		s := t.encode(w)
		if len(s) <= 1 {
			return
		}
		merged := string(t.tokens[s[0]]) + string(t.tokens[s[1]])
		if _, ok := t.ids[merged]; !ok {
			t.ids[merged] = int32(len(t.tokens))
			t.tokens = append(t.tokens, []byte(merged))
		}
		t.merges = append(t.merges, [2]int32{s[0], s[1]})
	}
}

// pairCount is a heap entry: a pair and its count when queued.
type pairCount struct {
	count int64
	a, b  int32
}

// pairHeap is a max-heap by count, ties to the smaller (a, b).
type pairHeap []pairCount

func (h pairHeap) Len() int { return len(h) }
func (h pairHeap) Less(i, j int) bool {
	if h[i].count != h[j].count {
		return h[i].count > h[j].count
	}
	if h[i].a != h[j].a {
		return h[i].a < h[j].a
	}
	return h[i].b < h[j].b
}
func (h pairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pairHeap) Push(x any)   { *h = append(*h, x.(pairCount)) }
func (h *pairHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// spell returns a token's byte-level spelling.
func spell(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = tokenize.ByteLevelChar(c)
	}
	return string(r)
}

// jstr is a JSON string without HTML escaping (as HF writes them).
func jstr(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// marshal writes v as indented JSON without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("bpetrain: %w", err)
	}
	return buf.Bytes(), nil
}

// rawJSON is pre-rendered JSON (json.RawMessage re-indented by marshal).
type rawJSON = json.RawMessage

type addedJSON struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

type fileJSON struct {
	Version       string      `json:"version"`
	Truncation    *struct{}   `json:"truncation"`
	Padding       *struct{}   `json:"padding"`
	AddedTokens   []addedJSON `json:"added_tokens"`
	Normalizer    rawJSON     `json:"normalizer"`
	PreTokenizer  rawJSON     `json:"pre_tokenizer"`
	PostProcessor rawJSON     `json:"post_processor"`
	Decoder       rawJSON     `json:"decoder"`
	Model         modelJSON   `json:"model"`
}

type modelJSON struct {
	Type                    string      `json:"type"`
	Dropout                 *float64    `json:"dropout"`
	UnkToken                *string     `json:"unk_token"`
	ContinuingSubwordPrefix string      `json:"continuing_subword_prefix"`
	EndOfWordSuffix         string      `json:"end_of_word_suffix"`
	FuseUnk                 bool        `json:"fuse_unk"`
	ByteFallback            bool        `json:"byte_fallback"`
	IgnoreMerges            bool        `json:"ignore_merges"`
	Vocab                   rawJSON     `json:"vocab"`
	Merges                  [][2]string `json:"merges"`
}

func addedList(base int) []addedJSON {
	out := make([]addedJSON, len(Qwen3Added))
	for i, a := range Qwen3Added {
		out[i] = addedJSON{ID: base + i, Content: a.Content, Special: a.Special}
	}
	return out
}

// tokenizerJSON renders tokenizer.json: vocabulary in id order, merges in
// merge order.
func (t *trainer) tokenizerJSON() ([]byte, error) {
	var v bytes.Buffer
	v.WriteByte('{')
	for i, tk := range t.tokens {
		if i > 0 {
			v.WriteByte(',')
		}
		v.WriteString(jstr(spell(tk)))
		v.WriteByte(':')
		v.WriteString(strconv.Itoa(i))
	}
	v.WriteByte('}')
	merges := make([][2]string, len(t.merges))
	for i, m := range t.merges {
		merges[i] = [2]string{spell(t.tokens[m[0]]), spell(t.tokens[m[1]])}
	}
	return marshal(fileJSON{
		Version:       "1.0",
		AddedTokens:   addedList(len(t.tokens)),
		Normalizer:    rawJSON(normalizerJSON),
		PreTokenizer:  rawJSON(preTokJSON),
		PostProcessor: rawJSON(byteLevelJSON),
		Decoder:       rawJSON(byteLevelJSON),
		Model:         modelJSON{Type: "BPE", Vocab: v.Bytes(), Merges: merges},
	})
}

type configFile struct {
	AddBOSToken               bool     `json:"add_bos_token"`
	AddPrefixSpace            bool     `json:"add_prefix_space"`
	AddedTokensDecoder        rawJSON  `json:"added_tokens_decoder"`
	AdditionalSpecialTokens   []string `json:"additional_special_tokens"`
	BOSToken                  *string  `json:"bos_token"`
	ChatTemplate              string   `json:"chat_template"`
	CleanUpTokenizationSpaces bool     `json:"clean_up_tokenization_spaces"`
	EOSToken                  string   `json:"eos_token"`
	Errors                    string   `json:"errors"`
	ModelMaxLength            int      `json:"model_max_length"`
	PadToken                  string   `json:"pad_token"`
	SplitSpecialTokens        bool     `json:"split_special_tokens"`
	TokenizerClass            string   `json:"tokenizer_class"`
	UnkToken                  *string  `json:"unk_token"`
}

// configJSON renders tokenizer_config.json as Qwen3's, with the added
// tokens' ids starting at base.
func configJSON(base, maxLen int) ([]byte, error) {
	var d bytes.Buffer
	d.WriteByte('{')
	var extra []string
	for i, a := range addedList(base) {
		if i > 0 {
			d.WriteByte(',')
		}
		fmt.Fprintf(&d, `%s:{"content":%s,"lstrip":false,"normalized":false,"rstrip":false,"single_word":false,"special":%t}`,
			jstr(strconv.Itoa(a.ID)), jstr(a.Content), a.Special)
		// Qwen3 lists the special tokens other than <|endoftext|> (the pad token).
		if a.Special && a.Content != "<|endoftext|>" {
			extra = append(extra, a.Content)
		}
	}
	d.WriteByte('}')
	return marshal(configFile{
		AddedTokensDecoder:      d.Bytes(),
		AdditionalSpecialTokens: extra,
		ChatTemplate:            ChatTemplate,
		EOSToken:                "<|im_end|>",
		Errors:                  "replace",
		ModelMaxLength:          maxLen,
		PadToken:                "<|endoftext|>",
		TokenizerClass:          "Qwen2Tokenizer",
	})
}
