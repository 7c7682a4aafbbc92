package mixture

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// ProbeResult is the refusal-cue probe on one evaluation set: the share of
// its prompts that a bag-of-words classifier, trained to tell the mixture's
// refused prompts from all its other prompts, puts on the refused side. High
// on harmful sets and low on XSTest's safe prompts means the cue the
// training data teaches generalises to intent rather than to wording.
type ProbeResult struct {
	Variant string  `json:"variant"` // "mixture", or "no-benign-lookalikes" (the same without the safety-benign group)
	Set     string  `json:"set"`
	N       int     `json:"n"`
	Flagged float64 `json:"flagged"` // share classified as to-be-refused
}

// words is the classifier's bag of words: lower-case letter/digit runs.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// naiveBayes is a multinomial naive Bayes classifier with Laplace smoothing
// and equal class priors.
type naiveBayes struct {
	logp [2]map[string]float64
	unk  [2]float64
}

func trainNB(docs []string, labels []bool) *naiveBayes {
	var counts [2]map[string]float64
	var totals [2]float64
	vocab := map[string]bool{}
	for c := range counts {
		counts[c] = map[string]float64{}
	}
	for i, d := range docs {
		c := 0
		if labels[i] {
			c = 1
		}
		// Each document counts once per word (binarised NB): long
		// instructions do not drown short requests.
		seen := map[string]bool{}
		for _, w := range words(d) {
			if !seen[w] {
				seen[w] = true
				counts[c][w]++
				totals[c]++
				vocab[w] = true
			}
		}
	}
	nb := &naiveBayes{}
	v := float64(len(vocab))
	for c := range counts {
		nb.logp[c] = map[string]float64{}
		for w, n := range counts[c] {
			nb.logp[c][w] = math.Log((n + 1) / (totals[c] + v))
		}
		nb.unk[c] = math.Log(1 / (totals[c] + v))
	}
	return nb
}

// harmful reports whether the classifier puts s on the refused side.
func (nb *naiveBayes) harmful(s string) bool {
	var score [2]float64
	seen := map[string]bool{}
	for _, w := range words(s) {
		if seen[w] {
			continue
		}
		seen[w] = true
		for c := range score {
			if lp, ok := nb.logp[c][w]; ok {
				score[c] += lp
			} else {
				score[c] += nb.unk[c]
			}
		}
	}
	return score[1] > score[0]
}

// cueProbe trains the classifier on the training prompts (refused vs not)
// and measures it on each named prompt set, for the mixture and for the
// mixture without its benign look-alikes.
func cueProbe(train []Example, sets map[string][]string) []ProbeResult {
	names := make([]string, 0, len(sets))
	for n := range sets {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []ProbeResult
	for _, variant := range []string{"mixture", "no-benign-lookalikes"} {
		var docs []string
		var labels []bool
		for _, e := range train {
			if variant != "mixture" && e.Group == "safety-benign" {
				continue
			}
			docs = append(docs, e.Prompt)
			labels = append(labels, e.Group == "safety-refuse")
		}
		nb := trainNB(docs, labels)
		for _, n := range names {
			k := 0
			for _, p := range sets[n] {
				if nb.harmful(p) {
					k++
				}
			}
			if len(sets[n]) > 0 {
				out = append(out, ProbeResult{variant, n, len(sets[n]), float64(k) / float64(len(sets[n]))})
			}
		}
	}
	return out
}
