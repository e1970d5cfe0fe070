//go:build linux

package server

import (
	"strings"

	"golang.org/x/sys/unix"

	"ferrous/internal/static"
)

// Small files are kept in memory per loop, like nginx's open_file_cache plus the file's bytes: a hit costs no
// system call at all, and the whole response leaves in one write. Entries are revalidated (opened beneath the
// root again and compared by size and modification time) at most once per second, so a changed file is served
// fresh within a second. One cache per loop means no locks.
const (
	maxCachedFileBytes = 16 << 10
	maxCacheBytes      = 8 << 20 // per loop
	maxCacheEntries    = 4096
)

type cacheKey struct {
	rt  *route
	rel string // the request's path below the route, before index resolution
}

type cachedFile struct {
	fileRel string // the file actually served (rel, or rel's index file)
	st      static.FileStat
	body    []byte
	etag    []byte
	checked int64 // second of the last validation
}

type fileCache struct {
	entries map[cacheKey]*cachedFile
	bytes   int
}

// lookup returns a fresh entry for the key, revalidating it if it was last checked in an earlier second.
func (fc *fileCache) lookup(rt *route, rel string, now int64) *cachedFile {
	e := fc.entries[cacheKey{rt, rel}]
	if e == nil || e.checked == now {
		return e
	}
	fd, st, err := rt.root.OpenFD(e.fileRel)
	if err == nil {
		unix.Close(fd)
	}
	if err != nil || st != e.st {
		fc.drop(rt, rel, e)
		return nil
	}
	e.checked = now
	return e
}

// store reads a small regular file (already open as fd) into the cache. It returns nil when the file is not
// cacheable; fd stays open either way.
func (fc *fileCache) store(rt *route, rel, fileRel string, fd int, st static.FileStat, now int64) *cachedFile {
	if st.IsDir || st.Size > maxCachedFileBytes || fc.bytes+int(st.Size) > maxCacheBytes {
		return nil
	}
	if fc.entries == nil {
		fc.entries = make(map[cacheKey]*cachedFile)
	}
	if len(fc.entries) >= maxCacheEntries {
		// Crude but bounded: start over rather than track recency on every hit.
		clear(fc.entries)
		fc.bytes = 0
	}
	body := make([]byte, st.Size)
	n, err := unix.Pread(fd, body, 0)
	if err != nil || int64(n) != st.Size {
		return nil // changed under us: serve this one from the descriptor
	}
	// Both names may be views of a request's buffer: the cache keeps its own copies.
	e := &cachedFile{fileRel: strings.Clone(fileRel), st: st, body: body, checked: now}
	e.etag = static.AppendETag(nil, st.ModTimeNanos, st.Size)
	key := cacheKey{rt, strings.Clone(rel)}
	if old := fc.entries[key]; old != nil {
		fc.bytes -= len(old.body)
	}
	fc.entries[key] = e
	fc.bytes += len(body)
	return e
}

func (fc *fileCache) drop(rt *route, rel string, e *cachedFile) {
	delete(fc.entries, cacheKey{rt, rel})
	fc.bytes -= len(e.body)
}

// forget drops every entry that serves fileRel of rt, under whatever request name it was cached (a file, or the
// index of its directory).
func (fc *fileCache) forget(rt *route, fileRel string) {
	for k, e := range fc.entries {
		if k.rt == rt && e.fileRel == fileRel {
			fc.drop(k.rt, k.rel, e)
		}
	}
}

// forgetEverywhere makes a deletion visible at once on every loop, not only after the next revalidation.
func (s *Server) forgetEverywhere(from *loop, rt *route, fileRel string) {
	from.cache.forget(rt, fileRel)
	name := strings.Clone(fileRel) // fileRel may be a view of the request's buffer
	for _, l := range s.loops {
		if l != from {
			l.post(func() { l.cache.forget(rt, name) })
		}
	}
}
