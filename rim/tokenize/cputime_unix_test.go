//go:build unix

package tokenize

import "syscall"

// cpuSeconds is the process's user+system CPU time: on a shared 2-core
// machine it measures the work more steadily than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
