//go:build !linux

package safetensors

// dropPages is a no-op where madvise is not wired up: the pages stay
// resident until Close unmaps the file.
func dropPages([]byte, int, int) {}
