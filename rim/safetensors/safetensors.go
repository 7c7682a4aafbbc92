// Package safetensors reads and writes the safetensors format
// (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length N, an N-byte JSON header mapping tensor names to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
// data section) plus an optional "__metadata__" string map, then the raw
// little-endian tensor bytes.
//
// Files are memory-mapped, so opening a multi-GB checkpoint costs no Go heap
// and a tensor's bytes are read from the page cache only when used.
//
// Why not go-huggingface's models/safetensors: its reader is bound to a hub.Repo
// (download-oriented), converts straight to GoMLX tensors on a backend, does
// not validate offsets (overlap, bounds, size vs shape) and has no writer. rim
// needs a validated, allocation-free view that the model loader, the analysis
// commands and the fine-tuning checkpoints all share.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
)

// MaxHeaderSize bounds the JSON header (the reference implementation uses 100 MB).
const MaxHeaderSize = 100 << 20

// dtypeSizes maps the safetensors dtype strings rim understands to their byte size.
var dtypeSizes = map[string]int{
	"F64": 8, "F32": 4, "F16": 2, "BF16": 2,
	"I64": 8, "I32": 4, "I16": 2, "I8": 1,
	"U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1,
}

// DTypeSize returns the size in bytes of one element of dtype, or 0 if unknown.
func DTypeSize(dtype string) int { return dtypeSizes[dtype] }

// TensorInfo describes one tensor of a file. Begin and End are absolute byte
// offsets into the file.
type TensorInfo struct {
	Name       string
	DType      string
	Shape      []int
	Begin, End int64
}

// NumElements is the product of the shape (1 for a scalar).
func (ti TensorInfo) NumElements() int {
	n := 1
	for _, d := range ti.Shape {
		n *= d
	}
	return n
}

// File is an open, memory-mapped safetensors file. It is safe for concurrent reads.
type File struct {
	path     string
	data     []byte // the whole file (mapped)
	unmap    func() error
	mapped   bool // data is a file mapping (Release drops its pages)
	infos    map[string]TensorInfo
	names    []string
	metadata map[string]string
}

