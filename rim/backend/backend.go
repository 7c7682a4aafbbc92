// Package backend chooses the GoMLX compute backend deliberately: the pure Go
// backend (with SIMD matmuls when built with GOEXPERIMENT=simd) by default,
// XLA/PJRT when GOMLX_BACKEND names it ("xla:cpu", "xla:cuda",
// "xla:/path/to/pjrt_plugin.so"). It never downloads anything: GoMLX's
// PJRT auto-installer is not linked in and GOMLX_NO_AUTO_INSTALL is set.
package backend

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend"  // registers the "go" backend
	_ "github.com/gomlx/go-xla/compute/xla" // registers "xla" (plugins loaded with dlopen; no auto-install linked)
)

// EnvVar is the environment variable GoMLX reads for the backend choice.
const EnvVar = "GOMLX_BACKEND"

var (
	mu      sync.Mutex
	shared  compute.Backend
	sharedC string
)

// Config returns the backend configuration rim will use: $GOMLX_BACKEND, or "go".
func Config() string {
	if c := strings.TrimSpace(os.Getenv(EnvVar)); c != "" {
		return c
	}
	return "go"
}

// New returns a new backend for Config(). See NewWithConfig.
func New() (compute.Backend, error) { return NewWithConfig(Config()) }

// Default returns a process-wide shared backend for Config(), creating it on
// first use. Models loaded without an explicit backend share it.
func Default() (compute.Backend, error) {
	mu.Lock()
	defer mu.Unlock()
	c := Config()
	if shared != nil && sharedC == c {
		return shared, nil
	}
	b, err := NewWithConfig(c)
	if err != nil {
		return nil, err
	}
	shared, sharedC = b, c
	return b, nil
}

// NewWithConfig creates the backend named by config ("go", "xla:cpu",
// "xla:cuda", "xla:/path/plugin.so"). A missing XLA plugin is an error that
// says how to install one; nothing is downloaded.
func NewWithConfig(config string) (b compute.Backend, err error) {
	os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	config = withSafeScheduling(config)
	name, _, _ := strings.Cut(config, ":")
	known := false
	for _, n := range compute.List() {
		if n == name {
			known = true
		}
	}
	if !known {
		return nil, fmt.Errorf("rim: backend %q (from %s=%q) is not compiled in; available: %s",
			name, EnvVar, config, strings.Join(compute.List(), ", "))
	}
	defer func() {
		// compute.NewWithConfig and some plugin loaders panic instead of returning errors.
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("rim: backend %q: %v", config, r)
		}
		if err != nil && isXLA(name) {
			err = fmt.Errorf("%w\n%s", err, InstallHint)
		}
	}()
	b, err = compute.NewWithConfig(config)
	if err != nil {
		return nil, fmt.Errorf("rim: backend %q: %w", config, err)
	}
	return b, nil
}

// withSafeScheduling turns a plain "go" backend config into
// "go:ops_sequential" (docs/performance.md, "Op scheduling").
//
// compute v0.1.6's Go backend could deadlock when it ran independent graph
// ops in parallel (a node holding a worker slot waited in
// workerspool.Saturate while the scheduler waited in WaitToStart; the pool's
// cond.Signal woke only one of them). v0.1.14's scheduler no longer waits
// for slots, but forcing "go:ops_parallel" still hangs when several
// executions run at once (measured: 4 goroutines executing a graph of 8
// independent large matmuls hang within a minute): each execution's
// executors hold pool slots until it ends, so with enough executions every
// slot is held by an executor whose matmul waits for a free slot. The
// upstream default ("go:", parallel only while one execution is live) keeps
// at least one slot free and passed the same stress test; it makes batch-1
// decoding faster but batch-16 decoding slower on the 2-core reference
// machine, so rim keeps sequential op scheduling, in which no slot holder
// waits for a slot and each big matmul is still split over all cores.
// "go:" (upstream default) and "go:ops_parallel" can be asked for
// explicitly; any other explicit option list is passed through unchanged.
func withSafeScheduling(config string) string {
	if strings.TrimSpace(config) == "go" {
		return "go:ops_sequential"
	}
	return config
}

func isXLA(name string) bool {
	switch name {
	case "xla", "stablehlo", "shlo", "hlo":
		return true
	}
	return false
}

// InstallHint tells the user how to provide a PJRT plugin (rim never downloads one).
const InstallHint = `rim never downloads PJRT plugins at run time. To use XLA install a plugin first:
  CPU:  download pjrt_c_api_cpu_plugin.so from https://github.com/gomlx/pjrt-cpu-binaries/releases
        into /usr/local/lib/go-xla/ (or set GOMLX_BACKEND=xla:/path/to/pjrt_c_api_cpu_plugin.so)
  CUDA: pip install jax[cuda12] (or the jax-cuda12-pjrt wheel) and set GOMLX_BACKEND=xla:cuda
or unset GOMLX_BACKEND to use the built-in Go backend.`

// Describe names a backend for logs and notebooks, e.g. "go: SimpleGo (...)".
func Describe(b compute.Backend) string {
	if b == nil {
		return "<nil backend>"
	}
	return b.Name() + ": " + b.Description()
}
