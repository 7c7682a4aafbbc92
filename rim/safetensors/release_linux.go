package safetensors

import (
	"os"
	"syscall"
)

// dropPages tells the kernel this process no longer needs the mapped pages
// that b spans (madvise MADV_DONTNEED, rounded out to whole pages). On a
// read-only file mapping this is always safe: the pages leave the process's
// resident set (they stay in the page cache) and a later read faults them
// back in from the file.
func dropPages(data []byte, begin, end int) {
	ps := os.Getpagesize()
	lo := begin / ps * ps
	hi := min((end+ps-1)/ps*ps, len(data))
	if lo >= hi {
		return
	}
	_ = syscall.Madvise(data[lo:hi], syscall.MADV_DONTNEED) // advisory: an error only leaves the pages resident
}
