package generate

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/rimlab/rim/rim/model"
)

// splitHeadGroup is how many rows share one pass over the lm_head blocks
// (the blocks are sized so that this many rows still use the small kernel,
// so the weights are streamed once per group of rows).
//
// splitHeadMaxBatch is the largest batch that uses the split head: larger
// batches stream the blocks once per 4-row group, and the engine's single
// product was as fast or faster (compute v0.1.14, 42M model, batch-16 decode
// of 64 tokens, min of 3 interleaved runs: 2.98 s with the engine's logits,
// 3.35 s split; organism shape: equal).
const (
	splitHeadGroup    = 4
	splitHeadMaxBatch = 4
)

// splitHead computes the logits h·Wᵀ (+ b) of the last position of each
// row, one row at a time, with the vocabulary split into row blocks that are
// separate weight tensors, each small enough for the Go backend's small
// matmul kernel.
//
// Why this exists: on the Go backend a decode step's lm_head product
// [1, dModel]·[vocab, dModel]ᵀ has vocab·dModel ≥ 4M multiply-adds and is
// routed to the "large" kernel, which packs the whole weight matrix on
// every call: on the 42M-parameter benchmark model it took more time than
// all eight transformer layers together (a decode step ran ~5x faster with
// an 8000-token vocabulary than with 32000). Splitting the product into
// blocks under the threshold makes it stream the weights once per row. A
// side benefit: the prefill no longer materialises [batch, seq, vocab]
// logits, only the last position's. It is used only on the Go backend (XLA
// does not need it), costs one extra copy of the output matrix, and its
// logits are checked against the engine's in the fixture tests.
//
// The blocks are divided into shards (one per core, at most splitHeadShards)
// whose products run at the same time in their own executables: a decode
// step streams the whole lm_head (40% of the 42M benchmark model's weights)
// and one core does not saturate the memory bus. Each executable runs its
// small products on its own goroutine, so this needs no parallel op
// scheduling in the backend (rim/backend runs ops sequentially).
type splitHead struct {
	backend compute.Backend
	vocab   int
	blocks  []*tensors.Tensor // [rows_i, dModel]
	bias    []float32         // [vocab] or nil, added on the host
	shards  []headShard
}

// headShard is blocks[lo:hi] of a splitHead, vocabulary ids [vlo, vhi).
type headShard struct {
	lo, hi, vlo, vhi int
	execs            map[int]*graph.Exec // by (padded) batch size
}

// splitHeadShards bounds the shards (the benchmark machine has 2 cores).
const splitHeadShards = 4

// newSplitHead returns nil when the model does not need it (not the Go
// backend, or a vocabulary small enough that a 4-row (padded) product
// stays on the small kernel already). rows > 0 forces blocks of
// that many rows (tests).
func newSplitHead(m *model.Model, rows int) (*splitHead, error) {
	b := m.Backend()
	c := m.Config
	D, V := c.Hidden, c.Vocab
	if rows <= 0 {
		if !model.IsGoBackend(b) || splitHeadGroup*V*D < model.GoSmallMatMulFLOPs {
			return nil, nil
		}
		rows = max((model.GoSmallMatMulFLOPs-1)/(splitHeadGroup*D), 1)
	}
	wName := "lm_head.weight"
	if m.Param(wName) == nil && c.TieEmbeddings {
		wName = "model.embed_tokens.weight"
	}
	w := m.Param(wName)
	if w == nil {
		return nil, fmt.Errorf("generate: model has no %s", wName)
	}
	var err error
	if n := w.Shape().Size(); n != V*D {
		return nil, fmt.Errorf("generate: %s has %d values, want vocab %d × hidden %d", wName, n, V, D)
	}
	s := &splitHead{}
	// The blocks hold the lm_head in the dtype the model computes in: bf16
	// compute keeps bf16 weights bf16 (half the bytes streamed per token) and
	// multiplies bf16 hidden states as the engine does; f32 compute gets f32
	// blocks, also from bf16-stored weights (bf16 → f32 is exact), so an f32
	// model's logits never depend on how its weights are stored.
	switch {
	case m.ComputeDType() == dtypes.BFloat16 && w.DType() == dtypes.BFloat16:
		s.blocks, err = headBlocks(w, rows, V, D, func(t *tensors.Tensor) ([]bfloat16.BFloat16, error) {
			return tensors.CopyFlatData[bfloat16.BFloat16](t)
		})
	case w.DType() == dtypes.Float32 || w.DType() == dtypes.BFloat16:
		s.blocks, err = headBlocks(w, rows, V, D, floats32)
	default:
		err = fmt.Errorf("dtype %s not supported", w.DType())
	}
	if err != nil {
		return nil, fmt.Errorf("generate: %s: %w", wName, err)
	}
	if bt := m.Param("lm_head.bias"); bt != nil {
		if s.bias, err = floats32(bt); err != nil {
			return nil, fmt.Errorf("generate: lm_head.bias: %w", err)
		}
	}
	s.backend, s.vocab = b, V
	nShards := min(runtime.GOMAXPROCS(0), splitHeadShards, len(s.blocks))
	per := (len(s.blocks) + nShards - 1) / nShards
	vlo := 0
	for lo := 0; lo < len(s.blocks); lo += per {
		hi := min(lo+per, len(s.blocks))
		sh := headShard{lo: lo, hi: hi, vlo: vlo, execs: map[int]*graph.Exec{}}
		for _, bl := range s.blocks[lo:hi] {
			vlo += bl.Shape().Dimensions[0]
		}
		sh.vhi = vlo
		s.shards = append(s.shards, sh)
	}
	return s, nil
}

