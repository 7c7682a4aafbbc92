package experiment

import (
	"context"
	"fmt"

	"github.com/rimlab/rim/rim/analysis/probe"
	"github.com/rimlab/rim/rim/chat"
	"github.com/rimlab/rim/rim/data"
	"github.com/rimlab/rim/rim/eval"
)

// Refusal labels of a probe set's harmful prompts (docs/paper.md §6.1, the paper's second probe: "HEx-PHI
// responses partitioned by whether the model refused or complied, collected separately for think and no-think
// modes").
const (
	labelNone    = -1 // harmless, or the response is unjudged (cut off inside its think block)
	labelFulfill = 0
	labelReject  = 1
)

// RefusalSplit is how the harmful prompts of a probe set divide by the model's own greedy answer in one mode,
// judged by the offline refusal judge (the paper does not say how it decided refused vs complied, docs/paper.md
// §6.1): the labels of the refusal-vs-fulfilment probe, per split.
type RefusalSplit struct {
	Judge        string `json:"judge"`
	TrainReject  int    `json:"train_reject"`
	TrainFulfill int    `json:"train_fulfill"`
	TestReject   int    `json:"test_reject"`
	TestFulfill  int    `json:"test_fulfill"`
	Unjudged     int    `json:"unjudged"` // harmful prompts whose answer was cut off inside its think block
	// NoProbe says why the refusal probe could not be fit (a class missing from the training split); "" when
	// it was.
	NoProbe string `json:"no_probe,omitempty"`
}

// setResponses are the model's greedy answers to the probe set's prompts in one mode, one per prompt: in think
// mode to every prompt (Fig 3a prefills them), in no-think mode only to the harmful ones, which the refusal
// labels need ("" for the harmless).
func (s Settings) setResponses(set []data.Labeled, think bool) ([]string, error) {
	ps := setPrompts(set)
	var idx []int
	if !think {
		ps = ps[:0:0]
		for i, p := range set {
			if p.Harmful {
				ps, idx = append(ps, p.Prompt), append(idx, i)
			}
		}
	}
	rs, err := s.Responses(s.ModelDir(), ps, chat.Bool(think), "")
	if err != nil || think {
		return rs, err
	}
	all := make([]string, len(set))
	for k, i := range idx {
		all[i] = rs[k]
	}
	return all, nil
}

// refusalLabels judges the responses rs (one per prompt of set) of the harmful prompts with the refusal judge
// and returns each prompt's label (labelReject, labelFulfill or labelNone) and the split's counts; nTrain
// prompts lead the set as its training split.
func refusalLabels(set []data.Labeled, nTrain int, rs []string) ([]int, RefusalSplit, error) {
	if len(rs) != len(set) {
		return nil, RefusalSplit{}, fmt.Errorf("experiment: refusal labels: %d responses for %d prompts", len(rs), len(set))
	}
	j := eval.RefusalJudge{}
	var items []eval.Item
	var idx []int
	for i, p := range set {
		if p.Harmful {
			items, idx = append(items, eval.Item{ID: p.ID, Prompt: p.Text, Response: rs[i], Category: p.Category}), append(idx, i)
		}
	}
	vs, err := j.Judge(context.Background(), items)
	if err != nil {
		return nil, RefusalSplit{}, err
	}
	labels := make([]int, len(set))
	for i := range labels {
		labels[i] = labelNone
	}
	sp := RefusalSplit{Judge: j.Name()}
	for k, v := range vs {
		i := idx[k]
		switch {
		case !v.Judged:
			sp.Unjudged++
			continue
		case v.Misaligned:
			labels[i] = labelFulfill
		default:
			labels[i] = labelReject
		}
		train := i < nTrain
		switch {
		case train && labels[i] == labelReject:
			sp.TrainReject++
		case train:
			sp.TrainFulfill++
		case labels[i] == labelReject:
			sp.TestReject++
		default:
			sp.TestFulfill++
		}
	}
	if sp.TrainReject == 0 || sp.TrainFulfill == 0 {
		sp.NoProbe = fmt.Sprintf("the model refused %d and complied with %d of the harmful training prompts (%d unjudged); the refusal probe needs both",
			sp.TrainReject, sp.TrainFulfill, sp.Unjudged)
	}
	return labels, sp, nil
}

// refusalScores fits the refusal (+) vs fulfilment (−) steering probe (rim/analysis/probe, docs/paper.md §6.1)
// at every layer on the training prompts of fit ([layer][sample][d]) labelled by labels, and scores the test
// prompts (index ≥ nTrain) of each of acts ([arm][layer][sample][d], the same samples, e.g. after head
// ablations, Fig 5) by group: reject[arm][layer] and fulfill[arm][layer], the share of the group the probe
// calls refusing. A group without test prompts is nil.
func refusalScores(fit [][][]float64, acts [][][][]float64, labels []int, nTrain int) (reject, fulfill [][]float64, err error) {
	reject, fulfill = make([][]float64, len(acts)), make([][]float64, len(acts))
	for l := range fit {
		var pos, neg [][]float64
		for i, lb := range labels[:nTrain] {
			switch lb {
			case labelReject:
				pos = append(pos, fit[l][i])
			case labelFulfill:
				neg = append(neg, fit[l][i])
			}
		}
		pr, err := probe.FitSteering(pos, neg)
		if err != nil {
			return nil, nil, fmt.Errorf("experiment: refusal probe, layer %d: %w", l, err)
		}
		for a, arm := range acts {
			groups := map[int][][]float64{}
			for i := nTrain; i < len(labels); i++ {
				if labels[i] != labelNone {
					groups[labels[i]] = append(groups[labels[i]], arm[l][i])
				}
			}
			for lb, dst := range map[int][][]float64{labelReject: reject, labelFulfill: fulfill} {
				if len(groups[lb]) == 0 {
					continue
				}
				sc, err := probe.GroupScore(pr, "refusal test", groups[lb])
				if err != nil {
					return nil, nil, err
				}
				dst[a] = append(dst[a], sc)
			}
		}
	}
	return reject, fulfill, nil
}
