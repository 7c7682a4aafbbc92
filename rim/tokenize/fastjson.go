package tokenize

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// A small scanner for the two big members of tokenizer.json, model.vocab
// (object of token → id) and model.merges (150k-280k pairs). encoding/json
// spends most of Load's time validating and reflecting over them; reading them
// directly makes loading Qwen3's 11 MB file about three times faster. Every
// other member is handed to encoding/json as a raw message.

type jscan struct {
	b []byte
	i int
}

func (s *jscan) errorf(format string, args ...any) error {
	return fmt.Errorf("tokenizer.json: offset %d: %s", s.i, fmt.Sprintf(format, args...))
}

func (s *jscan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jscan) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *jscan) expect(c byte) error {
	if s.peek() != c {
		if s.i >= len(s.b) {
			return s.errorf("unexpected end of input, want %q", c)
		}
		return s.errorf("found %q, want %q", s.b[s.i], c)
	}
	s.i++
	return nil
}

// str reads a JSON string; escapes are decoded by encoding/json (rare in
// vocabularies, so the fast path is a plain slice).
func (s *jscan) str() (string, error) {
	if err := s.expect('"'); err != nil {
		return "", err
	}
	start := s.i
	escaped := false
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '\\':
			escaped = true
			s.i += 2
			continue
		case c == '"':
			s.i++
			if !escaped {
				return string(s.b[start : s.i-1]), nil
			}
			var out string
			if err := json.Unmarshal(s.b[start-1:s.i], &out); err != nil {
				return "", s.errorf("bad string: %v", err)
			}
			return out, nil
		case c < 0x20:
			return "", s.errorf("control character in string")
		}
		s.i++
	}
	return "", s.errorf("unterminated string")
}

func (s *jscan) integer() (int64, error) {
	s.ws()
	start := s.i
	for s.i < len(s.b) && (s.b[s.i] == '-' || (s.b[s.i] >= '0' && s.b[s.i] <= '9')) {
		s.i++
	}
	v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	if err != nil {
		return 0, s.errorf("bad integer %q", s.b[start:s.i])
	}
	return v, nil
}

// skip passes over any JSON value and returns its raw bytes.
func (s *jscan) skip() (json.RawMessage, error) {
	s.ws()
	start := s.i
	depth := 0
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			if _, err := s.str(); err != nil {
				return nil, err
			}
			if depth == 0 {
				return s.b[start:s.i], nil
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return nil, s.errorf("unbalanced %q", s.b[s.i])
			}
			if depth == 0 {
				s.i++
				return s.b[start:s.i], nil
			}
		case ',', ':':
			if depth == 0 {
				return s.b[start:s.i], nil
			}
		}
		s.i++
	}
	if depth == 0 && s.i > start {
		return s.b[start:s.i], nil
	}
	return nil, s.errorf("unexpected end of input")
}

// object calls member for each key of an object.
func (s *jscan) object(member func(key string) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		key, err := s.str()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errorf("want ',' or '}' in object")
		}
	}
}

// array calls elem for each element of an array.
func (s *jscan) array(elem func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.errorf("want ',' or ']' in array")
		}
	}
}

// decodeFile reads tokenizer.json into f, scanning model.vocab and
// model.merges directly and the rest with encoding/json.
func decodeFile(data []byte, f *fileJSON) error {
	s := &jscan{b: data}
	top := map[string]json.RawMessage{}
	err := s.object(func(key string) error {
		if key != "model" {
			raw, err := s.skip()
			top[key] = raw
			return err
		}
		return decodeModel(s, &f.Model)
	})
	if err != nil {
		return err
	}
	if s.peek() != 0 {
		return s.errorf("data after the top-level object")
	}
	if raw, ok := top["added_tokens"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &f.AddedTokens); err != nil {
			return fmt.Errorf("added_tokens: %w", err)
		}
	}
	f.Normalizer, f.PreTokenizer, f.PostProcessor, f.Decoder = top["normalizer"], top["pre_tokenizer"], top["post_processor"], top["decoder"]
	return nil
}

func decodeModel(s *jscan, m *modelJSON) error {
	rest := map[string]json.RawMessage{}
	err := s.object(func(key string) error {
		switch key {
		case "vocab":
			if s.peek() != '{' {
				raw, err := s.skip()
				rest[key] = raw
				return err
			}
			m.Vocab = make(map[string]int32, 1<<15)
			return s.object(func(tok string) error {
				id, err := s.integer()
				if err != nil {
					return err
				}
				if id < 0 || id > 1<<31-1 {
					return s.errorf("vocab id %d of %q out of range", id, tok)
				}
				m.Vocab[tok] = int32(id)
				return nil
			})
		case "merges":
			if s.peek() != '[' {
				raw, err := s.skip()
				rest[key] = raw
				return err
			}
			return s.array(func() error {
				switch s.peek() {
				case '"':
					line, err := s.str()
					if err != nil {
						return err
					}
					m.mergeLines = append(m.mergeLines, line)
				case '[':
					var pair []string
					err := s.array(func() error {
						x, err := s.str()
						pair = append(pair, x)
						return err
					})
					if err != nil {
						return err
					}
					if len(pair) != 2 {
						return s.errorf("merge %d has %d parts, want 2", len(m.mergePairs), len(pair))
					}
					m.mergePairs = append(m.mergePairs, [2]string{pair[0], pair[1]})
				default:
					return s.errorf("merge entry must be a string or a pair")
				}
				return nil
			})
		}
		raw, err := s.skip()
		rest[key] = raw
		return err
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		small, err := json.Marshal(rest)
		if err != nil {
			return err
		}
		vocab := m.Vocab
		lines, pairs := m.mergeLines, m.mergePairs
		if err := json.Unmarshal(small, m); err != nil {
			return fmt.Errorf("model: %w", err)
		}
		if vocab != nil {
			m.Vocab = vocab
		}
		m.mergeLines, m.mergePairs = lines, pairs
	}
	return nil
}
