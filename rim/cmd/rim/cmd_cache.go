package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rimlab/rim/rim/cache"
)

func init() {
	register("cache info", "show the on-disk cache directory and its size (-verify checks every entry)",
		func(args []string) error { return cacheInfo(args, os.Stdout, os.Stderr) })
	register("cache reset", "delete every entry of the on-disk cache",
		func(args []string) error { return cacheReset(args, os.Stdout, os.Stderr) })
}

func cacheFlags(name string, errw io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(errw)
	dir := fs.String("dir", "", "cache directory (default $"+cache.EnvDir+" or <user cache dir>/rim)")
	return fs, dir
}

func openCache(dir string) (*cache.Cache, error) {
	if dir == "" {
		return cache.Default()
	}
	return cache.Open(dir)
}

// cacheInfo implements "rim cache info [-dir D] [-verify]".
func cacheInfo(args []string, out, errw io.Writer) error {
	fs, dir := cacheFlags("cache info", errw)
	verify := fs.Bool("verify", false, "read every entry, check its checksum and remove corrupted ones")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := openCache(*dir)
	if err != nil {
		return err
	}
	var st cache.Stats
	if *verify {
		st, err = c.Verify()
	} else {
		st, err = c.Stats()
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, st)
	if *verify {
		fmt.Fprintf(out, "corrupt entries removed: %d\n", st.Corrupt)
	}
	return nil
}

// cacheReset implements "rim cache reset [-dir D]".
func cacheReset(args []string, out, errw io.Writer) error {
	fs, dir := cacheFlags("cache reset", errw)
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := openCache(*dir)
	if err != nil {
		return err
	}
	st, err := c.Reset()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "removed %s\n", st)
	return nil
}
