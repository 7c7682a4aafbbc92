package chatapi

import (
	"net/url"
	"regexp"
	"strings"
)

// The API key must never reach an error, a log line or an --out file, even
// when an endpoint echoes the request headers in its error body or the key
// is embedded in the base URL. Everything the client reports goes through
// redact (bodies) or displayURL (addresses).

const redacted = "[REDACTED]"

// authPattern matches an Authorization value as echoed by a server:
// "Bearer sk-…", "Basic dXNlcjpw…", with or without the header name.
var authPattern = regexp.MustCompile(`(?i)\b(bearer|basic|token)(\s+|"\s*:\s*"|=)[^\s"',;}]+`)

// keyPattern matches common API key shapes (OpenAI's sk-…, sk-proj-…).
var keyPattern = regexp.MustCompile(`\bsk-[A-Za-z0-9_\-]{6,}`)

// displayURL is raw with any user:password replaced and query values
// removed, for messages; the original is still what requests use.
func displayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Unparseable: keep the scheme and host part only if it has no '@'.
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			return redacted + "@" + raw[i+1:]
		}
		return raw
	}
	if u.User != nil {
		u.User = url.User(redacted)
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{redacted}
		}
		u.RawQuery = q.Encode()
	}
	s := u.String()
	return strings.ReplaceAll(s, url.PathEscape(redacted), redacted)
}

// secretsOf lists the literal secrets of cfg: the API key, and the user
// name, password and query values of the base URL.
func secretsOf(cfg Config) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 4 { // shorter strings would redact ordinary words
			out = append(out, s)
		}
	}
	add(cfg.APIKey)
	if u, err := url.Parse(cfg.BaseURL); err == nil {
		if u.User != nil {
			add(u.User.Username())
			p, _ := u.User.Password()
			add(p)
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				add(v)
			}
		}
	}
	return out
}

// redact removes the client's secrets and anything shaped like a credential
// from s (a reply body or an error text).
func (c *Client) redact(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	s = authPattern.ReplaceAllString(s, "${1}${2}"+redacted)
	return keyPattern.ReplaceAllString(s, "sk-"+redacted)
}
