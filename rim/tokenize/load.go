package tokenize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

type fileJSON struct {
	AddedTokens   []AddedToken    `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         modelJSON       `json:"model"`
}

type modelJSON struct {
	Type                    string           `json:"type"`
	Vocab                   map[string]int32 `json:"vocab"`
	Merges                  json.RawMessage  `json:"merges"`
	UnkToken                *string          `json:"unk_token"`
	ContinuingSubwordPrefix *string          `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string          `json:"end_of_word_suffix"`
	FuseUnk                 bool             `json:"fuse_unk"`
	ByteFallback            bool             `json:"byte_fallback"`
	IgnoreMerges            bool             `json:"ignore_merges"`
	Dropout                 *float64         `json:"dropout"`

	// Filled by decodeModel's direct scan of "merges" (one of the two).
	mergeLines []string
	mergePairs [][2]string
}

// Load reads tokenizer.json and, when present, tokenizer_config.json from a
// model directory.
func Load(dir string) (*Tokenizer, error) {
	cfg := filepath.Join(dir, "tokenizer_config.json")
	if _, err := os.Stat(cfg); err != nil {
		cfg = ""
	}
	return LoadFiles(filepath.Join(dir, "tokenizer.json"), cfg)
}

// LoadFiles reads a tokenizer.json and an optional tokenizer_config.json
// (configPath "" for none).
func LoadFiles(tokenizerPath, configPath string) (*Tokenizer, error) {
	data, err := os.ReadFile(tokenizerPath)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %w", err)
	}
	var cfg []byte
	if configPath != "" {
		if cfg, err = os.ReadFile(configPath); err != nil {
			return nil, fmt.Errorf("tokenize: %w", err)
		}
	}
	t, err := Parse(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %s: %w", tokenizerPath, err)
	}
	return t, nil
}

// Parse builds a tokenizer from the contents of tokenizer.json and an optional
// tokenizer_config.json (nil for none).
func Parse(tokenizerJSON, configJSON []byte) (*Tokenizer, error) {
	var f fileJSON
	if err := decodeFile(tokenizerJSON, &f); err != nil {
		return nil, err
	}
	t := &Tokenizer{}
	if err := t.buildModel(&f.Model, len(f.AddedTokens)); err != nil {
		return nil, err
	}
	var err error
	if t.normalizer, err = parseNormalizer(f.Normalizer); err != nil {
		return nil, err
	}
	if t.pre, err = parsePreTokenizer(f.PreTokenizer, &t.model.byteLevel); err != nil {
		return nil, err
	}
	if t.decoder, err = parseDecoder(f.Decoder); err != nil {
		return nil, err
	}
	if err := t.buildAdded(f.AddedTokens); err != nil {
		return nil, err
	}
	if t.post, err = t.parsePost(f.PostProcessor); err != nil {
		return nil, err
	}
	t.model.init()
	if len(configJSON) > 0 {
		if err := t.readConfig(configJSON); err != nil {
			return nil, fmt.Errorf("tokenizer_config.json: %w", err)
		}
	}
	return t, nil
}

// buildModel checks the model section and builds the BPE tables. Vocab ids
// must lie in [0, len(vocab)+nAdded): ids are dense in real files, and a hole
// can only be filled by an added token, so a larger id is a corrupt file (and
// would otherwise size idToToken by an id read from the file).
func (t *Tokenizer) buildModel(m *modelJSON, nAdded int) error {
	if m.Type != "BPE" && m.Type != "" {
		return fmt.Errorf("model type %q is not supported (only BPE)", m.Type)
	}
	if m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "" {
		return fmt.Errorf("model: continuing_subword_prefix %q is not supported", *m.ContinuingSubwordPrefix)
	}
	if m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "" {
		return fmt.Errorf("model: end_of_word_suffix %q is not supported", *m.EndOfWordSuffix)
	}
	if m.Dropout != nil && *m.Dropout != 0 {
		return fmt.Errorf("model: BPE dropout %v is not supported (encoding would not be deterministic)", *m.Dropout)
	}
	if len(m.Vocab) == 0 {
		return errors.New("model: empty vocab")
	}
	b := &bpe{vocab: m.Vocab, byteFallback: m.ByteFallback, fuseUnk: m.FuseUnk, ignoreMerges: m.IgnoreMerges, unk: -1}
	limit := int64(len(m.Vocab)) + int64(nAdded)
	maxID := int32(-1)
	for s, id := range m.Vocab {
		if id < 0 {
			return fmt.Errorf("model: negative id %d in vocab (token %q)", id, s)
		}
		if int64(id) >= limit {
			return fmt.Errorf("model: vocab id %d (token %q) is out of range: the vocab has %d entries and %d added tokens",
				id, s, len(m.Vocab), nAdded)
		}
		maxID = max(maxID, id)
	}
	t.idToToken = make([]string, int(maxID)+1)
	for s, id := range m.Vocab {
		t.idToToken[id] = s
	}
	if m.UnkToken != nil {
		id, ok := m.Vocab[*m.UnkToken]
		if !ok {
			return fmt.Errorf("model: unk_token %q is not in the vocab", *m.UnkToken)
		}
		b.unk = id
	}
	pairs := m.mergePairs
	if len(m.mergeLines) > 0 || len(m.Merges) > 0 {
		lines := m.mergeLines
		if len(m.Merges) > 0 {
			var err error
			if pairs, err = parseMerges(m.Merges); err != nil {
				return err
			}
		}
		for i, line := range lines {
			a, b, ok := strings.Cut(line, " ")
			if !ok || strings.Contains(b, " ") {
				return fmt.Errorf("model merges: entry %d %q is not two space-separated tokens", i, line)
			}
			pairs = append(pairs, [2]string{a, b})
		}
	}
	b.merges = newMergeTable(len(pairs))
	_, b.spmSplit = m.Vocab[metaspaceChar]
	var buf []byte
	for rank, p := range pairs {
		if !strings.HasSuffix(p[0], metaspaceChar) && strings.HasPrefix(p[1], metaspaceChar) {
			b.spmSplit = false
		}
		a, ok1 := m.Vocab[p[0]]
		c, ok2 := m.Vocab[p[1]]
		buf = append(append(buf[:0], p[0]...), p[1]...)
		n, ok3 := m.Vocab[string(buf)]
		if !ok1 || !ok2 || !ok3 {
			return fmt.Errorf("model: merge %d %q %q uses a token that is not in the vocab", rank, p[0], p[1])
		}
		b.merges.set(pairKey(a, c), mergeRule{int32(rank), n})
	}
	t.model = b
	return nil
}

