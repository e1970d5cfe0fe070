//go:build linux

package server

import (
	"errors"
	"net/url"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"ferrous/internal/h1"
	"ferrous/internal/multipart"
	"ferrous/internal/static"
	"ferrous/internal/upload"
)

// statusError carries the status a failed body handler wants answered.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// maxFilesPerUpload bounds the files one form may store.
const maxFilesPerUpload = 100

// serveDynamic answers methods other than GET/HEAD/OPTIONS on File routes: uploads and deletes.
func (c *conn) serveDynamic() {
	ex := &c.ex
	switch {
	case ex.method == mPOST && ex.rt.isDir:
		c.startUpload()
	case ex.method == mDELETE && ex.rt.isDir:
		c.deleteFile()
	default:
		// The route allows the method but a File route can only do it on a directory.
		ex.allow = "GET, HEAD, OPTIONS"
		c.respondError(405, false)
	}
}

// startUpload checks the form's media type and sets up streaming the body into the route's directory.
func (c *conn) startUpload() {
	ex := &c.ex
	rel, needsSlash := ex.routeRel()
	if needsSlash || rel != "" {
		// Uploads go into the route's directory itself; POST to a file name inside it is not an upload.
		c.respondError(405, false)
		return
	}
	boundary, err := multipart.BoundaryFromContentType(ex.req.Get("Content-Type"))
	if err != nil {
		status := 400
		var me *multipart.Error
		if errors.As(err, &me) {
			status = me.Status
		}
		c.respondError(status, false)
		return
	}
	if !hasBody(ex.req) {
		c.respondError(400, false)
		return
	}
	c.body.sink = &uploadSink{
		dec:  multipart.NewDecoder(boundary, multipart.DefaultLimits()),
		recv: upload.NewReceiver(ex.rt.cfg.File, maxFilesPerUpload),
	}
}

// uploadSink streams a multipart body through the decoder into the receiver, which writes file parts to disk.
type uploadSink struct {
	dec     *multipart.Decoder
	recv    *upload.Receiver
	pending []byte // bytes the decoder could not take yet (a possible boundary split across reads)
}

func (u *uploadSink) write(_ *conn, p []byte) error {
	buf := p
	if len(u.pending) > 0 {
		u.pending = append(u.pending, p...)
		buf = u.pending
	}
	used, err := u.decode(buf)
	if err != nil {
		return err
	}
	rest := buf[used:]
	// The leftover is at most a boundary's length: copying it keeps the caller's buffer free for reuse.
	u.pending = append(u.pending[:0], rest...)
	return nil
}

func (u *uploadSink) decode(buf []byte) (int, error) {
	used := 0
	for {
		ev, data, n, err := u.dec.Feed(buf[used:])
		used += n
		if err != nil {
			return used, bodyError(err)
		}
		if ev == multipart.EventNone {
			if n == 0 {
				return used, nil
			}
			continue
		}
		if err := u.recv.Handle(ev, u.dec.Part(), data); err != nil {
			return used, &statusError{status: upload.StatusFor(err), err: err}
		}
		if ev == multipart.EventDone {
			return len(buf), nil // the epilogue is ignored
		}
	}
}

func bodyError(err error) error {
	var me *multipart.Error
	if errors.As(err, &me) {
		return &statusError{status: me.Status, err: err}
	}
	return err
}

func (u *uploadSink) finish(c *conn) {
	if len(u.pending) > 0 {
		if _, err := u.decode(u.pending); err != nil {
			u.recv.Abort()
			c.bodyFailed(err)
			return
		}
	}
	if err := u.dec.Finish(); err != nil {
		u.recv.Abort()
		c.bodyFailed(bodyError(err))
		return
	}
	stored := u.recv.Stored()
	if len(stored) == 0 {
		c.respondError(400, false)
		c.finishExchange()
		return
	}
	ex := &c.ex
	base := ex.rt.cfg.Path
	body := make([]byte, 0, 64*len(stored))
	for _, name := range stored {
		body = append(body, base...)
		body = append(body, url.PathEscape(name)...)
		body = append(body, '\n')
	}
	b := c.beginResponse(201)
	if len(stored) == 1 {
		b = h1.AppendHeader(b, "Location", base+url.PathEscape(stored[0]))
	}
	b = append(b, "Content-Type: text/plain; charset=utf-8\r\n"...)
	b = c.endHead(b, int64(len(body)))
	c.output().B = c.appendBody(b, body)
	c.finishExchange()
}

func (u *uploadSink) abort() { u.recv.Abort() }

// deleteFile removes one regular file below the route's directory. The parent directory is opened beneath the
// root (the kernel refuses symlinks out of it), and the name is checked and unlinked relative to that directory,
// so no path component is resolved twice.
func (c *conn) deleteFile() {
	ex := &c.ex
	rel, needsSlash := ex.routeRel()
	if needsSlash || rel == "" || strings.HasSuffix(rel, "/") {
		c.respondError(403, false)
		return
	}
	if !ex.rt.cfg.AllowHidden && hiddenSegment(rel) {
		c.respondError(404, false)
		return
	}
	dirRel, name := path.Split(rel)
	dir, st, err := ex.rt.root.Open(strings.TrimSuffix(dirRel, "/"))
	if err != nil {
		c.respondError(static.StatusForOpenError(err), false)
		return
	}
	defer dir.Close()
	if !st.IsDir {
		c.respondError(404, false)
		return
	}
	dfd := int(dir.Fd())
	var fst unix.Stat_t
	if err := unix.Fstatat(dfd, name, &fst, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		c.respondError(static.StatusForOpenError(err), false)
		return
	}
	if fst.Mode&unix.S_IFMT != unix.S_IFREG {
		c.respondError(403, false)
		return
	}
	if err := unix.Unlinkat(dfd, name, 0); err != nil {
		c.respondError(static.StatusForOpenError(err), false)
		return
	}
	c.l.srv.forgetEverywhere(c.l, ex.rt, rel)
	c.respondEmpty(204)
}
