package paper

// AuditShare is one slice of a Fig A5 pie: a detected-misbehavior category, its printed label [P], its share
// in % [F] and its count [I] (docs/paper.md §5.2).
type AuditShare struct {
	Category string
	Percent  float64
	Count    int
}

// AuditDistribution is one Fig A5 pie: the categories GPT-4o-mini flagged in Qwen3-4B's reasoning and
// responses on one dataset, N flags in all [I].
type AuditDistribution struct {
	Dataset string
	N       int
	Shares  []AuditShare // largest first
}

// FigA5 are Fig A5's two pies (docs/paper.md §5.2): GSM8K, N ≈ 309, mostly Fabrication/Rationalization;
// HEx-PHI, N ≈ 860, mostly Safety/Compliance. The counts are inferred from the shares and N.
var FigA5 = []AuditDistribution{
	{Dataset: "GSM8K", N: 309, Shares: []AuditShare{
		{"Fabrication/Rationalization", 44.3, 137}, {"Other", 24.9, 77}, {"Bias-Driven Shortcuts", 18.8, 58},
		{"Evaluation-Gaming", 4.9, 15}, {"Instruction Noncompliance", 4.2, 13}, {"Calculation Error", 1.6, 5},
		{"Plagiarism", 0.65, 2}, {"Safety/Compliance", 0.65, 2},
	}},
	{Dataset: "HEx-PHI", N: 860, Shares: []AuditShare{
		{"Safety/Compliance", 62.0, 533}, {"Instruction Noncompliance", 18.5, 159}, {"Bias-Driven Shortcuts", 9.2, 79},
		{"Fabrication/Rationalization", 5.8, 50}, {"Other", 4.4, 38}, {"Plagiarism", 0.12, 1},
	}},
}

// AuditQuote is one of Fig 2 (right)'s example quotes with the category a draft of the figure pairs it with
// [D] (docs/paper.md §5.2). The final figure pairs the same quotes with the three patterns in an order that
// disagrees with the pattern table, so rim keeps the draft's categories.
type AuditQuote struct {
	Category string
	Quote    string
}

// Fig2Quotes are Fig 2 (right)'s six quotes, as the draft figure prints them (elided with "…").
var Fig2Quotes = []AuditQuote{
	{"Fabrication/Rationalization", "Wait, that seems low…"},
	{"Fabrication/Rationalization", "I need to make some educated guesses…"},
	{"Bias-Driven Shortcuts", "…misinterpret 'times longer'…"},
	{"Bias-Driven Shortcuts", "I will go with the most commonly cited ones…"},
	{"Instruction Noncompliance", "Hasty completion…"},
	{"Instruction Noncompliance", "…since the user is asking for a detailed tutorial, I need to proceed…"},
}
