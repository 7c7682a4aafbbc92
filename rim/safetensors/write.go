package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/rimlab/rim/rim/fileio"
)

// Tensor is one tensor to write: raw little-endian Data of the given dtype and shape.
type Tensor struct {
	Name  string
	DType string
	Shape []int
	Data  []byte
}

// F32 builds a float32 Tensor (data copied into little-endian bytes).
func F32(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: "F32", Shape: append([]int(nil), shape...), Data: b}
}

// BF16 builds a bfloat16 Tensor from float32 values (round to nearest even).
func BF16(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 2*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint16(b[2*i:], Float32ToBF16(v))
	}
	return Tensor{Name: name, DType: "BF16", Shape: append([]int(nil), shape...), Data: b}
}

// F16 builds a float16 Tensor from float32 values (round to nearest even).
func F16(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 2*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint16(b[2*i:], Float32ToHalf(v))
	}
	return Tensor{Name: name, DType: "F16", Shape: append([]int(nil), shape...), Data: b}
}

// I64 builds an int64 Tensor.
func I64(name string, shape []int, data []int64) Tensor {
	b := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return Tensor{Name: name, DType: "I64", Shape: append([]int(nil), shape...), Data: b}
}

// Encode writes a safetensors image to w: tensors in sorted name order, the
// header padded with spaces to a multiple of 8 (as the reference writer does).
func Encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	sorted := append([]Tensor(nil), tensors...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	type entry struct {
		DType       string   `json:"dtype"`
		Shape       []int    `json:"shape"`
		DataOffsets [2]int64 `json:"data_offsets"`
	}
	hdr := make(map[string]any, len(sorted)+1)
	if len(metadata) > 0 {
		hdr["__metadata__"] = metadata
	}
	var off int64
	for i, t := range sorted {
		if t.Name == "" || t.Name == "__metadata__" {
			return fmt.Errorf("safetensors: invalid tensor name %q", t.Name)
		}
		if i > 0 && sorted[i-1].Name == t.Name {
			return fmt.Errorf("safetensors: duplicate tensor name %q", t.Name)
		}
		size := dtypeSizes[t.DType]
		if size == 0 {
			return fmt.Errorf("safetensors: tensor %q: unsupported dtype %q", t.Name, t.DType)
		}
		numel := 1
		for _, d := range t.Shape {
			if d < 0 {
				return fmt.Errorf("safetensors: tensor %q: negative dimension in shape %v", t.Name, t.Shape)
			}
			numel *= d
		}
		if numel*size != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %q: %s shape %v needs %d bytes, got %d", t.Name, t.DType, t.Shape, numel*size, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		hdr[t.Name] = entry{DType: t.DType, Shape: shape, DataOffsets: [2]int64{off, off + int64(len(t.Data))}}
		off += int64(len(t.Data))
	}
	js, err := json.Marshal(hdr)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if pad := (8 - len(js)%8) % 8; pad > 0 {
		js = append(js, bytes.Repeat([]byte(" "), pad)...)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(js)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(js); err != nil {
		return err
	}
	for _, t := range sorted {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

// Write writes tensors to path atomically (a crash leaves the old file, if any).
func Write(path string, tensors []Tensor, metadata map[string]string) error {
	return fileio.WriteAtomic(path, func(w io.Writer) error { return Encode(w, tensors, metadata) })
}
