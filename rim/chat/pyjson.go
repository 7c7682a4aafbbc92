package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/rimlab/rim/rim/chat/jinja"
)

// pyToJSON re-serialises a JSON value the way transformers' tojson filter
// does: json.dumps(x, ensure_ascii=False, indent=None, separators=None,
// sort_keys=False). So objects keep their key order, separators are ", " and
// ": ", non-ASCII is written as is, and floats are printed like Python's
// repr. encoding/json cannot do this (it sorts map keys and escapes <, >, &),
// hence this small token-level writer.
func pyToJSON(raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var sb strings.Builder
	if err := pyWriteValue(dec, &sb); err != nil {
		return "", fmt.Errorf("chat: tojson: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", fmt.Errorf("chat: tojson: trailing data after JSON value")
	}
	return sb.String(), nil
}

func pyWriteValue(dec *json.Decoder, sb *strings.Builder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			sb.WriteByte('{')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					sb.WriteString(", ")
				}
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key, ok := kt.(string)
				if !ok {
					return fmt.Errorf("object key is not a string")
				}
				jinja.WriteJSONString(sb, key)
				sb.WriteString(": ")
				if err := pyWriteValue(dec, sb); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			sb.WriteByte('}')
		case '[':
			sb.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					sb.WriteString(", ")
				}
				if err := pyWriteValue(dec, sb); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			sb.WriteByte(']')
		default:
			return fmt.Errorf("unexpected %q", v)
		}
	case string:
		jinja.WriteJSONString(sb, v)
	case json.Number:
		sb.WriteString(pyNumber(string(v)))
	case bool:
		if v {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case nil:
		sb.WriteString("null")
	}
	return nil
}

// pyNumber prints a JSON number as Python would after json.loads: integers
// unchanged, floats as repr(float) ("1.0", "1e-05", "1e+16").
func pyNumber(lit string) string {
	if !strings.ContainsAny(lit, ".eE") {
		return lit
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		if math.IsInf(f, 1) {
			return "Infinity"
		} else if math.IsInf(f, -1) {
			return "-Infinity"
		}
		return lit
	}
	return jinja.FloatRepr(f)
}

func jsonUnmarshalString(raw json.RawMessage, s *string) error {
	if err := json.Unmarshal(raw, s); err != nil {
		return fmt.Errorf("chat: tool call arguments: %w", err)
	}
	return nil
}
