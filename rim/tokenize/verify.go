package tokenize

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
)

// caseRecord is one line of a cases.jsonl fixture (see
// shared/fixtures/tokenizers/README.md).
type caseRecord struct {
	ID                  string   `json:"id"`
	Text                *string  `json:"text"`
	IDs                 []int    `json:"ids"`
	IDsWithSpecial      []int    `json:"ids_with_special"`
	Tokens              []string `json:"tokens"`
	Decoded             *string  `json:"decoded"`
	DecodedSkipSpecial  *string  `json:"decoded_skip_special"`
	DecodedTransformers *string  `json:"decoded_transformers"`

	// decode.jsonl fields
	SkipSpecialTokens *bool `json:"skip_special_tokens"`
	CleanUp           *bool `json:"clean_up_tokenization_spaces"`

	// chat.jsonl marker
	Messages json.RawMessage `json:"messages"`
}

// VerifyFile checks tok against a cases.jsonl (encode/decode references) or
// decode.jsonl (decode references) file, detecting the kind per line from its
// fields. Every mismatch is printed to w with both sides. checked counts the
// records, failed those with at least one mismatch. chat.jsonl records are
// rejected: they are verified by the chat renderer.
func VerifyFile(tok *Tokenizer, path string, w io.Writer) (checked, failed int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("tokenize: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r caseRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return checked, failed, fmt.Errorf("tokenize: %s:%d: %w", path, line, err)
		}
		var bad []string
		switch {
		case r.Messages != nil:
			return checked, failed, fmt.Errorf("tokenize: %s:%d: chat record %q: chat files are verified by the chat renderer, not the tokenizer", path, line, r.ID)
		case r.Text != nil:
			bad = verifyCase(tok, &r)
		case r.IDs != nil && r.Decoded != nil:
			bad = verifyDecode(tok, &r)
		default:
			return checked, failed, fmt.Errorf("tokenize: %s:%d: record %q is neither a cases (text) nor a decode (ids+decoded) record", path, line, r.ID)
		}
		checked++
		if len(bad) > 0 {
			failed++
			for _, b := range bad {
				fmt.Fprintf(w, "%s:%d %s: %s\n", path, line, r.ID, b)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return checked, failed, fmt.Errorf("tokenize: %s: %w", path, err)
	}
	return checked, failed, nil
}

func verifyCase(tok *Tokenizer, r *caseRecord) []string {
	var bad []string
	text := *r.Text
	got := tok.Encode(text, false)
	if r.IDs != nil && !slices.Equal(got, r.IDs) {
		bad = append(bad, fmt.Sprintf("encode %q:\n  want %v %q\n  got  %v %q", text, r.IDs, tok.Tokens(r.IDs), got, tok.Tokens(got)))
	}
	if r.IDsWithSpecial != nil {
		if g := tok.Encode(text, true); !slices.Equal(g, r.IDsWithSpecial) {
			bad = append(bad, fmt.Sprintf("encode with special tokens %q:\n  want %v\n  got  %v", text, r.IDsWithSpecial, g))
		}
	}
	if r.Tokens != nil && r.IDs != nil {
		if g := tok.Tokens(r.IDs); !slices.Equal(g, r.Tokens) {
			bad = append(bad, fmt.Sprintf("tokens of ids %v:\n  want %q\n  got  %q", r.IDs, r.Tokens, g))
		}
	}
	check := func(what string, ids []int, skip, clean bool, want *string) {
		if want == nil || ids == nil {
			return
		}
		g, err := tok.DecodeWith(ids, skip, clean)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", what, err))
		} else if g != *want {
			bad = append(bad, fmt.Sprintf("%s:\n  want %q\n  got  %q", what, *want, g))
		}
	}
	check("decode", r.IDs, false, false, r.Decoded)
	check("decode skipping special tokens", r.IDsWithSpecial, true, false, r.DecodedSkipSpecial)
	check("decode as transformers (config clean-up)", r.IDs, false, tok.CleanUpSpaces, r.DecodedTransformers)
	return bad
}

func verifyDecode(tok *Tokenizer, r *caseRecord) []string {
	var bad []string
	if r.Tokens != nil {
		if g := tok.Tokens(r.IDs); !slices.Equal(g, r.Tokens) {
			bad = append(bad, fmt.Sprintf("tokens of ids %v:\n  want %q\n  got  %q", r.IDs, r.Tokens, g))
		}
	}
	skip := r.SkipSpecialTokens != nil && *r.SkipSpecialTokens
	clean := r.CleanUp != nil && *r.CleanUp
	g, err := tok.DecodeWith(r.IDs, skip, clean)
	switch {
	case err != nil:
		bad = append(bad, fmt.Sprintf("decode %v: %v", r.IDs, err))
	case g != *r.Decoded:
		bad = append(bad, fmt.Sprintf("decode %v (skip_special_tokens=%v, clean_up=%v):\n  want %q\n  got  %q", r.IDs, skip, clean, *r.Decoded, g))
	}
	return bad
}
