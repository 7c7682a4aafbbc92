package finetune

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/fileio"
	"github.com/rimlab/rim/rim/finetune/lora"
	"github.com/rimlab/rim/rim/finetune/sft"
	"github.com/rimlab/rim/rim/safetensors"
)

// Files of a run directory and of each checkpoint-N inside it.
const (
	RunFile     = "run.json" // identity of the run: config, model, data fingerprint
	LatestFile  = "latest"   // name of the newest complete checkpoint
	StateFile   = "trainer_state.json"
	OptimFile   = "optimizer.safetensors" // m.<param>, v.<param>
	WeightsFile = "model.safetensors"     // full fine-tuning weights (LoRA: PEFT adapter files)
)

// RunInfo identifies a run; a run directory holding a different one is refused.
type RunInfo struct {
	Config      Config `json:"config"`
	Model       string `json:"model"`        // model directory (informational)
	ModelConfig string `json:"model_config"` // sha256 of its config.json
	// ModelWeights is WeightsFingerprint of the model directory: a cheap
	// identity of the base weights. Run files written before it existed
	// lack it ("") and are accepted on resume without this check.
	ModelWeights string `json:"model_weights,omitempty"`
	Data         string `json:"data"` // sha256 of the examples (ids and labels)
	NumExamples  int    `json:"num_examples"`
}

// Fingerprint hashes examples (ids and labels, in order).
func Fingerprint(data []sft.Example) string {
	h := sha256.New()
	var b [8]byte
	for _, e := range data {
		binary.LittleEndian.PutUint64(b[:], uint64(len(e.IDs)))
		h.Write(b[:])
		for i := range e.IDs {
			binary.LittleEndian.PutUint64(b[:], uint64(e.IDs[i])<<32|uint64(uint32(e.Labels[i])))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Info returns this trainer's RunInfo.
func (t *Trainer) Info() (RunInfo, error) {
	raw, err := os.ReadFile(filepath.Join(t.Model.Dir, "config.json"))
	if err != nil {
		return RunInfo{}, fmt.Errorf("finetune: %w", err)
	}
	sum := sha256.Sum256(raw)
	wf, err := WeightsFingerprint(t.Model.Dir)
	if err != nil {
		return RunInfo{}, err
	}
	return RunInfo{Config: t.Cfg, Model: t.Model.Dir, ModelConfig: hex.EncodeToString(sum[:]), ModelWeights: wf,
		Data: Fingerprint(t.Data), NumExamples: len(t.Data)}, nil
}

// WeightsFingerprint is a sha256 over every *.safetensors file of a model
// directory (sorted by name): its base name, size and JSON header (names,
// dtypes, shapes, offsets, metadata). It reads only the headers, so it is
// cheap for large models; it tells base models apart whose config.json is
// identical, though not two checkpoints differing only in tensor values of
// the same size (those need a full hash, too slow to run on every start).
func WeightsFingerprint(dir string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil {
		return "", fmt.Errorf("finetune: %w", err)
	}
	if len(files) == 0 {
		return "", fmt.Errorf("finetune: model dir %s holds no *.safetensors file", dir)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, p := range files {
		if err := hashHeader(h, p); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashHeader writes name, size and the length-prefixed JSON header of one
// safetensors file into h. It reads the header by hand (8-byte little-endian
// length, then the JSON) because rim/safetensors.Open maps and validates the
// whole file, more than a fingerprint needs.
func hashHeader(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("finetune: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("finetune: %w", err)
	}
	var b [8]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return fmt.Errorf("finetune: %s: reading safetensors header length: %w", path, err)
	}
	n := binary.LittleEndian.Uint64(b[:])
	if n > uint64(st.Size())-8 || n > 1<<30 {
		return fmt.Errorf("finetune: %s: safetensors header length %d exceeds the file size %d", path, n, st.Size())
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return fmt.Errorf("finetune: %s: reading safetensors header: %w", path, err)
	}
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00", filepath.Base(path), st.Size(), n)
	h.Write(hdr)
	return nil
}

// Prepare makes dir ready for this trainer's run and, with resume, restores
// the newest checkpoint. A directory that already holds a run is refused
// unless resume (same run: config, model config and data must match) or
// overwrite (rim's files in it are removed first). It returns the checkpoint
// resumed from ("" for a fresh start).
func (t *Trainer) Prepare(dir string, resume, overwrite bool) (string, error) {
	info, err := t.Info()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("finetune: %w", err)
	}
	if err := removeTempCheckpoints(dir); err != nil {
		return "", err
	}
	raw, err := os.ReadFile(filepath.Join(dir, RunFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		if resume {
			return "", fmt.Errorf("finetune: --resume: %s holds no run (%s missing)", dir, RunFile)
		}
	case err != nil:
		return "", fmt.Errorf("finetune: %w", err)
	case overwrite:
		if err := clearRun(dir); err != nil {
			return "", err
		}
	case !resume:
		return "", fmt.Errorf("finetune: output dir %s already holds a run; pass --resume to continue it or --overwrite to replace it", dir)
	default:
		var old RunInfo
		if err := json.Unmarshal(raw, &old); err != nil {
			return "", fmt.Errorf("finetune: %s: %w", filepath.Join(dir, RunFile), err)
		}
		if d := diffRun(old, info); d != "" {
			return "", fmt.Errorf("finetune: --resume: %s holds a different run (%s)", dir, d)
		}
		name, err := os.ReadFile(filepath.Join(dir, LatestFile))
		if errors.Is(err, os.ErrNotExist) {
			return "", nil // the run never reached a checkpoint: start over
		} else if err != nil {
			return "", fmt.Errorf("finetune: %w", err)
		}
		ck := filepath.Join(dir, strings.TrimSpace(string(name)))
		return ck, t.Load(ck)
	}
	js, _ := json.MarshalIndent(info, "", "  ")
	return "", fileio.WriteFileAtomic(filepath.Join(dir, RunFile), append(js, '\n'), 0o644)
}

// operational settings may change between a run and its resumption: they
// do not change the arithmetic.
var operational = map[string]bool{"save_every": true, "keep": true, "log_every": true, "concurrent": true, "grad_checkpoint": true}

func diffRun(a, b RunInfo) string {
	switch {
	case a.ModelConfig != b.ModelConfig:
		return "model config.json differs: " + a.Model + " vs " + b.Model
	case a.ModelWeights != "" && a.ModelWeights != b.ModelWeights:
		return fmt.Sprintf("model weights differ (safetensors headers or sizes): run was made with %s, now %s", a.Model, b.Model)
	case a.Data != b.Data || a.NumExamples != b.NumExamples:
		return fmt.Sprintf("data differs: %d vs %d examples, fingerprint %.12s vs %.12s", a.NumExamples, b.NumExamples, a.Data, b.Data)
	}
	ca, cb := runIdentity(a.Config), runIdentity(b.Config)
	ja, _ := json.Marshal(ca)
	jb, _ := json.Marshal(cb)
	if string(ja) != string(jb) {
		var ma, mb map[string]any
		json.Unmarshal(ja, &ma)
		json.Unmarshal(jb, &mb)
		var keys []string
		for k := range ma {
			if !operational[k] && !reflect.DeepEqual(ma[k], mb[k]) {
				keys = append(keys, fmt.Sprintf("%s: %v vs %v", k, ma[k], mb[k]))
			}
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			return "config differs: " + strings.Join(keys, "; ")
		}
	}
	return ""
}

// runIdentity is c without what does not identify a run's arithmetic: the
// LoRA base name (the model path as typed; the model's identity is the
// config.json sha and weights fingerprint) and, in full fine-tuning, the
// unused LoRA settings.
func runIdentity(c Config) Config {
	c.LoRA.BaseName = ""
	if c.Mode == "full" {
		c.LoRA = lora.Config{}
	}
	return c
}

// removeTempCheckpoints deletes the .tmp-checkpoint-N-* directories that a
// run killed inside Save leaves behind (a finished Save renames its temp
// directory into place; a failed one removes it). Only one trainer uses a
// run directory at a time, so at Prepare none of them is in use.
func removeTempCheckpoints(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("finetune: %w", err)
	}
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), ".tmp-checkpoint-") {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("finetune: removing an unfinished checkpoint: %w", err)
			}
		}
	}
	return nil
}