type rawEntry struct {
	DType       string  `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

// Open memory-maps path and validates its header: sizes, dtypes, shapes,
// offsets within the file, sizes matching shapes, and no overlapping tensors.
func Open(path string) (*File, error) {
	data, unmap, err := mapFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := parse(path, data)
	if err != nil {
		unmap()
		return nil, err
	}
	f.unmap = unmap
	f.mapped = true
	return f, nil
}

// Parse validates an in-memory safetensors image (no copy is made).
func Parse(name string, data []byte) (*File, error) {
	f, err := parse(name, data)
	if err != nil {
		return nil, err
	}
	f.unmap = func() error { return nil }
	return f, nil
}

func parse(path string, data []byte) (*File, error) {
	errf := func(format string, args ...any) error {
		return fmt.Errorf("safetensors: %s: "+format, append([]any{path}, args...)...)
	}
	if len(data) < 8 {
		return nil, errf("file is %d bytes, too short for the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data[:8])
	if n > MaxHeaderSize {
		return nil, errf("header length %d exceeds the %d-byte limit (corrupt or not a safetensors file)", n, MaxHeaderSize)
	}
	if 8+n > uint64(len(data)) {
		return nil, errf("header length %d runs past the end of the %d-byte file (truncated?)", n, len(data))
	}
	hdr := data[8 : 8+n]
	dataStart := int64(8 + n)
	dataLen := int64(len(data)) - dataStart
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, errf("header is not valid JSON: %v", err)
	}
	f := &File{path: path, data: data, infos: make(map[string]TensorInfo, len(raw))}
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &f.metadata); err != nil {
				return nil, errf("__metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		var e rawEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, errf("tensor %q: bad header entry: %v", name, err)
		}
		size, ok := dtypeSizes[e.DType]
		if !ok {
			return nil, errf("tensor %q: unsupported dtype %q", name, e.DType)
		}
		if len(e.DataOffsets) != 2 {
			return nil, errf("tensor %q: data_offsets must have 2 elements, has %d", name, len(e.DataOffsets))
		}
		b, en := e.DataOffsets[0], e.DataOffsets[1]
		if b < 0 || en < b || en > dataLen {
			return nil, errf("tensor %q: data_offsets [%d, %d] outside the %d-byte data section", name, b, en, dataLen)
		}
		shape := make([]int, len(e.Shape))
		numel := int64(1)
		for i, d := range e.Shape {
			if d < 0 || d > math.MaxInt32*int64(64) {
				return nil, errf("tensor %q: invalid dimension %d in shape %v", name, d, e.Shape)
			}
			shape[i] = int(d)
			numel *= d
			if numel > dataLen+1 && d != 0 {
				return nil, errf("tensor %q: shape %v needs more bytes than the file holds", name, e.Shape)
			}
		}
		if numel*int64(size) != en-b {
			return nil, errf("tensor %q: %s shape %v needs %d bytes but data_offsets span %d", name, e.DType, shape, numel*int64(size), en-b)
		}
		f.infos[name] = TensorInfo{Name: name, DType: e.DType, Shape: shape, Begin: dataStart + b, End: dataStart + en}
	}
	f.names = make([]string, 0, len(f.infos))
	for name := range f.infos {
		f.names = append(f.names, name)
	}
	sort.Strings(f.names)
	// Overlap check: sort by begin offset.
	byOff := append([]string(nil), f.names...)
	sort.Slice(byOff, func(i, j int) bool {
		a, b := f.infos[byOff[i]], f.infos[byOff[j]]
		if a.Begin != b.Begin {
			return a.Begin < b.Begin
		}
		return a.End < b.End
	})
	for i := 1; i < len(byOff); i++ {
		prev, cur := f.infos[byOff[i-1]], f.infos[byOff[i]]
		if cur.Begin < prev.End {
			return nil, errf("tensors %q and %q overlap (bytes [%d,%d) and [%d,%d))", prev.Name, cur.Name, prev.Begin, prev.End, cur.Begin, cur.End)
		}
	}
	return f, nil
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// Names returns the tensor names, sorted.
func (f *File) Names() []string { return f.names }

// Info returns the description of a tensor.
func (f *File) Info(name string) (TensorInfo, bool) {
	ti, ok := f.infos[name]
	return ti, ok
}

// Metadata returns the "__metadata__" map (nil if absent).
func (f *File) Metadata() map[string]string { return f.metadata }

// Bytes returns the raw little-endian bytes of a tensor: a read-only view into
// the mapping, valid until Close. Writing to it faults.
func (f *File) Bytes(name string) ([]byte, error) {
	ti, ok := f.infos[name]
	if !ok {
		return nil, f.notFound(name)
	}
	return f.data[ti.Begin:ti.End:ti.End], nil
}

// Release tells the OS that the caller is done with a tensor's bytes (a
// loader that has copied them): on Linux the mapped pages it spans leave the
// process's resident set, so loading a checkpoint tensor by tensor never
// holds the file's pages and the loaded copy at once (docs/engine.md,
// "Memory at real size"). The bytes stay readable (they fault back in from
// the file); Release is a no-op for unknown names, in-memory images and
// other systems.
func (f *File) Release(name string) {
	ti, ok := f.infos[name]
	if !ok || !f.mapped || f.unmap == nil {
		return
	}
	dropPages(f.data, int(ti.Begin), int(ti.End))
}

func (f *File) notFound(name string) error {
	hint := ""
	if len(f.names) > 0 {
		hint = fmt.Sprintf(" (it has %d tensors, e.g. %q)", len(f.names), f.names[0])
	}
	return fmt.Errorf("safetensors: %s: no tensor %q%s", f.path, name, hint)
}

// Float32 returns a tensor converted to a new []float32 (from F32, F16, BF16 or F64) and its shape.
func (f *File) Float32(name string) ([]float32, []int, error) {
	ti, ok := f.infos[name]
	if !ok {
		return nil, nil, f.notFound(name)
	}
	out := make([]float32, ti.NumElements())
	if err := DecodeFloat32(out, ti.DType, f.data[ti.Begin:ti.End]); err != nil {
		return nil, nil, fmt.Errorf("safetensors: %s: tensor %q: %w", f.path, name, err)
	}
	return out, ti.Shape, nil
}

// Int64 returns an integer (or BOOL) tensor converted to a new []int64 and its shape.
func (f *File) Int64(name string) ([]int64, []int, error) {
	ti, ok := f.infos[name]
	if !ok {
		return nil, nil, f.notFound(name)
	}
	b := f.data[ti.Begin:ti.End]
	out := make([]int64, ti.NumElements())
	le := binary.LittleEndian
	for i := range out {
		switch ti.DType {
		case "I64":
			out[i] = int64(le.Uint64(b[8*i:]))
		case "U64":
			out[i] = int64(le.Uint64(b[8*i:]))
		case "I32":
			out[i] = int64(int32(le.Uint32(b[4*i:])))
		case "U32":
			out[i] = int64(le.Uint32(b[4*i:]))
		case "I16":
			out[i] = int64(int16(le.Uint16(b[2*i:])))
		case "U16":
			out[i] = int64(le.Uint16(b[2*i:]))
		case "I8":
			out[i] = int64(int8(b[i]))
		case "U8", "BOOL":
			out[i] = int64(b[i])
		default:
			return nil, nil, fmt.Errorf("safetensors: %s: tensor %q has dtype %s, not an integer type", f.path, name, ti.DType)
		}
	}
	return out, ti.Shape, nil
}

// Close unmaps the file. Slices returned by Bytes become invalid.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap = nil
	return err
}

// DecodeFloat32 converts little-endian src of the given float dtype into dst
// (len(dst) elements).
func DecodeFloat32(dst []float32, dtype string, src []byte) error {
	size := dtypeSizes[dtype]
	if size == 0 || len(src) != len(dst)*size {
		if size == 0 {
			return fmt.Errorf("unsupported dtype %q", dtype)
		}
		return fmt.Errorf("%d bytes for %d %s elements", len(src), len(dst), dtype)
	}
	le := binary.LittleEndian
	switch dtype {
	case "F32":
		for i := range dst {
			dst[i] = math.Float32frombits(le.Uint32(src[4*i:]))
		}
	case "F64":
		for i := range dst {
			dst[i] = float32(math.Float64frombits(le.Uint64(src[8*i:])))
		}
	case "BF16":
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(le.Uint16(src[2*i:])) << 16)
		}
	case "F16":
		for i := range dst {
			dst[i] = HalfToFloat32(le.Uint16(src[2*i:]))
		}
	default:
		return fmt.Errorf("dtype %s is not a float type", dtype)
	}
	return nil
}

// HalfToFloat32 converts an IEEE 754 binary16 value to float32 (exact).
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		mant &= 0x3ff
		return math.Float32frombits(sign | e<<23 | mant<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}

// Float32ToHalf converts float32 to binary16 with round-to-nearest-even.
func Float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case b&0x7fffffff > 0x7f800000: // NaN
		return sign | 0x7e00
	case exp >= 0x1f:
		return sign | 0x7c00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := uint32(1) << (shift - 1)
		r := mant >> shift
		rem := mant & (1<<shift - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++
	}
	return sign | uint16(r)
}

// Float32ToBF16 converts float32 to bfloat16 with round-to-nearest-even (as torch).
func Float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// ReadFile reads path fully into memory and parses it; for small files and
// platforms without mmap.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return Parse(path, data)
}