// parseMerges accepts both serialisations: ["a b", ...] (older files) and
// [["a", "b"], ...] (tokenizers >= 0.20).
func parseMerges(raw json.RawMessage) ([][2]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	inner := bytes.TrimSpace(raw[1:])
	if len(inner) > 0 && inner[0] == '"' {
		var ss []string
		if err := json.Unmarshal(raw, &ss); err != nil {
			return nil, fmt.Errorf("model merges: %w", err)
		}
		out := make([][2]string, len(ss))
		for i, s := range ss {
			a, b, ok := strings.Cut(s, " ")
			if !ok || strings.Contains(b, " ") {
				return nil, fmt.Errorf("model merges: entry %d %q is not two space-separated tokens", i, s)
			}
			out[i] = [2]string{a, b}
		}
		return out, nil
	}
	var out [][2]string
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("model merges: %w", err)
	}
	return out, nil
}

// buildAdded registers the added tokens the way HF's AddedVocabulary does
// when it reads tokenizer.json: in file order, a token whose content is already
// known keeps that id (an earlier added token's or the model vocab's), and a
// new one gets the next id after the largest added id, or the model vocab size.
// The "id" field of the file is therefore not trusted; in well-formed files it
// agrees. Empty and duplicate entries are ignored, as in HF.
func (t *Tokenizer) buildAdded(list []AddedToken) error {
	t.added = make(map[int]*AddedToken, len(list))
	t.addedByContent = make(map[string]*AddedToken, len(list))
	var order []*AddedToken
	maxAdded := -1
	for i := range list {
		a := list[i]
		if a.Content == "" {
			continue
		}
		if old, ok := t.addedByContent[a.Content]; ok && *old == a {
			continue
		}
		id := -1
		if old, ok := t.addedByContent[a.Content]; ok {
			id = old.ID
		} else if v, ok := t.model.vocab[a.Content]; ok {
			id = int(v)
		} else if maxAdded >= len(t.model.vocab) {
			id = maxAdded + 1
		} else {
			id = len(t.model.vocab)
		}
		a.ID = id
		maxAdded = max(maxAdded, id)
		tok := &a
		if old, ok := t.addedByContent[a.Content]; ok {
			*old = a
			tok = old
		} else {
			order = append(order, tok)
		}
		t.added[id] = tok
		t.addedByContent[a.Content] = tok
		if id >= len(t.idToToken) {
			t.idToToken = slices.Grow(t.idToToken, id+1-len(t.idToToken))[:id+1]
		}
		t.idToToken[id] = a.Content
	}
	var raw, normed []*AddedToken
	var rawPats, normPats []string
	for _, a := range order {
		if a.Normalized {
			p := a.Content
			if t.normalizer != nil {
				p = string(t.normalizer.normalize(newText(p)).b)
			}
			normed, normPats = append(normed, a), append(normPats, p)
		} else {
			raw, rawPats = append(raw, a), append(rawPats, a.Content)
		}
	}
	t.rawMatch = newAddedMatcher(raw, rawPats)
	t.normMatch = newAddedMatcher(normed, normPats)
	return nil
}

type postJSON struct {
	Type          string            `json:"type"`
	Processors    []json.RawMessage `json:"processors"`
	Single        []json.RawMessage `json:"single"`
	SpecialTokens map[string]struct {
		IDs []int `json:"ids"`
	} `json:"special_tokens"`
	Cls []json.RawMessage `json:"cls"`
	Sep []json.RawMessage `json:"sep"`
}

