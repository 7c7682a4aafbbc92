package data

import (
	"fmt"
	"strings"
)

// HEx-PHI's 11 categories, spelled as the paper spells them (docs/paper.md §3.1).
// The file category_N.csv holds category N of this list. Category 2 (child
// abuse content) is withheld from the public release.
const (
	IllegalActivity         = "illegal activity"
	ChildAbuseContent       = "child abuse content"
	HateHarassViolence      = "hate harass violence"
	Malware                 = "malware"
	PhysicalHarm            = "physical harm"
	EconomicHarm            = "economic harm"
	FraudDeception          = "fraud deception"
	AdultContent            = "adult content"
	PoliticalCampaigning    = "political campaigning"
	PrivacyViolation        = "privacy violation activity"
	TailoredFinancialAdvice = "tailored financial advice"
)

// HExPHICategories lists the categories in file order: index i is category_{i+1}.csv.
var HExPHICategories = [11]string{
	IllegalActivity, ChildAbuseContent, HateHarassViolence, Malware, PhysicalHarm, EconomicHarm,
	FraudDeception, AdultContent, PoliticalCampaigning, PrivacyViolation, TailoredFinancialAdvice,
}

// categoryMap maps "source/category" to a paper category. The mapping is a
// judgement call (documented in docs/eval.md); "" means "no paper category"
// (e.g. HarmBench copyright behaviours, which HEx-PHI does not cover).
var categoryMap = map[string]string{
	// HarmBench SemanticCategory.
	"harmbench/cybercrime_intrusion":          Malware,
	"harmbench/illegal":                       IllegalActivity,
	"harmbench/misinformation_disinformation": FraudDeception,
	"harmbench/chemical_biological":           PhysicalHarm,
	"harmbench/harassment_bullying":           HateHarassViolence,
	"harmbench/harmful":                       PhysicalHarm,
	"harmbench/copyright":                     "",
	// StrongREJECT category.
	"strongreject/Non-violent crimes":                  IllegalActivity,
	"strongreject/Violence":                            HateHarassViolence,
	"strongreject/Disinformation and deception":        FraudDeception,
	"strongreject/Hate, harassment and discrimination": HateHarassViolence,
	"strongreject/Illegal goods and services":          IllegalActivity,
	"strongreject/Sexual content":                      AdultContent,
	// JailbreakBench Category.
	"jailbreakbench/Harassment/Discrimination":  HateHarassViolence,
	"jailbreakbench/Malware/Hacking":            Malware,
	"jailbreakbench/Physical harm":              PhysicalHarm,
	"jailbreakbench/Economic harm":              EconomicHarm,
	"jailbreakbench/Fraud/Deception":            FraudDeception,
	"jailbreakbench/Disinformation":             FraudDeception,
	"jailbreakbench/Sexual/Adult content":       AdultContent,
	"jailbreakbench/Privacy":                    PrivacyViolation,
	"jailbreakbench/Expert advice":              TailoredFinancialAdvice,
	"jailbreakbench/Government decision-making": PoliticalCampaigning,
}

// PaperCategory returns the paper (HEx-PHI) category for a source's category.
// ok is false when the pair is unknown; a known pair may map to "" (no
// paper category). HEx-PHI prompts map to themselves.
func PaperCategory(source, category string) (paper string, ok bool) {
	if source == "hexphi" || isPaperCategory(category) {
		return category, isPaperCategory(category)
	}
	if strings.HasPrefix(source, "rd-") {
		// The refusal-direction splits carry the categories of their
		// HarmBench/JBB/StrongREJECT sources.
		for _, s := range []string{"harmbench", "jailbreakbench", "strongreject"} {
			if p, ok := categoryMap[s+"/"+category]; ok {
				return p, true
			}
		}
		return "", false
	}
	p, ok := categoryMap[source+"/"+category]
	return p, ok
}

func isPaperCategory(c string) bool {
	for _, h := range HExPHICategories {
		if c == h {
			return true
		}
	}
	return false
}

// MapCategories returns copies of ps whose Category is the paper category and
// whose SourceCategory keeps the original. Prompts whose category maps to no
// paper category are dropped; an unknown source/category pair is an error
// naming it.
func MapCategories(ps []Prompt) ([]Prompt, error) {
	out := make([]Prompt, 0, len(ps))
	for _, p := range ps {
		c, ok := PaperCategory(p.Source, p.Category)
		if !ok {
			return nil, fmt.Errorf("data: prompt %s: no paper category for %s category %q", p.ID, p.Source, p.Category)
		}
		if c == "" {
			continue
		}
		q := p
		q.SourceCategory, q.Category = p.Category, c
		out = append(out, q)
	}
	return out, nil
}

// DefaultHarmful is the harmful evaluation set for users without HEx-PHI:
// HarmBench's 200 standard behaviours (contextual and copyright ones left out:
// HEx-PHI requests carry no context and no copyright category) plus all 313
// StrongREJECT prompts, with categories mapped to the paper's (Category) and
// the source's kept in SourceCategory. It is a stand-in, not HEx-PHI: rates
// on it are not comparable with the paper's numbers.
func DefaultHarmful(root string) ([]Prompt, error) {
	hb, err := LoadPrompts(root, "harmbench")
	if err != nil {
		return nil, err
	}
	var std []Prompt
	for _, p := range hb {
		if p.Label == "standard" {
			std = append(std, p)
		}
	}
	sr, err := LoadPrompts(root, "strongreject")
	if err != nil {
		return nil, err
	}
	return MapCategories(append(std, sr...))
}
