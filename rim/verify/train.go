package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/model"
	"github.com/rimlab/rim/rim/optim"
)

// checkAux compares router_aux_loss (HF load_balancing_loss_func with the mask).
func (v *verifier) checkAux() error {
	const name = "router_aux_loss"
	if _, ok := v.ref.Info(name); !ok || !v.wanted(name) {
		return nil
	}
	ids, err := refInts(v.ref, "input_ids")
	if err != nil {
		return err
	}
	var mask, pos [][]int
	if _, ok := v.ref.Info("attention_mask"); ok {
		mask, _ = refInts(v.ref, "attention_mask")
	}
	if _, ok := v.ref.Info("position_ids"); ok {
		pos, _ = refInts(v.ref, "position_ids")
	}
	got, err := v.m.RouterAuxLoss(model.Input{InputIDs: ids, AttentionMask: mask, PositionIDs: pos})
	if err != nil {
		return err
	}
	want, _, err := v.ref.Float32(name)
	if err != nil {
		return err
	}
	v.add(v.lineFrom(name, compareRows([]float32{got}, want, 1, nil, tolLoss), tolLoss))
	return nil
}

// adamWSettings returns the optimiser the reference used: reference.json's
// train.optimizer line ("torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999),
// eps=1e-8, weight_decay=0.01), one step ...") when the directory has one,
// else torch's AdamW defaults (what every public fixture uses).
func adamWSettings(dir string) (optim.AdamW, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "reference.json"))
	if errors.Is(err, os.ErrNotExist) {
		return optim.TorchDefaults(), nil
	} else if err != nil {
		return optim.AdamW{}, fmt.Errorf("rim: %w", err)
	}
	var meta struct {
		Train struct {
			Optimizer string `json:"optimizer"`
		} `json:"train"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return optim.AdamW{}, fmt.Errorf("rim: %s/reference.json: %w", dir, err)
	}
	if meta.Train.Optimizer == "" {
		return optim.TorchDefaults(), nil
	}
	a, err := optim.ParseTorchAdamW(meta.Train.Optimizer)
	if err != nil {
		return optim.AdamW{}, fmt.Errorf("rim: %s/reference.json train.optimizer: %w", dir, err)
	}
	return a, nil
}

// adamWFirstStep is one AdamW step from zero moments with settings a,
// computed by rim/optim (torch semantics).
func adamWFirstStep(a optim.AdamW, p, g []float32) ([]float32, error) {
	out := append([]float32(nil), p...)
	m, v := make([]float32, len(p)), make([]float32, len(p))
	if err := a.Step(out, g, m, v, a.LR, 1); err != nil {
		return nil, err
	}
	return out, nil
}

// checkTrain compares train.loss, train.grad.* and train.param_after_adamw.*.
func (v *verifier) checkTrain() error {
	var gradNames, adamNames []string
	hasLoss := false
	for _, n := range v.ref.Names() {
		if !v.wanted(n) {
			continue
		}
		if p, ok := strings.CutPrefix(n, "train.grad."); ok {
			gradNames = append(gradNames, p)
		} else if p, ok := strings.CutPrefix(n, "train.param_after_adamw."); ok {
			adamNames = append(adamNames, p)
		} else if n == "train.loss" {
			hasLoss = true
		}
	}
	if !hasLoss && len(gradNames) == 0 && len(adamNames) == 0 {
		return nil
	}
	ids, err := refInts(v.ref, "train.input_ids")
	if err != nil {
		return err
	}
	labels, err := refInts(v.ref, "train.labels")
	if err != nil {
		return err
	}
	need := map[string]bool{}
	var params []string
	for _, n := range append(append([]string{}, gradNames...), adamNames...) {
		if !need[n] {
			need[n] = true
			params = append(params, n)
		}
	}
	for _, n := range params {
		if !v.m.HasParam(n) {
			for _, pre := range []string{"train.grad.", "train.param_after_adamw."} {
				if _, ok := v.ref.Info(pre + n); ok {
					v.add(Line{Name: pre + n, Tol: "-", Note: "model has no parameter " + n})
				}
			}
		}
	}
	var ok []string
	for _, n := range params {
		if v.m.HasParam(n) {
			ok = append(ok, n)
		}
	}
	loss, grads, err := v.m.LossAndGrads(model.Input{InputIDs: ids}, labels, ok...)
	if err != nil {
		return err
	}
	if hasLoss {
		want, _, err := v.ref.Float32("train.loss")
		if err != nil {
			return err
		}
		v.add(v.lineFrom("train.loss", compareRows([]float32{loss}, want, 1, nil, tolLoss), tolLoss))
	}
	gradOf := map[string][]float32{}
	for i, n := range ok {
		gradOf[n] = tensors.MustCopyFlatData[float32](grads[i])
	}
	for _, n := range gradNames {
		g, have := gradOf[n]
		if !have {
			continue
		}
		name := "train.grad." + n
		want, _, err := v.ref.Float32(name)
		if err != nil {
			return err
		}
		v.add(v.lineFrom(name, compareRows(g, want, 1, nil, tolGrad), tolGrad))
	}
	for _, n := range adamNames {
		g, have := gradOf[n]
		if !have {
			continue
		}
		name := "train.param_after_adamw." + n
		want, _, err := v.ref.Float32(name)
		if err != nil {
			return err
		}
		p, err := v.m.ParamFloat32(n)
		if err != nil {
			return err
		}
		got, err := adamWFirstStep(v.adam, p, g)
		if err != nil {
			return err
		}
		// Tolerance 1e-6 where |grad| > 1e-6, else lr (1e-3 in the fixtures):
		// the reference gradient decides (README), falling back to ours when
		// it is absent.
		refG, _, gerr := v.ref.Float32("train.grad." + n)
		if gerr != nil {
			refG = g
		}
		r := cmpResult{}
		if len(got) != len(want) {
			r.Bad = -1
		}
		for i := 0; i < len(want) && r.Bad >= 0; i++ {
			d := math.Abs(float64(got[i]) - float64(want[i]))
			t := float64(v.adam.LR)
			if math.Abs(float64(refG[i])) > 1e-6 {
				t = 1e-6
			}
			r.N++
			r.MaxDiff = worse(r.MaxDiff, d)
			if !(d <= t) {
				r.Bad++
			}
		}
		l := v.lineFrom(name, r, tol{})
		l.Tol = fmt.Sprintf("1e-06|%.0e", v.adam.LR)
		v.add(l)
	}
	return nil
}
