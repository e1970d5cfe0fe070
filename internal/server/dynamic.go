//go:build linux

package server

import (
	"errors"
	"net/url"
	"path"
	"strings"
	"sync/atomic"

	"github.com/valyala/bytebufferpool"
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
		dec: multipart.NewDecoder(boundary, multipart.DefaultLimits()),
		job: &uploadJob{
			c:    c,
			recv: upload.NewReceiver(ex.rt.cfg.File, maxFilesPerUpload),
			base: ex.rt.cfg.Path,
		},
	}
}

// uploadSink streams a multipart body through the decoder, on the loop, and hands the decoded events to its job,
// which stores the files on a disk worker.
type uploadSink struct {
	dec     *multipart.Decoder
	job     *uploadJob
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
	if u.job.queuedBytes >= uploadBatchBytes {
		u.job.flush()
	}
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
		u.job.queue(ev, u.dec.Part(), data)
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

// full holds the connection's reading while the disk is behind: a fast client must not make the loop queue its
// whole upload in memory.
func (u *uploadSink) full() bool { return u.job.queuedBytes >= maxUploadQueue }

func (u *uploadSink) finish(c *conn) {
	if len(u.pending) > 0 {
		if _, err := u.decode(u.pending); err != nil {
			u.abort()
			c.bodyFailed(err)
			return
		}
	}
	if err := u.dec.Finish(); err != nil {
		u.abort()
		c.bodyFailed(bodyError(err))
		return
	}
	job := u.job
	job.finishing = true
	job.flush()
	if job.busy {
		// The response waits for the disk; the connection reads nothing meanwhile.
		c.ex.async = job
		c.state = stateWait
		return
	}
	job.respond()
}

func (u *uploadSink) abort() { u.job.cancel() }

// Data of one upload is handed to the disk in batches of uploadBatchBytes, and the rest of the body when it is
// complete: a small upload costs a single hand-off to a worker and back. maxUploadQueue bounds the decoded bytes
// waiting for the disk, with room for one batch in flight and the next filling.
const (
	uploadBatchBytes = 128 << 10
	maxUploadQueue   = 2 * uploadBatchBytes
)

// uploadJob is the file-system side of one upload. The loop queues the decoder's events into a batch; a disk worker
// applies one batch at a time to the receiver, in order, and posts the outcome back to the loop. Only the worker
// running a batch touches recv, and the loop submits nothing while a batch is out, so recv needs no lock.
type uploadJob struct {
	c    *conn
	recv *upload.Receiver
	base string // the route's path, for the response's URLs

	// Loop-owned.
	next        uploadBatch // events queued since the last submit
	busy        bool        // a batch is with a worker
	queuedBytes int         // data bytes queued or in flight
	finishing   bool        // the body is complete: respond once the disk is done

	canceled atomic.Bool // the upload will not complete: the receiver must be aborted
}

type uploadBatch struct {
	events []uploadEvent
	data   *bytebufferpool.ByteBuffer // the events' data, one after another; nil until the first is queued
}

// size is how many data bytes the batch carries.
func (b *uploadBatch) size() int {
	if b.data == nil {
		return 0
	}
	return len(b.data.B)
}

// release returns the batch's buffer to the pool: uploads come and go by the thousand, and fresh 128 KiB buffers
// for each would cost page faults and collections.
func (b *uploadBatch) release() {
	if b.data != nil {
		bytebufferpool.Put(b.data)
		b.data = nil
	}
}

// uploadEvent is one decoder event, detached from the decoder's and the connection's buffers.
type uploadEvent struct {
	kind       multipart.EventKind
	part       multipart.Part // for EventPartBegin
	start, end int            // the event's data within the batch's data
}

func (j *uploadJob) queue(ev multipart.EventKind, p *multipart.Part, data []byte) {
	if j.next.data == nil {
		j.next.data = bytebufferpool.Get()
	}
	e := uploadEvent{kind: ev, start: len(j.next.data.B)}
	if ev == multipart.EventPartBegin {
		e.part = *p
	}
	j.next.data.B = append(j.next.data.B, data...)
	e.end = len(j.next.data.B)
	j.queuedBytes += len(data)
	j.next.events = append(j.next.events, e)
}

// flush hands the queued events to a worker, unless one is already working on this upload.
func (j *uploadJob) flush() {
	if j.busy || len(j.next.events) == 0 || j.canceled.Load() {
		return
	}
	batch := j.next
	j.next = uploadBatch{}
	j.busy = true
	l := j.c.l
	l.srv.disk.submit(func() {
		err := j.apply(batch)
		if !l.post(func() { l.guard(j.c, func() { j.batchDone(batch, err) }) }) {
			j.recv.Abort() // the loop is gone, and with it the connection: nothing will come back for this file
		}
	})
}

// apply runs on a disk worker.
func (j *uploadJob) apply(b uploadBatch) error {
	events := b.events
	for len(events) > 0 {
		if j.canceled.Load() {
			break
		}
		e := events[0]
		events = events[1:]
		// A part's data arrives as one event per read, side by side in the batch: one write takes them all.
		for e.kind == multipart.EventPartData && len(events) > 0 && events[0].kind == multipart.EventPartData {
			e.end = events[0].end
			events = events[1:]
		}
		if err := j.recv.Handle(e.kind, &e.part, b.data.B[e.start:e.end]); err != nil {
			j.recv.Abort()
			return err
		}
	}
	if j.canceled.Load() {
		j.recv.Abort()
	}
	return nil
}

// batchDone runs on the loop when a worker has applied a batch.
func (j *uploadJob) batchDone(b uploadBatch, err error) {
	j.busy = false
	j.queuedBytes -= b.size()
	b.release()
	if j.canceled.Load() {
		// The worker may have checked before the cancel came: abort again, which is harmless if it did not.
		j.c.l.srv.disk.submit(j.recv.Abort)
		j.releaseBuffers()
		return
	}
	c := j.c
	// Time spent waiting for the disk is not the client's: the body deadline counts from now.
	c.lastActive = c.l.clock.sec
	if err != nil {
		j.releaseBuffers()
		se := &statusError{status: upload.StatusFor(err), err: err}
		if j.finishing {
			c.ex.async = nil
			c.state = stateHead
			c.respondError(se.status, false)
			c.finishExchange()
		} else {
			c.bodyFailed(se)
		}
		c.pump()
		return
	}
	j.flush()
	if j.finishing && !j.busy {
		c.ex.async = nil
		c.state = stateHead
		j.respond()
	}
	c.pump()
}

// releaseBuffers runs on the loop once nothing more will be queued or sent to a worker.
func (j *uploadJob) releaseBuffers() { j.next.release() }

// selfTimed: a disk worker has no deadline, so the connection keeps one while the response waits for the disk.
func (j *uploadJob) selfTimed() bool { return false }

// cancel is called on the loop when the upload will not complete: the client left, timed out, or the body failed.
func (j *uploadJob) cancel() {
	if j.canceled.Swap(true) || j.busy {
		return // a busy worker sees the flag; batchDone aborts again after it
	}
	j.c.l.srv.disk.submit(j.recv.Abort)
	j.releaseBuffers()
}

// respond answers 201 with the stored files' URLs, or 400 when the form held no file.
func (j *uploadJob) respond() {
	j.releaseBuffers()
	c := j.c
	stored := j.recv.Stored()
	if len(stored) == 0 {
		c.respondError(400, false)
		c.finishExchange()
		return
	}
	body := make([]byte, 0, 64*len(stored))
	for _, name := range stored {
		body = append(body, j.base...)
		body = append(body, url.PathEscape(name)...)
		body = append(body, '\n')
	}
	b := c.beginResponse(201)
	if len(stored) == 1 {
		b = h1.AppendHeader(b, "Location", j.base+url.PathEscape(stored[0]))
	}
	b = append(b, "Content-Type: text/plain; charset=utf-8\r\n"...)
	b = c.endHead(b, int64(len(body)))
	c.output().B = c.appendBody(b, body)
	c.finishExchange()
}

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
