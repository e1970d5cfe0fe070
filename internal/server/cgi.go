//go:build linux

package server

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/valyala/bytebufferpool"
	"golang.org/x/sys/unix"

	"ferrous/internal/cgi"
	"ferrous/internal/chunked"
	"ferrous/internal/h1"
	"ferrous/internal/session"
	"ferrous/internal/static"
)

// serveCGI locates the script named by the path and runs it once the body (if any) has been read.
func (c *conn) serveCGI() {
	ex := &c.ex
	rt := ex.rt
	rel, needsSlash := ex.routeRel()
	if needsSlash {
		c.respondError(404, false)
		return
	}
	script, pathInfo, ok := splitScriptPath(rel, rt.cfg.CGIExtension)
	if !ok || (!rt.cfg.AllowHidden && hiddenSegment(script)) {
		c.respondError(404, false)
		return
	}
	fd, st, err := rt.root.OpenFD(script)
	if err != nil {
		c.respondError(static.StatusForOpenError(err), false)
		return
	}
	unix.Close(fd)
	if st.IsDir || st.Mode&0o111 == 0 {
		// Only scripts marked executable run: a data file with the extension dropped in the directory does not.
		c.respondError(403, false)
		return
	}
	job := &cgiJob{
		script:   filepath.Join(rt.absDir, script),
		name:     strings.TrimSuffix(rt.cfg.Path, "/") + "/" + script,
		pathInfo: pathInfo,
		body:     bytebufferpool.Get(),
	}
	if hasBody(ex.req) {
		c.body.sink = job
		return
	}
	job.finish(c)
}

// splitScriptPath finds the first path segment that ends in the CGI extension: it is the script, the rest is
// PATH_INFO (RFC 3875 §4.1.5).
func splitScriptPath(rel, ext string) (script, pathInfo string, ok bool) {
	if ext == "" {
		return "", "", false
	}
	start := 0
	for start <= len(rel) {
		end := strings.IndexByte(rel[start:], '/')
		if end < 0 {
			end = len(rel)
		} else {
			end += start
		}
		if seg := rel[start:end]; len(seg) > len(ext) && strings.HasSuffix(seg, ext) {
			if end < len(rel) {
				pathInfo = rel[end:]
			}
			return rel[:end], pathInfo, true
		}
		start = end + 1
	}
	return "", "", false
}

// cgiJob gathers the request body (the script reads it from stdin, with CONTENT_LENGTH set) and starts the run.
type cgiJob struct {
	script, name, pathInfo string
	body                   *bytebufferpool.ByteBuffer
}

func (j *cgiJob) write(_ *conn, p []byte) error {
	j.body.B = append(j.body.B, p...)
	return nil
}

func (j *cgiJob) abort() { bytebufferpool.Put(j.body) }

// full is never true: the body is bounded by the route's size limit and gathered in memory for the script.
func (j *cgiJob) full() bool { return false }

func (j *cgiJob) finish(c *conn) {
	ex := &c.ex
	req := ex.req
	cfg := c.l.srv.set.Load().cfg
	meta := cgi.Meta{
		Method:         string(req.Method),
		ScriptName:     j.name,
		PathInfo:       j.pathInfo,
		Query:          string(req.Query),
		ServerName:     string(hostWithoutPort(req.Host)),
		ServerPort:     strconv.Itoa(c.ln.port),
		ServerProtocol: "HTTP/1." + strconv.Itoa(req.Minor),
		RemoteAddr:     c.peer.Addr().String(),
		RemotePort:     strconv.Itoa(int(c.peer.Port())),
		ContentType:    string(req.Get("Content-Type")),
		ContentLength:  -1,
		DocumentRoot:   ex.rt.absDir,
		ScriptFilename: j.script,
	}
	if meta.ServerName == "" && len(ex.vh.names) > 0 {
		meta.ServerName = ex.vh.names[0]
	}
	if hasBody(req) {
		meta.ContentLength = int64(len(j.body.B))
	}
	meta.Headers = make([][2]string, 0, len(req.Fields))
	for _, f := range req.Fields {
		meta.Headers = append(meta.Headers, [2]string{string(f.Name), string(f.Value)})
	}
	if s := ex.session; s != nil {
		meta.Extra = [][2]string{{"FERROUS_SESSION_ID", s.ID}, {"FERROUS_SESSION_VALUES", session.EncodeValues(s.Values)}}
	}
	ext := filepath.Ext(j.script)
	if srv := c.l.srv; srv.cgiActive.Add(1) > srv.set.Load().maxCGI {
		// Every running script holds a process and a thread: past the cap, refuse quickly rather than queue.
		srv.cgiActive.Add(-1)
		bytebufferpool.Put(j.body)
		c.respondError(503, false)
		c.finishExchange()
		return
	}
	bridge := &cgiBridge{c: c, l: c.l, body: j.body, ack: make(chan struct{}, 1), script: j.name}
	run, err := cgi.Start(cgi.Job{
		Interpreter: cfg.CGIInterpreters[ext],
		Script:      j.script,
		Dir:         filepath.Dir(j.script),
		Env:         cgi.BuildEnv(meta),
		Stdin:       bytes.NewReader(j.body.B),
		Timeout:     cfg.CGITimeout,
	}, bridge)
	if err != nil {
		c.l.srv.cgiActive.Add(-1)
		bytebufferpool.Put(j.body)
		slog.Error("cgi start", "script", j.script, "err", err)
		c.respondError(500, false)
		c.finishExchange()
		return
	}
	bridge.run = run
	ex.async = bridge
	c.state = stateWait
}

