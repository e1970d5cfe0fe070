//go:build linux

package server

import (
	"io"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"ferrous/internal/static"
)

// maxListingEntries bounds a directory listing page; a directory with more entries is cut with a note, so one
// request cannot make the loop read a huge directory.
const maxListingEntries = 10000

// routeRel is the part of the clean path below the route's prefix, and whether the request named the route's
// directory without its trailing slash.
func (ex *exchange) routeRel() (rel string, needsSlash bool) {
	p := ex.rt.cfg.Path
	if !ex.rt.cfg.Prefix {
		return "", false
	}
	if len(p) > 1 && ex.cleanPath == p[:len(p)-1] {
		return "", true
	}
	return strings.TrimPrefix(ex.cleanPath, p), false
}

// hiddenSegment reports whether rel names a dot-file anywhere. ".well-known" is allowed as the first segment,
// where RFC 8615 puts it.
func hiddenSegment(rel string) bool {
	first := true
	for seg := range strings.SplitSeq(rel, "/") {
		if len(seg) > 0 && seg[0] == '.' && !(first && seg == ".well-known") {
			return true
		}
		first = false
	}
	return false
}

// serveStatic answers GET and HEAD from the route's file or directory: from the loop's small-file cache when it
// can, else from a descriptor opened beneath the route's root.
func (c *conn) serveStatic() {
	ex := &c.ex
	rt := ex.rt
	rel, needsSlash := ex.routeRel()
	if needsSlash {
		c.redirectToDirectory()
		return
	}
	if !rt.cfg.AllowHidden && hiddenSegment(rel) {
		c.respondError(404, false)
		return
	}
	if !rt.isDir {
		rel = rt.fileName
	}
	now := c.l.clock.sec
	if e := c.l.cache.lookup(rt, rel, now); e != nil {
		c.serveFile(fileBody{fd: noFile, mem: e.body}, e.st, e.fileRel, e.etag)
		return
	}
	fd, st, err := rt.root.OpenFD(strings.TrimSuffix(rel, "/"))
	if err != nil {
		c.respondError(static.StatusForOpenError(err), false)
		return
	}
	fileRel := rel
	if st.IsDir {
		if !strings.HasSuffix(ex.cleanPath, "/") {
			unix.Close(fd)
			c.redirectToDirectory()
			return
		}
		idx, ist, name := c.openIndex(rel)
		if idx == noFile {
			if !rt.cfg.DirectoryListing {
				unix.Close(fd)
				c.respondError(403, false)
				return
			}
			c.serveListing(fd)
			return
		}
		unix.Close(fd)
		fd, st, fileRel = idx, ist, name
	}
	if e := c.l.cache.store(rt, rel, fileRel, fd, st, now); e != nil {
		unix.Close(fd)
		c.serveFile(fileBody{fd: noFile, mem: e.body}, e.st, e.fileRel, e.etag)
		return
	}
	c.serveFile(fileBody{fd: fd}, st, fileRel, nil)
}

// openIndex opens the first index file of the directory rel that exists and is not a directory.
func (c *conn) openIndex(rel string) (int, static.FileStat, string) {
	for _, index := range c.ex.rt.index {
		name := path.Join(rel, index)
		fd, st, err := c.ex.rt.root.OpenFD(name)
		if err != nil {
			continue
		}
		if st.IsDir {
			unix.Close(fd)
			continue
		}
		return fd, st, name
	}
	return noFile, static.FileStat{}, ""
}

func (c *conn) redirectToDirectory() {
	loc := c.ex.cleanPath + "/"
	if q := c.ex.req.Query; q != nil {
		loc += "?" + string(q)
	}
	c.respondRedirect(301, loc)
}

// fileBody is where a file's bytes come from: an open descriptor (sent by sendfile) or the cache's copy.
type fileBody struct {
	fd  int
	mem []byte
}

func (fb fileBody) release() {
	if fb.fd != noFile {
		unix.Close(fb.fd)
	}
}

