package study

import "github.com/rimlab/rim/rim/cache"

func cacheIn(dir string) (*cache.Cache, error) { return cache.Open(dir) }