// clearRun removes rim's files from a run directory (nothing else).
func clearRun(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("finetune: %w", err)
	}
	for _, e := range ents {
		n := e.Name()
		if n == RunFile || n == LatestFile || n == "final" || n == "probes" || strings.HasPrefix(n, "checkpoint-") || strings.HasPrefix(n, ".tmp-checkpoint-") {
			if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
				return fmt.Errorf("finetune: %w", err)
			}
		}
	}
	return nil
}

// checkFinite reports the first trainable parameter holding a NaN or Inf:
// such weights must never become the "latest" resume point.
func (t *Trainer) checkFinite() error {
	tr := t.params()
	for i, p := range tr.values {
		bad := -1
		err := tensors.ConstFlatData[float32](p, func(flat []float32) {
			for j, x := range flat {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					bad = j
					return
				}
			}
		})
		if err != nil {
			return err
		}
		if bad >= 0 {
			return fmt.Errorf("parameter %s is not finite (element %d)", tr.names[i], bad)
		}
	}
	return nil
}

// Save writes checkpoint-<step> into dir atomically: everything goes into a
// temporary directory that is renamed into place only when complete, then
// the "latest" pointer is replaced; a failure (disk full, a failing hook)
// leaves the previous checkpoint and pointer untouched. Hooks due at this
// step run inside it. Older checkpoints beyond Cfg.Keep are removed.
func (t *Trainer) Save(dir string) (string, error) {
	name := fmt.Sprintf("checkpoint-%d", t.State.Step)
	if err := t.checkFinite(); err != nil {
		return "", fmt.Errorf("finetune: step %d: checkpoint %s not written (previous checkpoint kept): %w", t.State.Step, name, err)
	}
	tmp, err := os.MkdirTemp(dir, ".tmp-"+name+"-")
	if err != nil {
		return "", fmt.Errorf("finetune: checkpoint: %w", err)
	}
	if err := t.writeCheckpoint(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("finetune: checkpoint %s not written (previous checkpoint kept): %w", name, err)
	}
	final := filepath.Join(dir, name)
	if _, err := os.Stat(final); err == nil {
		if err := os.RemoveAll(final); err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("finetune: checkpoint: %w", err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("finetune: checkpoint: %w", err)
	}
	syncDir(dir)
	if err := fileio.WriteFileAtomic(filepath.Join(dir, LatestFile), []byte(name+"\n"), 0o644); err != nil {
		return "", err
	}
	return final, t.prune(dir, name)
}

func (t *Trainer) writeCheckpoint(dir string) error {
	if err := t.mode.writeWeights(dir); err != nil {
		return err
	}
	var ts []safetensors.Tensor
	tr := t.params()
	for i, n := range tr.names {
		dims := tr.values[i].Shape().Dimensions
		m, v := t.upd.moments(i)
		// HF names: an expert stack's moments are written per expert.
		ts = append(ts, hfTensors(t.Model, "m.", n, dims, m)...)
		ts = append(ts, hfTensors(t.Model, "v.", n, dims, v)...)
	}
	if err := safetensors.Write(filepath.Join(dir, OptimFile), ts, map[string]string{"step": strconv.Itoa(t.State.Step)}); err != nil {
		return err
	}
	js, err := json.MarshalIndent(t.State, "", "  ")
	if err != nil {
		return err
	}
	if err := fileio.WriteFileAtomic(filepath.Join(dir, StateFile), append(js, '\n'), 0o644); err != nil {
		return err
	}
	for _, h := range t.Hooks {
		if h.Every == 0 || t.State.Step%h.Every == 0 || t.State.Step == t.State.TotalSteps {
			if err := h.Run(&HookContext{T: t, Step: t.State.Step, Dir: dir}); err != nil {
				return fmt.Errorf("hook %s: %w", h.Name, err)
			}
		}
	}
	syncDir(dir)
	return nil
}

func (t *Trainer) prune(dir, keep string) error {
	if t.Cfg.Keep <= 0 {
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var steps []int
	for _, e := range ents {
		if s, ok := strings.CutPrefix(e.Name(), "checkpoint-"); ok {
			if n, err := strconv.Atoi(s); err == nil {
				steps = append(steps, n)
			}
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(steps)))
	for i, s := range steps {
		n := fmt.Sprintf("checkpoint-%d", s)
		if i >= t.Cfg.Keep && n != keep {
			if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Load restores weights, optimiser moments and position from a checkpoint
// directory written by Save.
func (t *Trainer) Load(dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		return fmt.Errorf("finetune: resume: %w", err)
	}
	var st State
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("finetune: resume: %s: %w", filepath.Join(dir, StateFile), err)
	}
	if st.TotalSteps != t.State.TotalSteps || st.StepsEpoch != t.State.StepsEpoch || st.Seed != t.State.Seed {
		return fmt.Errorf("finetune: resume: %s: schedule differs (%d steps, %d per epoch, seed %d; this run %d, %d, %d)",
			dir, st.TotalSteps, st.StepsEpoch, st.Seed, t.State.TotalSteps, t.State.StepsEpoch, t.State.Seed)
	}
	vals, err := t.mode.readWeights(dir)
	if err != nil {
		return fmt.Errorf("finetune: resume: %w", err)
	}
	of, err := safetensors.Open(filepath.Join(dir, OptimFile))
	if err != nil {
		return fmt.Errorf("finetune: resume: %w", err)
	}
	defer of.Close()
	tr := t.params()
	ps, ms, vs := make([][]float32, len(tr.names)), make([][]float32, len(tr.names)), make([][]float32, len(tr.names))
	for i, n := range tr.names {
		p, ok := vals[n]
		if !ok || len(p) != tr.values[i].Shape().Size() {
			return fmt.Errorf("finetune: resume: %s: %s missing or mis-shaped", dir, n)
		}
		dims := tr.values[i].Shape().Dimensions
		m, err1 := readHF(t.Model, of.Float32, "m.", n, dims)
		v, err2 := readHF(t.Model, of.Float32, "v.", n, dims)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("finetune: resume: %s: optimiser state of %s: %w", dir, n, err)
		}
		if len(m) != len(p) || len(v) != len(p) {
			return fmt.Errorf("finetune: resume: %s: optimiser state of %s missing or mis-shaped", dir, n)
		}
		ps[i], ms[i], vs[i] = p, m, v
	}
	if err := t.upd.load(tr.values, ps, ms, vs); err != nil {
		return fmt.Errorf("finetune: resume: %w", err)
	}
	t.State = st
	return nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return fileio.WriteFileAtomic(dst, b, 0o644)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
