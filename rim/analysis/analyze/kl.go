package analyze

import (
	"fmt"
	"io"

	"github.com/rimlab/rim/rim/analysis/ras"
	"github.com/rimlab/rim/rim/safetensors"
)

// KLOptions are the inputs of `rim analyze kl`.
type KLOptions struct {
	Base, Tuned string // safetensors files with tensor "logits" [sequences, tokens, vocab]
	Mask        string // optional tensor name in Base: [sequences, tokens], nonzero = include the token
	Mode        ras.KLMode
	JSON        string
}

// KLReport is written with --json.
type KLReport struct {
	KL        float64 `json:"kl"`
	Mode      string  `json:"mode"`
	Sequences int     `json:"sequences"` // sequences averaged over
	Tokens    int     `json:"tokens"`
	// Skipped counts sequences whose mask excludes every token: they carry
	// no token to compare and are left out of both modes' means.
	Skipped int `json:"skipped_fully_masked,omitempty"`
}

// KL prints `kl=<E_x[KL(π₀‖π_τ)]>`, the forgetting baseline of Table 3
// (paper §4.1, Shenfeld et al. 2025), from base and tuned logits of the same
// inputs of the fine-tuning task. A sequence whose mask excludes every token
// is skipped (counted in the report and printed after the kl= line); a mask
// that excludes everything is an error.
func KL(o KLOptions, stdout, stderr io.Writer) error {
	if o.Base == "" || o.Tuned == "" {
		return fmt.Errorf("--base and --tuned are required")
	}
	b, err := readTensor(o.Base, "logits", 3)
	if err != nil {
		return err
	}
	t, err := readTensor(o.Tuned, "logits", 3)
	if err != nil {
		return err
	}
	if fmt.Sprint(b.shape) != fmt.Sprint(t.shape) {
		return fmt.Errorf("%v and %v differ in shape", b, t)
	}
	ns, nt, nv := b.shape[0], b.shape[1], b.shape[2]
	var mask []float32
	if o.Mask != "" {
		f, err := safetensors.Open(o.Base)
		if err != nil {
			return err
		}
		m, shape, err := f.Float32(o.Mask)
		if err != nil {
			// Integer masks (I64/I32/BOOL) read through Int64.
			mi, ishape, ierr := f.Int64(o.Mask)
			if ierr != nil {
				f.Close()
				return err
			}
			m, shape = make([]float32, len(mi)), ishape
			for i, v := range mi {
				m[i] = float32(v)
			}
		}
		f.Close()
		if fmt.Sprint(shape) != fmt.Sprint([]int{ns, nt}) {
			return fmt.Errorf("%s: mask %q has shape %v, want [%d %d]", o.Base, o.Mask, shape, ns, nt)
		}
		mask = m
	}
	var base, tuned [][]float32
	tokens, skipped := 0, 0
	for s := range ns {
		var bs, ts []float32
		for k := range nt {
			if mask != nil && mask[s*nt+k] == 0 {
				continue
			}
			off := (s*nt + k) * nv
			bs = append(bs, b.data[off:off+nv]...)
			ts = append(ts, t.data[off:off+nv]...)
			tokens++
		}
		if len(bs) == 0 {
			skipped++
			continue
		}
		base, tuned = append(base, bs), append(tuned, ts)
	}
	if len(base) == 0 {
		return fmt.Errorf("%s: mask %q excludes every token of all %d sequences", o.Base, o.Mask, ns)
	}
	kl, err := ras.MeanKL(base, tuned, nv, o.Mode)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "kl=%s\n", fmtNum(kl))
	if skipped > 0 {
		fmt.Fprintf(stderr, "note: skipped %d fully masked sequences of %d\n", skipped, ns)
	}
	mode := "token"
	if o.Mode == ras.SequenceMean {
		mode = "sequence"
	}
	return writeJSON(o.JSON, KLReport{KL: kl, Mode: mode, Sequences: len(base), Tokens: tokens, Skipped: skipped})
}