// cgiBridge carries a run's output from the runner's goroutines into the loop. Every call posts to the loop, so
// the connection is only ever touched by its own loop; Body waits for the loop's acknowledgement, which the loop
// holds back while the client is not reading (backpressure on a script that floods its output).
type cgiBridge struct {
	c          *conn
	l          *loop
	run        *cgi.Run
	body       *bytebufferpool.ByteBuffer
	ack        chan struct{}
	canceled   atomic.Bool
	script     string
	headerSent bool
	chunked    bool
	bodyless   bool // HEAD, or a status without content: the script's body is read and dropped
	failed     bool
}

// selfTimed: the runner kills the script at cgi_timeout_secs and the response ends with a 504 or a cut body.
func (b *cgiBridge) selfTimed() bool { return true }

func (b *cgiBridge) cancel() {
	b.canceled.Store(true)
	b.run.Cancel()
	b.release()
}

// release unblocks a runner goroutine waiting in Body.
func (b *cgiBridge) release() {
	select {
	case b.ack <- struct{}{}:
	default:
	}
}

func (b *cgiBridge) Header(r *cgi.Response) {
	resp := &cgi.Response{Status: r.Status, Header: append([][2]string(nil), r.Header...)}
	b.l.post(func() { b.l.guard(b.c, func() { b.onHeader(resp) }) })
}

func (b *cgiBridge) Body(p []byte) {
	if b.canceled.Load() {
		return
	}
	data := append([]byte(nil), p...)
	b.l.post(func() { b.l.guard(b.c, func() { b.onBody(data) }) })
	<-b.ack
}

func (b *cgiBridge) Done(err error) {
	b.l.post(func() { b.l.guard(b.c, func() { b.onDone(err) }) })
}

func (b *cgiBridge) live() bool { return !b.c.closed && b.c.ex.async == b }

func (b *cgiBridge) onHeader(r *cgi.Response) {
	if !b.live() {
		return
	}
	c := b.c
	ex := &c.ex
	out := c.beginResponse(r.Status)
	for _, f := range r.Header {
		if strings.EqualFold(f[0], "X-Session-Set") {
			// Consumed here, never forwarded: the script's way to write its session.
			if ex.session != nil {
				if err := session.ApplyUpdate(ex.session.Values, f[1]); err != nil {
					slog.Warn("cgi session update refused", "err", err)
				}
			}
			continue
		}
		out = h1.AppendHeader(out, f[0], f[1])
	}
	length := int64(-1)
	switch {
	case !h1.BodyAllowed(r.Status):
		length = 0
	case ex.head:
		// The length GET would have is known only once the script ends: a HEAD response says nothing of it.
		length = noLength
	case ex.http10:
		// HTTP/1.0 has no chunked coding: the body ends when the connection does.
		ex.keepAlive = false
		length = noLength
	}
	b.chunked = length == -1
	b.bodyless = ex.head || length == 0
	c.output().B = c.endHead(out, length)
	b.headerSent = true
	c.pump()
}

func (b *cgiBridge) onBody(data []byte) {
	if !b.live() {
		b.release()
		return
	}
	c := b.c
	if !b.bodyless {
		out := c.output().B
		if b.chunked {
			out = chunked.AppendChunk(out, data)
		} else {
			out = append(out, data...)
		}
		c.output().B = out
		c.ex.bodyBytes += int64(len(data))
	}
	c.pump()
	if c.closed || c.pendingBytes() < maxPendingOutput {
		b.release()
		return
	}
	c.waitingAck = b
}

func (b *cgiBridge) onDone(err error) {
	b.l.srv.cgiActive.Add(-1)
	bytebufferpool.Put(b.body)
	if !b.live() {
		return
	}
	c := b.c
	ex := &c.ex
	ex.async = nil
	c.waitingAck = nil
	switch {
	case !b.headerSent:
		c.respondError(cgiErrorStatus(err), false)
	case err != nil && !errors.Is(err, cgi.ErrScriptFailed):
		// The body was cut (timeout): the client must see a truncated message, not a complete one.
		c.closeAfter = true
	case b.chunked && !b.bodyless:
		c.output().B = chunked.AppendLastChunk(c.output().B)
	}
	if err != nil {
		slog.Warn("cgi run", "script", b.script, "err", err)
	}
	c.state = stateHead
	c.finishExchange()
	c.pump()
}

func cgiErrorStatus(err error) int {
	switch {
	case errors.Is(err, cgi.ErrTimeout):
		return 504
	case errors.Is(err, fs.ErrNotExist):
		return 404
	case errors.Is(err, fs.ErrPermission):
		return 403
	}
	return 502
}
