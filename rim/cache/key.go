package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Key names a cached value by what produced it (docs/notebooks.md):
// two computations with equal keys must produce equal values. Fill every field
// that influences the result; leave the rest empty.
type Key struct {
	// Kind names the computation and its output, e.g. "probe/activations".
	Kind string `json:"kind"`
	// Model is the model's identity: usually ModelFingerprint(dir), which covers
	// the config, tokenizer and weights (not just the path).
	Model string `json:"model,omitempty"`
	// Data identifies the inputs (dataset name + split + HashFiles/HashValue of what was read).
	Data string `json:"data,omitempty"`
	// Intervention is the intervention spec (its JSON, or HashValue of it); "" for none.
	Intervention string `json:"intervention,omitempty"`
	// Seed of any randomness used.
	Seed int64 `json:"seed"`
	// Code is a version string of the code that computes the value; bump it
	// when that code changes meaningfully (e.g. "probe-v2").
	Code string `json:"code,omitempty"`
	// Params holds any other parameter (layer, batch size, max tokens ...).
	Params map[string]string `json:"params,omitempty"`
}

// canonical is the key's stable JSON encoding (map keys sorted by encoding/json).
func (k Key) canonical() []byte {
	b, err := json.Marshal(k)
	if err != nil { // cannot happen: only strings and an int
		panic(fmt.Sprintf("cache: key %+v: %v", k, err))
	}
	return b
}

// Hash is the key's content address: hex SHA-256 of its canonical JSON.
func (k Key) Hash() string {
	s := sha256.Sum256(k.canonical())
	return hex.EncodeToString(s[:])
}

// String is a short human-readable form: kind, the set fields, and the hash prefix.
func (k Key) String() string {
	parts := []string{k.Kind}
	add := func(name, v string) {
		if v != "" {
			if len(v) > 24 {
				v = v[:24] + "…"
			}
			parts = append(parts, name+"="+v)
		}
	}
	add("model", k.Model)
	add("data", k.Data)
	add("intervention", k.Intervention)
	parts = append(parts, fmt.Sprintf("seed=%d", k.Seed))
	add("code", k.Code)
	names := make([]string, 0, len(k.Params))
	for n := range k.Params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		add(n, k.Params[n])
	}
	return strings.Join(parts, " ") + " [" + k.Hash()[:12] + "]"
}

// validate reports a key that cannot name anything.
func (k Key) validate() error {
	if strings.TrimSpace(k.Kind) == "" {
		return fmt.Errorf("cache: key has an empty Kind (name the computation, e.g. \"probe/activations\")")
	}
	return nil
}

// HashValue is the hex SHA-256 of v's JSON encoding: a compact identity for
// intervention specs, parameter structs or small data sets.
func HashValue(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("cache: hashing %T: %w", v, err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
}
