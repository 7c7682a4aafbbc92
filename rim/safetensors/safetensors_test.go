package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

func encode(t *testing.T, ts []Tensor, md map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, ts, md); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.safetensors")
	w := []float32{1, -2.5, 3e-8, float32(math.Inf(1))}
	err := Write(p, []Tensor{
		F32("b.weight", []int{2, 2}, w),
		I64("a.ids", []int{3}, []int64{-1, 0, 1 << 40}),
		F32("scalar", nil, []float32{7}),
		BF16("h.bf16", []int{2}, []float32{1.5, -0.09375}),
		F16("h.f16", []int{3}, []float32{1.5, -65504, 6e-8}),
	}, map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.Names(), ","); got != "a.ids,b.weight,h.bf16,h.f16,scalar" {
		t.Fatalf("names %s", got)
	}
	if f.Metadata()["format"] != "pt" {
		t.Fatalf("metadata %v", f.Metadata())
	}
	got, shape, err := f.Float32("b.weight")
	if err != nil || len(shape) != 2 || shape[0] != 2 {
		t.Fatalf("%v %v", shape, err)
	}
	for i := range w {
		if got[i] != w[i] {
			t.Fatalf("element %d: %v != %v", i, got[i], w[i])
		}
	}
	ids, _, err := f.Int64("a.ids")
	if err != nil || ids[0] != -1 || ids[2] != 1<<40 {
		t.Fatalf("ids %v %v", ids, err)
	}
	s, shape, _ := f.Float32("scalar")
	if len(shape) != 0 || s[0] != 7 {
		t.Fatalf("scalar %v %v", s, shape)
	}
	bf, _, _ := f.Float32("h.bf16")
	if bf[0] != 1.5 || bf[1] != -0.09375 {
		t.Fatalf("bf16 %v", bf)
	}
	hf, _, _ := f.Float32("h.f16")
	if hf[0] != 1.5 || hf[1] != -65504 || math.Abs(float64(hf[2])-5.96e-8) > 1e-9 {
		t.Fatalf("f16 %v", hf)
	}
	if _, _, err := f.Int64("b.weight"); err == nil {
		t.Fatal("Int64 of a float tensor must fail")
	}
	if _, err := f.Bytes("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("missing tensor error %v", err)
	}
}

func TestHalfConversionsExhaustive(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := HalfToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			continue
		}
		if back := Float32ToHalf(f); back != uint16(h) {
			t.Fatalf("half %#04x -> %v -> %#04x", h, f, back)
		}
	}
	if Float32ToBF16(1.00390625) != 0x3f80 { // tie rounds to even
		t.Fatalf("bf16 rounding: %#x", Float32ToBF16(1.00390625))
	}
}

// header builds a raw file with the given JSON header and n data bytes.
func header(js string, n int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(js)))
	b.WriteString(js)
	b.Write(make([]byte, n))
	return b.Bytes()
}

func TestBadHeaders(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"short", []byte{1, 2, 3}, "too short"},
		{"lying length", append([]byte{0xff, 0xff, 0, 0, 0, 0, 0, 0}, []byte("{}")...), "runs past the end"},
		{"huge length", []byte{0, 0, 0, 0, 0, 0, 0, 0x10}, "exceeds"},
		{"not json", header("{nope", 0), "not valid JSON"},
		{"bad dtype", header(`{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}`, 1), `unsupported dtype "Q4"`},
		{"out of bounds", header(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, 8), "outside"},
		{"size mismatch", header(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), "needs 12 bytes"},
		{"overlap", header(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), "overlap"},
		{"negative dim", header(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, 0), "invalid dimension"},
		{"offsets arity", header(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}`, 4), "2 elements"},
		{"bad metadata", header(`{"__metadata__":{"a":1}}`, 0), "__metadata__"},
	}
	for _, c := range cases {
		_, err := Parse("f.safetensors", c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "f.safetensors") {
			t.Errorf("%s: error %v, want one naming the file and containing %q", c.name, err, c.want)
		}
	}
}

func TestTruncatedFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.safetensors")
	if err := Write(p, []Tensor{F32("w", []int{64}, make([]float32, 64))}, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)-10], 0o644)
	if _, err := Open(p); err == nil || !strings.Contains(err.Error(), `"w"`) {
		t.Fatalf("truncated file: %v", err)
	}
}

func TestEncodeRejects(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, []Tensor{{Name: "x", DType: "F32", Shape: []int{2}, Data: make([]byte, 4)}}, nil); err == nil {
		t.Fatal("size mismatch accepted")
	}
	if err := Encode(&buf, []Tensor{F32("x", []int{1}, []float32{1}), F32("x", []int{1}, []float32{1})}, nil); err == nil {
		t.Fatal("duplicate accepted")
	}
}

func TestShardedDir(t *testing.T) {
	dir := t.TempDir()
	Write(filepath.Join(dir, "model-00001-of-00002.safetensors"), []Tensor{F32("a", []int{1}, []float32{1})}, nil)
	Write(filepath.Join(dir, "model-00002-of-00002.safetensors"), []Tensor{F32("b", []int{1}, []float32{2})}, nil)
	idx := `{"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}`
	os.WriteFile(filepath.Join(dir, IndexFile), []byte(idx), 0o644)
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := d.Float32("b")
	if err != nil || v[0] != 2 || strings.Join(d.Names(), ",") != "a,b" {
		t.Fatalf("%v %v %v", v, d.Names(), err)
	}
	d.Close()
	os.Remove(filepath.Join(dir, "model-00002-of-00002.safetensors"))
	if _, err := OpenDir(dir); err == nil || !strings.Contains(err.Error(), "missing shard model-00002-of-00002.safetensors") {
		t.Fatalf("missing shard: %v", err)
	}
	if _, err := OpenDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no model.safetensors") {
		t.Fatalf("empty dir: %v", err)
	}
}

// The fixtures were written by a numpy safetensors writer; reading them checks
// compatibility with files from outside rim.
func TestReadsFixtures(t *testing.T) {
	dir := testpaths.Shared(t, "fixtures", "hf-tiny", "qwen3")
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, ok := d.Info("model.embed_tokens.weight"); !ok {
		t.Fatalf("embed missing; names %v", d.Names()[:3])
	}
	for _, n := range d.Names() {
		if strings.HasPrefix(n, "input_ids") {
			t.Fatal("reference.safetensors must not be part of the model weights")
		}
	}
	ref, err := Open(filepath.Join(dir, "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	ids, shape, err := ref.Int64("input_ids")
	if err != nil || len(shape) != 2 || shape[0] != 2 || len(ids) != shape[0]*shape[1] {
		t.Fatalf("input_ids %v %v", shape, err)
	}
}

func FuzzParse(f *testing.F) {
	var buf bytes.Buffer
	Encode(&buf, []Tensor{F32("a", []int{2}, []float32{1, 2}), I64("b", nil, []int64{3})}, map[string]string{"k": "v"})
	f.Add(buf.Bytes())
	f.Add(header(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		for _, n := range file.Names() {
			ti, _ := file.Info(n)
			b, err := file.Bytes(n)
			if err != nil || int64(len(b)) != ti.End-ti.Begin {
				t.Fatalf("tensor %q: %v", n, err)
			}
			switch ti.DType {
			case "F32", "F16", "BF16", "F64":
				if _, _, err := file.Float32(n); err != nil {
					t.Fatal(err)
				}
			default:
				if _, _, err := file.Int64(n); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
