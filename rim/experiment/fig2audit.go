package experiment

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rimlab/rim/rim/analysis/paper"
	"github.com/rimlab/rim/rim/cache"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/data/chatapi"
	"github.com/rimlab/rim/rim/eval"
)

// Fig2AuditOptions are Fig 2 (right)'s own options.
type Fig2AuditOptions struct {
	Samples int // GSM8K test questions, and as many HEx-PHI prompts (0: $RIM_SAMPLES, else 8)
	Quotes  int // evidence quotes shown per pattern and dataset (0: 1)
}

// AuditShare is one category of a dataset's audit: the flags measured (Count, share of the dataset's
// flags) beside Fig A5's (PaperCount, PaperPercent; 0 when the paper's pie has no such slice).
type AuditShare struct {
	Category     eval.AuditCategory `json:"category"`
	Pattern      string             `json:"pattern,omitempty"` // eval.AuditCategory.Pattern; "" for none
	Count        int                `json:"count"`
	Percent      float64            `json:"percent"`
	PaperCount   int                `json:"paper_count"`
	PaperPercent float64            `json:"paper_percent"`
}

// AuditPatternCount is one pattern's share of a dataset's flags, measured and in the paper's Fig A5 (the sum
// of its categories; Pattern "" is the categories of no pattern: leakage claims, calculation error, other).
type AuditPatternCount struct {
	Pattern      string  `json:"pattern"`
	Count        int     `json:"count"`
	Percent      float64 `json:"percent"`
	PaperCount   int     `json:"paper_count"`
	PaperPercent float64 `json:"paper_percent"`
}

// AuditPartStats counts one part (reasoning or answer) of a dataset's responses: the parts audited and the
// flagged share of them (95% Wilson interval), those with an invalid reply (unaudited, never counted as
// clean), and those with nothing to audit (no think block, or no answer after an unclosed one).
type AuditPartStats struct {
	Flagged   eval.Rate `json:"flagged"` // of the audited parts
	Unaudited int       `json:"unaudited"`
	Skipped   int       `json:"skipped"`
}

// AuditDataset is one dataset of the audit (one Fig A5 pie).
type AuditDataset struct {
	Dataset   string              `json:"dataset"` // "GSM8K" or "HEx-PHI"
	Items     int                 `json:"items"`   // prompts answered (0 for paper data)
	Reasoning AuditPartStats      `json:"reasoning"`
	Answer    AuditPartStats      `json:"answer"`
	Flags     int                 `json:"flags"`    // category flags in all (the pie's N); a part flagged twice for one category counts once
	PaperN    int                 `json:"paper_n"`  // Fig A5's N
	Shares    []AuditShare        `json:"shares"`   // every category in eval.AuditCategories order
	Patterns  []AuditPatternCount `json:"patterns"` // the three patterns in Patterns order, then "" (none)
	// Invalid are the errors of the parts whose auditor reply was not valid (the item and the problem).
	Invalid []string `json:"invalid,omitempty"`
	// Unverified counts evidence quotes that are not verbatim in the audited text (never shown as quotes).
	Unverified int              `json:"unverified"`
	Audits     []eval.ItemAudit `json:"audits,omitempty"`
}

// AuditQuote is a piece of evidence for a pattern (Fig 2 right): measured, a verbatim quote from a flagged
// reasoning trace or answer; paper data, one of the paper's quotes with the category its draft figure gives.
type AuditQuote struct {
	Pattern  string             `json:"pattern"`
	Category eval.AuditCategory `json:"category"`
	Dataset  string             `json:"dataset,omitempty"`
	Part     string             `json:"part,omitempty"`
	Item     string             `json:"item,omitempty"`
	Quote    string             `json:"quote"`
}

