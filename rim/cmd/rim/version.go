package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

func init() {
	register("version", "print rim's version and the Go toolchain", func(args []string) error {
		v := "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			v = bi.Main.Version
		}
		fmt.Printf("rim %s (%s, %s/%s)\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	})
}