// floats32 copies a float32 or bfloat16 vector as float32.
func floats32(t *tensors.Tensor) ([]float32, error) {
	if t.DType() == dtypes.BFloat16 {
		b, err := tensors.CopyFlatData[bfloat16.BFloat16](t)
		if err != nil {
			return nil, err
		}
		out := make([]float32, len(b))
		for i, v := range b {
			out[i] = v.Float32()
		}
		return out, nil
	}
	return tensors.CopyFlatData[float32](t)
}

// headBlocks copies the lm_head weight [V, D] into row blocks of at most rows rows.
func headBlocks[T float32 | bfloat16.BFloat16](w *tensors.Tensor, rows, V, D int, values func(*tensors.Tensor) ([]T, error)) ([]*tensors.Tensor, error) {
	flat, err := values(w)
	if err != nil {
		return nil, err
	}
	var out []*tensors.Tensor
	for lo := 0; lo < V; lo += rows {
		hi := min(lo+rows, V)
		out = append(out, tensors.FromFlatDataAndDimensions(flat[lo*D:hi*D:hi*D], hi-lo, D))
	}
	return out, nil
}

// execFor builds (once per batch size) the graph of one shard that
// computes every row separately, each against every block of the shard.
func (s *splitHead) execFor(sh *headShard, B int) (*graph.Exec, error) {
	if e, ok := sh.execs[B]; ok {
		return e, nil
	}
	nb := sh.hi - sh.lo
	e, err := graph.NewExec(s.backend, func(in []*graph.Node) *graph.Node {
		h := in[0] // [B, dModel]
		if dt := in[1].DType(); dt != h.DType() {
			h = graph.ConvertDType(h, dt) // bf16 compute: bf16 products accumulated in float32
		}
		// Rows go in groups of splitHeadGroup, each group against every
		// block: group·blockRows·dModel stays under the small-kernel size, so
		// the weights are streamed once per group.
		var groups []*graph.Node
		for lo := 0; lo < B; lo += splitHeadGroup {
			hg := h
			if B > splitHeadGroup {
				hg = graph.Slice(h, graph.AxisRange(lo, lo+splitHeadGroup))
			}
			outs := make([]*graph.Node, nb)
			for i := range nb {
				outs[i] = graph.DotGeneral(hg, []int{1}, nil, in[1+i], []int{1}, nil)
			}
			groups = append(groups, graph.Concatenate(outs, -1))
		}
		y := groups[0]
		if len(groups) > 1 {
			y = graph.Concatenate(groups, 0)
		}
		if y.DType() != dtypes.Float32 {
			y = graph.ConvertDType(y, dtypes.Float32)
		}
		return y
	})
	if err != nil {
		return nil, err
	}
	sh.execs[B] = e
	return e, nil
}

// logits returns h·Wᵀ (+ b) for h [B][dModel].
func (s *splitHead) logits(h [][]float32) (out [][]float32, err error) {
	B, D := len(h), len(h[0])
	// Rows are padded with zeros to a multiple of splitHeadGroup: the small
	// kernel computes 4-row tiles and takes a 4–5× slower path for the
	// remainder rows (rim/model/matmul.go), so 1 row costs more than 4.
	Bp := (B + splitHeadGroup - 1) / splitHeadGroup * splitHeadGroup
	flat := make([]float32, Bp*D)
	for i, r := range h {
		copy(flat[i*D:], r)
	}
	out = make([][]float32, B)
	for r := range out {
		out[r] = make([]float32, s.vocab)
	}
	errs := make([]error, len(s.shards))
	var wg sync.WaitGroup
	for i := range s.shards {
		wg.Add(1)
		// Each shard gets its own input tensor: the shards run at the same time, and one tensor shared by
		// their executions was intermittently left with no local or on-device storage for the others
		// ("Tensor has no local or on-device representation", seen in the paper dry run, rim/dryrun).
		hT := tensors.FromFlatDataAndDimensions(slices.Clone(flat), Bp, D)
		go func(i int) {
			defer wg.Done()
			defer hT.FinalizeAll()
			errs[i] = s.runShard(&s.shards[i], hT, Bp, out)
		}(i)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if s.bias != nil {
		for _, row := range out {
			for j, b := range s.bias {
				row[j] += b
			}
		}
	}
	return out, nil
}

// runShard computes one shard's logits into out[r][sh.vlo:sh.vhi].
func (s *splitHead) runShard(sh *headShard, h *tensors.Tensor, Bp int, out [][]float32) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("generate: lm_head: %v", r)
		}
	}()
	e, err := s.execFor(sh, Bp)
	if err != nil {
		return err
	}
	args := []any{h}
	for _, b := range s.blocks[sh.lo:sh.hi] {
		args = append(args, b)
	}
	res, err := e.Exec(args...)
	if err != nil {
		return err
	}
	defer res[0].FinalizeAll()
	n := sh.vhi - sh.vlo
	return tensors.ConstFlatData(res[0], func(all []float32) {
		for r := range out {
			copy(out[r][sh.vlo:sh.vhi], all[r*n:(r+1)*n])
		}
	})
}
