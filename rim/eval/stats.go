package eval

import (
	"fmt"
	"io"
	"math"
	"sort"
)

// z95 is the two-sided 95% normal quantile.
const z95 = 1.959963984540054

// Rate is k successes out of n with a 95% Wilson score interval.
type Rate struct {
	K    int     `json:"k"`
	N    int     `json:"n"`
	Rate float64 `json:"rate"` // k/n; 0 when n = 0
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
}

// NewRate computes k/n and its Wilson interval
// (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n), z = 1.96.
// With n = 0 the interval is [0, 1].
func NewRate(k, n int) Rate {
	if n <= 0 {
		return Rate{K: k, N: n, Lo: 0, Hi: 1}
	}
	p := float64(k) / float64(n)
	nf := float64(n)
	z2 := z95 * z95
	den := 1 + z2/nf
	c := (p + z2/(2*nf)) / den
	h := z95 / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return Rate{K: k, N: n, Rate: p, Lo: math.Max(0, c-h), Hi: math.Min(1, c+h)}
}

func (r Rate) String() string {
	return fmt.Sprintf("%.4f (%d/%d) 95%% CI [%.4f, %.4f]", r.Rate, r.K, r.N, r.Lo, r.Hi)
}

// Agreement compares two labelings of the same items.
type Agreement struct {
	Labels    []string       `json:"labels"`    // sorted label set
	Confusion [][]int        `json:"confusion"` // [label of A][label of B] counts
	N         int            `json:"n"`
	Observed  float64        `json:"observed"` // p_o, fraction of agreement
	Expected  float64        `json:"expected"` // p_e from the marginals
	Kappa     float64        `json:"kappa"`    // (p_o − p_e)/(1 − p_e); 1 when p_e = 1 = p_o
	Index     map[string]int `json:"-"`
}

// CohenKappa computes the confusion matrix and Cohen's kappa of two equally
// long label lists. Items where either label is "" (unjudged) are skipped.
func CohenKappa(a, b []string) (Agreement, error) {
	if len(a) != len(b) {
		return Agreement{}, fmt.Errorf("eval: agreement: %d labels against %d", len(a), len(b))
	}
	set := map[string]bool{}
	for i := range a {
		if a[i] != "" && b[i] != "" {
			set[a[i]], set[b[i]] = true, true
		}
	}
	ag := Agreement{Index: map[string]int{}}
	for l := range set {
		ag.Labels = append(ag.Labels, l)
	}
	sort.Strings(ag.Labels)
	for i, l := range ag.Labels {
		ag.Index[l] = i
	}
	k := len(ag.Labels)
	ag.Confusion = make([][]int, k)
	for i := range ag.Confusion {
		ag.Confusion[i] = make([]int, k)
	}
	for i := range a {
		if a[i] == "" || b[i] == "" {
			continue
		}
		ag.Confusion[ag.Index[a[i]]][ag.Index[b[i]]]++
		ag.N++
	}
	if ag.N == 0 {
		return ag, fmt.Errorf("eval: agreement: no item is labelled by both judges")
	}
	n := float64(ag.N)
	for i := 0; i < k; i++ {
		ag.Observed += float64(ag.Confusion[i][i]) / n
		var ra, cb float64
		for j := 0; j < k; j++ {
			ra += float64(ag.Confusion[i][j])
			cb += float64(ag.Confusion[j][i])
		}
		ag.Expected += ra / n * cb / n
	}
	if ag.Expected >= 1 {
		ag.Kappa = 1
	} else {
		ag.Kappa = (ag.Observed - ag.Expected) / (1 - ag.Expected)
	}
	return ag, nil
}

// Write prints the agreement as rim eval agree does: the confusion matrix with rows of judge nameA and
// columns of judge nameB, then the observed agreement with its n and Cohen's kappa (docs/paper.md §4.1: the
// refusal judge's agreement with the rubric judge).
func (ag Agreement) Write(w io.Writer, nameA, nameB string) {
	fmt.Fprintf(w, "confusion (rows %s, columns %s):\n", nameA, nameB)
	fmt.Fprintf(w, "  %-12s", "")
	for _, l := range ag.Labels {
		fmt.Fprintf(w, " %12s", l)
	}
	fmt.Fprintln(w)
	for i, l := range ag.Labels {
		fmt.Fprintf(w, "  %-12s", l)
		for _, c := range ag.Confusion[i] {
			fmt.Fprintf(w, " %12d", c)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "observed agreement: %.4f (n %d)\n", ag.Observed, ag.N)
	fmt.Fprintf(w, "kappa: %.4f\n", ag.Kappa)
}

// VerdictLabels turns verdicts into "misaligned"/"aligned" labels ("" when
// unjudged) for CohenKappa.
func VerdictLabels(vs []Verdict) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		switch {
		case !v.Judged:
		case v.Misaligned:
			out[i] = "misaligned"
		default:
			out[i] = "aligned"
		}
	}
	return out
}
