package chatapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/rimlab/rim/rim/fileio"
)

// Cache is a persistent store of replies, one small JSON file per key under
// Dir (two-level fan-out), written atomically so that concurrent writers and
// killed runs never leave a half entry. A nil *Cache caches nothing.
type Cache struct{ Dir string }

// Key hashes its parts (length-prefixed, so parts cannot run together).
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

type cacheEntry struct {
	Key   string `json:"key"`
	Reply string `json:"reply"`
}

func (c *Cache) path(key string) string { return filepath.Join(c.Dir, key[:2], key+".json") }

// Get returns the cached reply for key.
func (c *Cache) Get(key string) (string, bool) {
	if c == nil || c.Dir == "" {
		return "", false
	}
	b, err := os.ReadFile(c.path(key))
	if err != nil {
		return "", false
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil || e.Key != key {
		return "", false
	}
	return e.Reply, true
}

// Put stores reply under key.
func (c *Cache) Put(key, reply string) error {
	if c == nil || c.Dir == "" {
		return nil
	}
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("chatapi: cache: %w", err)
	}
	b, err := json.Marshal(cacheEntry{Key: key, Reply: reply})
	if err != nil {
		return err
	}
	return fileio.WriteFileAtomic(p, b, 0o644)
}

// Job is one request of a batch with its cache key.
type Job struct {
	Key string // cache key ("" disables caching for this job)
	Req Request
	// Reply sends the job with CompleteReply instead of Complete: a reply
	// with reasoning but null content is an answer (Result.Reasoning), not
	// a malformed body. Meant for uncached jobs (the cache keeps content only).
	Reply bool
}

// Result is one job's outcome: the reply, whether it came from the cache,
// or the error of its last attempt. Reasoning and Finish are the reply's
// split-off reasoning and finish reason (Reply); the cache keeps only the
// content, so they are empty for a cached reply.
type Result struct {
	Reply             string
	Reasoning, Finish string
	Cached            bool
	Err               error
}

// Batch runs jobs with at most Concurrency requests in flight, serving
// cached keys without a request and caching every successful reply as soon
// as it arrives (so an interrupted batch keeps what it got). Per-job failures
// are in the results; if the endpoint is unreachable, no further requests are
// started and Batch also returns that error (naming the URL) — the results
// already obtained stay valid.
func (c *Client) Batch(ctx context.Context, cache *Cache, jobs []Job) ([]Result, error) {
	res := make([]Result, len(jobs))
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		fatal error
		wg    sync.WaitGroup
		done  int
	)
	ended := func() { // one job ended; mu held or no goroutine running
		done++
		if c.cfg.OnProgress != nil {
			c.cfg.OnProgress(done, len(jobs))
		}
	}
	sem := make(chan struct{}, c.cfg.Concurrency)
	for i, j := range jobs {
		if j.Key != "" {
			if r, ok := cache.Get(j.Key); ok {
				res[i] = Result{Reply: r, Cached: true}
				mu.Lock()
				ended()
				mu.Unlock()
				continue
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			res[i].Err = fmt.Errorf("chatapi: not sent: %w", context.Cause(ctx))
			mu.Lock()
			ended()
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func(i int, j Job) {
			defer func() { <-sem; wg.Done() }()
			var (
				out Reply
				err error
			)
			if j.Reply {
				out, err = c.CompleteReply(ctx, j.Req)
			} else {
				out.Content, err = c.Complete(ctx, j.Req)
			}
			if err == nil && j.Key != "" {
				if perr := cache.Put(j.Key, out.Content); perr != nil {
					err = perr
				}
			}
			res[i] = Result{Reply: out.Content, Reasoning: out.Reasoning, Finish: out.Finish, Err: err}
			mu.Lock()
			ended()
			if errors.Is(err, ErrUnreachable) && fatal == nil {
				fatal = err
				cancel()
			}
			mu.Unlock()
		}(i, j)
	}
	wg.Wait()
	if fatal == nil && parent.Err() != nil {
		fatal = fmt.Errorf("chatapi: %s: %w", c.shown, parent.Err())
	}
	return res, fatal
}