// Fig2AuditResult is the paper's discovery step (docs/paper.md §5.2): the auditor's flagged categories per
// dataset beside Fig A5's, per pattern, and example quotes per pattern (Fig 2 right). Without an auditor
// endpoint it holds the paper's data only (Source "paper data") and Note says what to set.
type Fig2AuditResult struct {
	Provenance
	Auditor       string         `json:"auditor,omitempty"`     // the auditor model ("" for paper data)
	AuditorURL    string         `json:"auditor_url,omitempty"` // its chat-completions URL, without credentials
	PromptVersion string         `json:"prompt_version,omitempty"`
	Datasets      []AuditDataset `json:"datasets"`
	Quotes        []AuditQuote   `json:"quotes"`       // measured (empty for paper data)
	PaperQuotes   []AuditQuote   `json:"paper_quotes"` // Fig 2 (right), draft categories [D]
	Note          string         `json:"note,omitempty"`
}

// Measured reports whether the result was measured (not the paper's data alone).
func (r *Fig2AuditResult) Measured() bool { return r.Source != PaperData }

// auditEnvHint says how to configure the auditor endpoint.
const auditEnvHint = "set RIM_AUDIT_BASE_URL and RIM_AUDIT_MODEL (and RIM_AUDIT_API_KEY), or the judge's RIM_JUDGE_BASE_URL and RIM_JUDGE_MODEL, which the auditor falls back to (docs/eval.md)"

// auditEndpoint reads the auditor's endpoint: $RIM_AUDIT_BASE_URL, $RIM_AUDIT_MODEL and $RIM_AUDIT_API_KEY,
// each falling back to the judge's $RIM_JUDGE_* (and those to $OPENAI_BASE_URL, $OPENAI_API_KEY; chatapi.FromEnv).
// configured is false when none of the four RIM_AUDIT/RIM_JUDGE base URL and model variables is set; from
// names the variable the base URL came from.
func auditEndpoint() (cfg chatapi.Config, from string, configured bool) {
	cfg, from = chatapi.FromEnv("RIM_JUDGE"), "RIM_JUDGE_BASE_URL"
	if os.Getenv("RIM_JUDGE_BASE_URL") == "" {
		from = "OPENAI_BASE_URL"
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"BASE_URL", &cfg.BaseURL}, {"MODEL", &cfg.Model}, {"API_KEY", &cfg.APIKey}} {
		if v := os.Getenv("RIM_AUDIT_" + f.key); v != "" {
			*f.dst = v
			if f.key == "BASE_URL" {
				from = "RIM_AUDIT_BASE_URL"
			}
		}
	}
	cfg.EnvPrefix = "RIM_AUDIT"
	for _, v := range []string{"RIM_AUDIT_BASE_URL", "RIM_AUDIT_MODEL", "RIM_JUDGE_BASE_URL", "RIM_JUDGE_MODEL"} {
		configured = configured || os.Getenv(v) != ""
	}
	return cfg, from, configured
}

