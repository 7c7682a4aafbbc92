package optim

import (
	"fmt"
	"regexp"
	"strconv"
)

var (
	reTorchAdamW = regexp.MustCompile(`AdamW\(([^()]*(\([^()]*\))?[^()]*)*\)`)
	reKeyNum     = regexp.MustCompile(`(lr|eps|weight_decay)\s*=\s*([-+0-9.eE]+)`)
	reBetas      = regexp.MustCompile(`betas\s*=\s*\(\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\)`)
)

// ParseTorchAdamW reads the hyper-parameters from a Python constructor call
// such as "torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
// weight_decay=0.01)" (the form the hf-tiny fixtures' reference.json records).
// Arguments that are absent take torch's defaults.
func ParseTorchAdamW(s string) (AdamW, error) {
	call := reTorchAdamW.FindString(s)
	if call == "" {
		return AdamW{}, fmt.Errorf("optim: %q: no AdamW(...) call", s)
	}
	a := TorchDefaults()
	for _, kv := range reKeyNum.FindAllStringSubmatch(call, -1) {
		x, err := strconv.ParseFloat(kv[2], 64)
		if err != nil {
			return AdamW{}, fmt.Errorf("optim: %q: %s: %w", s, kv[1], err)
		}
		switch kv[1] {
		case "lr":
			a.LR = x
		case "eps":
			a.Eps = x
		case "weight_decay":
			a.WeightDecay = x
		}
	}
	if b := reBetas.FindStringSubmatch(call); b != nil {
		var err1, err2 error
		a.Beta1, err1 = strconv.ParseFloat(b[1], 64)
		a.Beta2, err2 = strconv.ParseFloat(b[2], 64)
		if err1 != nil || err2 != nil {
			return AdamW{}, fmt.Errorf("optim: %q: bad betas", s)
		}
	}
	return a, a.Validate()
}
