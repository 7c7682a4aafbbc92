//go:build !unix

package tokenize

// cpuSeconds is not measured off unix; the benchmark then reports wall time only.
func cpuSeconds() float64 { return -1 }