// Fig2Audit is the paper's discovery step (docs/paper.md §5.2, Appendix D.1): the settings' model answers n
// GSM8K test questions and n HEx-PHI prompts in think mode, an LLM auditor (eval.Auditor: the Fig A7
// checklist) audits each reasoning trace and each answer separately, and the flagged categories are counted
// per dataset beside the paper's Fig A5, grouped into the three patterns, with verbatim evidence quotes per
// pattern (Fig 2 right). The auditor is the endpoint of $RIM_AUDIT_* (else the judge's $RIM_JUDGE_*); with
// none configured the result is the paper's data, and its Note and Reading say what to set. An endpoint that
// cannot be reached or fails on a text is an error naming the setting and the URL; a reply that is not a
// valid report leaves that text unaudited, counted and listed, never counted as clean.
//
// Responses go through rim/cache and the auditor's replies through a chatapi.Cache under the cache dir's
// audit/ (keyed by auditor model, eval.AuditPromptVersion and text), so a rerun sends nothing twice.
func Fig2Audit(s Settings, o Fig2AuditOptions) (*Fig2AuditResult, error) {
	cfg, from, configured := auditEndpoint()
	if !configured {
		r, err := fig2AuditPaper()
		if err == nil {
			r.Note = "no auditor endpoint is configured: to measure it on the settings' model, " + auditEnvHint
		}
		return r, err
	}
	client, err := chatapi.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("fig2-audit: the auditor endpoint (RIM_AUDIT_*, else RIM_JUDGE_*): %v", strings.TrimPrefix(err.Error(), "chatapi: "))
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	n := s.count(o.Samples, 8)
	qs, _, err := s.MathTest(n)
	if err != nil {
		return nil, err
	}
	ps, err := s.Harmful(n)
	if err != nil {
		return nil, err
	}
	prov, err := s.viaGen(s.measured("fig2-audit", []any{qs, ps}))
	if err != nil {
		return nil, err
	}
	r, err := fig2AuditPaper()
	if err != nil {
		return nil, err
	}
	r.Provenance, r.Auditor, r.AuditorURL, r.PromptVersion = prov, client.Model(), client.URL(), eval.AuditPromptVersion
	dir, err := cache.Dir()
	if err != nil {
		return nil, err
	}
	a := eval.Auditor{Client: client, Cache: &chatapi.Cache{Dir: filepath.Join(dir, "audit")}}
	quotes := max(o.Quotes, 1)
	for i, set := range [][]data.Prompt{qs, ps} {
		rs, err := s.Responses(s.ModelDir(), set, chat.Bool(true), "")
		if err != nil {
			return nil, err
		}
		items := make([]eval.AuditItem, len(set))
		for j, p := range set {
			items[j] = eval.AuditItem{ID: p.ID, Task: p.Text, Response: rs[j]}
		}
		audits, err := a.Audit(context.Background(), items)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: the auditor (%s) could not be reached: %w", from, baseURL(client), client.Model(), err)
		}
		if err := callFailures(audits, from, client); err != nil {
			return nil, err
		}
		d := &r.Datasets[i]
		d.Items, d.Audits = len(set), audits
		d.count()
		r.Quotes = append(r.Quotes, d.quotes(quotes)...)
	}
	return r, nil
}

// callFailures is an error naming the setting and the URL when the auditor failed on any text (after its
// retries); nil when every call was answered.
func callFailures(audits []eval.ItemAudit, from string, c *chatapi.Client) error {
	failed, sent, first := 0, 0, ""
	for _, ia := range audits {
		for _, p := range []eval.PartAudit{ia.Reasoning, ia.Answer} {
			if p.Skipped {
				continue
			}
			sent++
			if p.CallFailed {
				if failed++; first == "" {
					first = p.Error
				}
			}
		}
	}
	if failed == 0 {
		return nil
	}
	return fmt.Errorf("%s=%s: the auditor (%s) failed on %d of %d texts (first: %s)", from, baseURL(c), c.Model(), failed, sent, first)
}

// baseURL is the client's base URL as shown in messages (without credentials).
func baseURL(c *chatapi.Client) string { return strings.TrimSuffix(c.URL(), "/chat/completions") }

// fig2AuditPaper is the result from the paper's data alone: Fig A5's pies and Fig 2 (right)'s quotes.
func fig2AuditPaper() (*Fig2AuditResult, error) {
	r := &Fig2AuditResult{Provenance: Provenance{Item: "fig2-audit", Source: PaperData, RimVersion: Version()}}
	for _, pd := range paper.FigA5 {
		d := AuditDataset{Dataset: pd.Dataset, PaperN: pd.N}
		byCat := map[eval.AuditCategory]paper.AuditShare{}
		for _, sh := range pd.Shares {
			c, ok := eval.ParseAuditCategory(sh.Category)
			if !ok {
				return nil, fmt.Errorf("experiment: fig2-audit: the paper's category %q is not an auditor category", sh.Category)
			}
			byCat[c] = sh
		}
		for _, c := range eval.AuditCategories {
			d.Shares = append(d.Shares, AuditShare{Category: c, Pattern: c.Pattern(), PaperCount: byCat[c].Count, PaperPercent: byCat[c].Percent})
		}
		d.tally()
		r.Datasets = append(r.Datasets, d)
	}
	for _, q := range paper.Fig2Quotes {
		c, ok := eval.ParseAuditCategory(q.Category)
		if !ok {
			return nil, fmt.Errorf("experiment: fig2-audit: the paper's quote category %q is not an auditor category", q.Category)
		}
		r.PaperQuotes = append(r.PaperQuotes, AuditQuote{Pattern: c.Pattern(), Category: c, Quote: q.Quote})
	}
	return r, nil
}