// postProcessor is what add_special_tokens adds around one sequence, and
// whether a ByteLevel step trims spaces from the offsets (trim_offsets; that
// step runs with or without add_special_tokens).
type postProcessor struct {
	prefix, suffix []int
	trimOffsets    bool
	addPrefixSpace bool
}

func (t *Tokenizer) parsePost(raw json.RawMessage) (postProcessor, error) {
	var p postProcessor
	if len(raw) == 0 || string(raw) == "null" {
		return p, nil
	}
	var j postJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return p, fmt.Errorf("post_processor: %w", err)
	}
	switch j.Type {
	case "ByteLevel": // changes offsets only; ids untouched
		var bl struct {
			TrimOffsets    bool `json:"trim_offsets"`
			AddPrefixSpace bool `json:"add_prefix_space"`
		}
		if err := json.Unmarshal(raw, &bl); err != nil {
			return p, fmt.Errorf("post_processor ByteLevel: %w", err)
		}
		p.trimOffsets, p.addPrefixSpace = bl.TrimOffsets, bl.AddPrefixSpace
		return p, nil
	case "Sequence":
		for _, r := range j.Processors {
			q, err := t.parsePost(r)
			if err != nil {
				return p, err
			}
			p.prefix = append(append([]int{}, q.prefix...), p.prefix...)
			p.suffix = append(p.suffix, q.suffix...)
			if q.trimOffsets {
				p.trimOffsets, p.addPrefixSpace = true, q.addPrefixSpace
			}
		}
		return p, nil
	case "TemplateProcessing":
		seenA := false
		for _, it := range j.Single {
			var item struct {
				SpecialToken *struct{ ID string } `json:"SpecialToken"`
				Sequence     *struct{ ID string } `json:"Sequence"`
			}
			if err := json.Unmarshal(it, &item); err != nil {
				return p, fmt.Errorf("post_processor TemplateProcessing: %w", err)
			}
			switch {
			case item.Sequence != nil:
				if item.Sequence.ID != "A" || seenA {
					return p, fmt.Errorf("post_processor TemplateProcessing: single template must hold sequence A once")
				}
				seenA = true
			case item.SpecialToken != nil:
				st, ok := j.SpecialTokens[item.SpecialToken.ID]
				if !ok {
					return p, fmt.Errorf("post_processor TemplateProcessing: special token %q is not defined", item.SpecialToken.ID)
				}
				if seenA {
					p.suffix = append(p.suffix, st.IDs...)
				} else {
					p.prefix = append(p.prefix, st.IDs...)
				}
			}
		}
		return p, nil
	case "BertProcessing", "RobertaProcessing":
		var cls, sep struct {
			ID int
		}
		if len(j.Cls) != 2 || len(j.Sep) != 2 {
			return p, fmt.Errorf("post_processor %s: malformed cls/sep", j.Type)
		}
		if err := json.Unmarshal(j.Cls[1], &cls.ID); err != nil {
			return p, fmt.Errorf("post_processor %s: %w", j.Type, err)
		}
		if err := json.Unmarshal(j.Sep[1], &sep.ID); err != nil {
			return p, fmt.Errorf("post_processor %s: %w", j.Type, err)
		}
		return postProcessor{prefix: []int{cls.ID}, suffix: []int{sep.ID}}, nil
	}
	return p, fmt.Errorf("post_processor type %q is not supported", j.Type)
}

// readConfig reads the special-token names and flags transformers takes from
// tokenizer_config.json.
func (t *Tokenizer) readConfig(data []byte) error {
	var c map[string]json.RawMessage
	if err := json.Unmarshal(data, &c); err != nil {
		return err
	}
	tokName := func(key string) (string, error) {
		raw, ok := c[key]
		if !ok || string(raw) == "null" {
			return "", nil
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s, nil
		}
		var obj struct {
			Content string `json:"content"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil {
			return "", fmt.Errorf("%s: %w", key, err)
		}
		return obj.Content, nil
	}
	var err error
	if t.BOS, err = tokName("bos_token"); err != nil {
		return err
	}
	if t.EOS, err = tokName("eos_token"); err != nil {
		return err
	}
	if t.Pad, err = tokName("pad_token"); err != nil {
		return err
	}
	if t.Unk, err = tokName("unk_token"); err != nil {
		return err
	}
	for key, dst := range map[string]*bool{"clean_up_tokenization_spaces": &t.CleanUpSpaces, "add_bos_token": &t.AddBOSToken, "add_eos_token": &t.AddEOSToken} {
		if raw, ok := c[key]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, dst); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	if raw, ok := c["model_max_length"]; ok && string(raw) != "null" {
		var v float64
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("model_max_length: %w", err)
		}
		if v > 0 && v < 1<<40 {
			t.ModelMaxLength = int(v)
		}
	}
	for _, name := range []struct{ key, tok string }{{"bos_token", t.BOS}, {"eos_token", t.EOS}, {"pad_token", t.Pad}, {"unk_token", t.Unk}} {
		if _, ok := t.TokenToID(name.tok); name.tok != "" && !ok {
			return fmt.Errorf("%s %q is not a token of tokenizer.json", name.key, name.tok)
		}
	}
	return nil
}
