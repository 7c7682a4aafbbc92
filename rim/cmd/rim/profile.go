package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// startProfile starts a CPU profile into $RIM_CPUPROFILE when it is set (any
// command: `RIM_CPUPROFILE=cpu.pprof rim bench generate …`, then
// `go tool pprof -top rim cpu.pprof`). The returned stop function ends it and
// also writes a heap profile to $RIM_MEMPROFILE when that is set.
func startProfile(stderr io.Writer) (stop func()) {
	var f *os.File
	if path := os.Getenv("RIM_CPUPROFILE"); path != "" {
		var err error
		if f, err = os.Create(path); err != nil {
			fmt.Fprintf(stderr, "rim: RIM_CPUPROFILE: %v (not profiling)\n", err)
		} else if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "rim: RIM_CPUPROFILE: %v (not profiling)\n", err)
			f.Close()
			f = nil
		}
	}
	return func() {
		if f != nil {
			pprof.StopCPUProfile()
			f.Close()
		}
		if path := os.Getenv("RIM_MEMPROFILE"); path != "" {
			m, err := os.Create(path)
			if err == nil {
				err = pprof.WriteHeapProfile(m)
				m.Close()
			}
			if err != nil {
				fmt.Fprintf(stderr, "rim: RIM_MEMPROFILE: %v\n", err)
			}
		}
	}
}
