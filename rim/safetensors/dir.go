package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// IndexFile is the name of the shard index written by transformers' save_pretrained.
const IndexFile = "model.safetensors.index.json"

// Dir is the set of safetensors files of a model directory: either a single
// model.safetensors or the shards listed in model.safetensors.index.json.
type Dir struct {
	path  string
	files []*File
	where map[string]*File
	names []string
}

// OpenDir opens the weights of a model directory. With an index, every shard
// it names must exist and hold exactly the tensors the index assigns to it.
// Without one, every *.safetensors file in dir except reference*.safetensors and
// adapter_model.safetensors is opened (normally just model.safetensors).
func OpenDir(dir string) (*Dir, error) {
	d := &Dir{path: dir, where: map[string]*File{}}
	idxPath := filepath.Join(dir, IndexFile)
	if raw, err := os.ReadFile(idxPath); err == nil {
		var idx struct {
			WeightMap map[string]string `json:"weight_map"`
		}
		if err := json.Unmarshal(raw, &idx); err != nil {
			return nil, fmt.Errorf("safetensors: %s: %v", idxPath, err)
		}
		if len(idx.WeightMap) == 0 {
			return nil, fmt.Errorf("safetensors: %s: empty weight_map", idxPath)
		}
		shards := map[string]*File{}
		for _, shard := range sortedValues(idx.WeightMap) {
			if _, ok := shards[shard]; ok {
				continue
			}
			// A shard is a file of dir itself (transformers never nests
			// them): "../../etc/passwd" or "/abs/path" must not be opened.
			if !filepath.IsLocal(shard) || strings.ContainsAny(shard, `/\`) {
				d.Close()
				return nil, fmt.Errorf("safetensors: %s: shard %q named in %s is not a file name inside the model directory", dir, shard, IndexFile)
			}
			f, err := Open(filepath.Join(dir, shard))
			if err != nil {
				d.Close()
				if errors.Is(err, os.ErrNotExist) {
					return nil, fmt.Errorf("safetensors: %s: missing shard %s named in %s", dir, shard, IndexFile)
				}
				return nil, err
			}
			shards[shard] = f
			d.files = append(d.files, f)
		}
		for name, shard := range idx.WeightMap {
			f := shards[shard]
			if _, ok := f.Info(name); !ok {
				d.Close()
				return nil, fmt.Errorf("safetensors: %s: index puts tensor %q in %s, which does not hold it", dir, name, shard)
			}
			d.where[name] = f
		}
		for _, f := range d.files {
			for _, name := range f.Names() {
				if idx.WeightMap[name] == "" {
					d.Close()
					return nil, fmt.Errorf("safetensors: %s: tensor %q in %s is not listed in %s", dir, name, filepath.Base(f.Path()), IndexFile)
				}
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("safetensors: %w", err)
	} else {
		matches, _ := filepath.Glob(filepath.Join(dir, "*.safetensors"))
		sort.Strings(matches)
		for _, m := range matches {
			base := filepath.Base(m)
			if base == "adapter_model.safetensors" || (len(base) >= 9 && base[:9] == "reference") {
				continue
			}
			f, err := Open(m)
			if err != nil {
				d.Close()
				return nil, err
			}
			d.files = append(d.files, f)
			for _, name := range f.Names() {
				if prev, dup := d.where[name]; dup {
					d.Close()
					return nil, fmt.Errorf("safetensors: %s: tensor %q is in both %s and %s", dir, name, filepath.Base(prev.Path()), base)
				}
				d.where[name] = f
			}
		}
		if len(d.files) == 0 {
			return nil, fmt.Errorf("safetensors: %s: no model.safetensors or %s", dir, IndexFile)
		}
	}
	for name := range d.where {
		d.names = append(d.names, name)
	}
	sort.Strings(d.names)
	return d, nil
}

func sortedValues(m map[string]string) []string {
	var vs []string
	for _, v := range m {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	return vs
}

// Path returns the directory.
func (d *Dir) Path() string { return d.path }

// Names returns every tensor name across the shards, sorted.
func (d *Dir) Names() []string { return d.names }

// File returns the shard holding a tensor.
func (d *Dir) File(name string) (*File, bool) {
	f, ok := d.where[name]
	return f, ok
}

// Info describes a tensor.
func (d *Dir) Info(name string) (TensorInfo, bool) {
	if f, ok := d.where[name]; ok {
		return f.Info(name)
	}
	return TensorInfo{}, false
}

func (d *Dir) missing(name string) error {
	return fmt.Errorf("safetensors: %s: no tensor %q in the model's weights", d.path, name)
}

// Bytes returns the raw bytes of a tensor (a read-only view, valid until Close).
func (d *Dir) Bytes(name string) ([]byte, error) {
	if f, ok := d.where[name]; ok {
		return f.Bytes(name)
	}
	return nil, d.missing(name)
}

// Release drops the mapped pages of a tensor the caller has copied (File.Release).
func (d *Dir) Release(name string) {
	if f, ok := d.where[name]; ok {
		f.Release(name)
	}
}

// Float32 returns a tensor converted to a new []float32 and its shape.
func (d *Dir) Float32(name string) ([]float32, []int, error) {
	if f, ok := d.where[name]; ok {
		return f.Float32(name)
	}
	return nil, nil, d.missing(name)
}

// Close unmaps every shard.
func (d *Dir) Close() error {
	var first error
	for _, f := range d.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