// serveFile answers with a regular file: validators, conditionals, a single range, and the body. etag may be
// precomputed (cache entries); nil computes it.
func (c *conn) serveFile(body fileBody, st static.FileStat, name string, etag []byte) {
	ex := &c.ex
	req := ex.req
	if etag == nil {
		var etagBuf [48]byte
		etag = static.AppendETag(etagBuf[:0], st.ModTimeNanos, st.Size)
	}
	v := static.Validators{ETag: etag, ModTime: st.ModTimeNanos / 1e9}
	if status := static.Evaluate(req.Method, v, req.Get("If-Match"), req.Get("If-Unmodified-Since"),
		req.Get("If-None-Match"), req.Get("If-Modified-Since")); status != 0 {
		body.release()
		if status == 304 {
			b := c.beginResponse(304)
			b = c.appendValidators(b, etag, v.ModTime)
			c.output().B = c.endHead(b, 0)
			return
		}
		c.respondError(status, false)
		return
	}
	status, start, length := 200, int64(0), st.Size
	var rangeHdr []byte
	if rh := req.Get("Range"); rh != nil && static.IfRangeAllows(req.Get("If-Range"), v) {
		r, ok, unsatisfiable := static.ParseRange(rh, st.Size)
		switch {
		case unsatisfiable:
			body.release()
			b := c.beginResponse(416)
			b = append(b, "Content-Range: "...)
			b = static.AppendUnsatisfiedRange(b, st.Size)
			b = append(b, "\r\nContent-Type: text/html; charset=utf-8\r\n"...)
			page := builtinPage(416)
			b = c.endHead(b, int64(len(page)))
			c.output().B = c.appendBody(b, page)
			return
		case ok:
			status, start, length = 206, r.Start, r.Length
			rangeHdr = static.AppendContentRange(nil, r, st.Size)
		}
	}
	b := c.beginResponse(status)
	b = append(b, "Content-Type: "...)
	b = append(b, static.ContentType(name)...)
	b = append(b, "\r\nAccept-Ranges: bytes\r\nX-Content-Type-Options: nosniff\r\n"...)
	b = c.appendValidators(b, etag, v.ModTime)
	if rangeHdr != nil {
		b = append(b, "Content-Range: "...)
		b = append(b, rangeHdr...)
		b = append(b, "\r\n"...)
	}
	b = c.endHead(b, length)
	if body.fd == noFile {
		c.output().B = c.appendBody(b, body.mem[start:start+length])
		return
	}
	c.output().B = b
	if ex.head || length == 0 {
		body.release()
		return
	}
	ex.bodyBytes = length
	c.file, c.fileOff, c.fileRemain = body.fd, start, length
}

func (c *conn) appendValidators(b, etag []byte, modTime int64) []byte {
	b = append(b, "ETag: "...)
	b = append(b, etag...)
	b = append(b, "\r\nLast-Modified: "...)
	b = static.AppendHTTPDate(b, modTime)
	return append(b, "\r\n"...)
}

// serveListing renders the directory's HTML index. Entries are stat'ed relative to the open directory, never by
// path, so a rename racing the listing cannot point it elsewhere.
func (c *conn) serveListing(dirFd int) {
	dir := os.NewFile(uintptr(dirFd), c.ex.cleanPath)
	defer dir.Close()
	names, err := dir.Readdirnames(maxListingEntries)
	if err != nil && err != io.EOF {
		c.respondError(500, false)
		return
	}
	list := make([]static.Entry, 0, len(names))
	for _, name := range names {
		if !c.ex.rt.cfg.AllowHidden && strings.HasPrefix(name, ".") {
			continue
		}
		var st unix.Stat_t
		if unix.Fstatat(dirFd, name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
			continue // removed since it was listed
		}
		list = append(list, static.Entry{Name: name, IsDir: st.Mode&unix.S_IFMT == unix.S_IFDIR, Size: st.Size, ModTime: st.Mtim.Sec})
	}
	body := static.AppendListing(nil, c.ex.cleanPath, list)
	b := c.beginResponse(200)
	b = append(b, "Content-Type: text/html; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\n"...)
	b = c.endHead(b, int64(len(body)))
	c.output().B = c.appendBody(b, body)
}
