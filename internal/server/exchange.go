//go:build linux

package server

import (
	"errors"
	"log/slog"
	"strconv"
	"unsafe"

	"ferrous/internal/chunked"
	"ferrous/internal/h1"
	"ferrous/internal/netpoll"
	"ferrous/internal/session"
	"ferrous/internal/static"
)

var errBodyTooLarge = errors.New("request body larger than client_max_body_size")

// exchange is one request and its response. It is embedded in the connection and reused, so a request costs no
// allocation for its bookkeeping.
type exchange struct {
	c         *conn
	req       *h1.Request
	vh        *vhost
	rt        *route
	method    methodSet
	keepAlive bool
	http10    bool
	head      bool // HEAD: headers only
	responded bool // the final response head has been queued
	logged    bool // finishExchange has run
	status    int
	bodyBytes int64
	allow     string // Allow header value for 405 and OPTIONS
	// cleanPath is the decoded, dot-segment-free path the route was matched on.
	cleanPath string

	async   asyncHandle
	session *session.Session
}

// asyncHandle is whatever produces a response outside the loop (a CGI script, an upload's last disk work); cancel
// stops it when the client leaves. selfTimed reports whether it keeps a deadline of its own (the CGI timeout);
// otherwise the connection gives it body_timeout_secs, so that a hung disk cannot hold a client for ever.
type asyncHandle interface {
	cancel()
	selfTimed() bool
}

func (ex *exchange) reset(c *conn) {
	*ex = exchange{c: c}
}

func (ex *exchange) cancel() {
	if ex.async != nil {
		ex.async.cancel()
		ex.async = nil
	}
}

// beginExchange routes a complete request head and starts answering it.
func (c *conn) beginExchange() {
	req := c.parser.Request()
	ex := &c.ex
	ex.reset(c)
	ex.req = req
	c.requests++
	if c.requests == 2 {
		// The connection is being kept alive: from now on a response may follow one the client has not
		// acknowledged yet. A one-request connection (Connection: close) never pays for the setsockopt.
		_ = netpoll.SetNoDelay(c.fd)
	}
	ex.http10 = req.Minor == 0
	ex.head = req.IsMethod("HEAD")
	ex.keepAlive = req.KeepAlive && !c.l.draining && c.requests < c.l.srv.set.Load().maxRequests
	if c.ln.retired.Load() {
		c.respondError(503, true)
		c.afterHead()
		return
	}
	ex.vh = c.ln.pickVhost(req.Host)

	if req.Form == h1.FormAsterisk {
		// OPTIONS * asks about the server as a whole.
		ex.allow = ex.vh.allMethods.allowHeader()
		c.respondEmpty(200)
		c.afterHead()
		return
	}
	if req.Form == h1.FormAuthority {
		c.respondError(405, false)
		c.afterHead()
		return
	}
	// A view of the parser's buffer, not a copy: the request path lives exactly as long as the exchange, and
	// whatever outlives it (cache keys) is cloned where it is kept.
	rawPath := unsafe.String(unsafe.SliceData(req.Path), len(req.Path))
	rel, trailing, err := static.Resolve(rawPath, "/", true)
	if err != nil {
		var pe *static.PathError
		status := 400
		if errors.As(err, &pe) {
			status = pe.Status
		}
		c.respondError(status, false)
		c.afterHead()
		return
	}
	ex.cleanPath = cleanURLPath(rawPath, rel, trailing)
	ex.rt = ex.vh.match(ex.cleanPath)
	ex.method = methodBit(req.Method)
	switch {
	case ex.rt == nil:
		c.respondError(404, false)
	case !c.checkBodySize():
		// checkBodySize answered 413: the message is refused whatever its method.
	case ex.method == 0:
		c.respondError(501, false)
	case ex.rt.methods&ex.method == 0:
		ex.allow = ex.rt.allow
		c.respondError(405, false)
	case ex.method == mOPTIONS:
		ex.allow = ex.rt.allow
		c.respondEmpty(200)
	default:
		c.dispatch()
	}
	c.afterHead()
}

func cleanURLPath(rawPath, rel string, trailing bool) string {
	if rel == "" {
		return "/"
	}
	size := len(rel) + 1
	if trailing {
		size++
	}
	if len(rawPath) == size && rawPath[1:1+len(rel)] == rel {
		return rawPath // nothing was decoded or removed: the raw path is already clean
	}
	if trailing {
		return "/" + rel + "/"
	}
	return "/" + rel
}

// checkBodySize refuses a request whose declared length is over the route's limit before reading any of it.
func (c *conn) checkBodySize() bool {
	req, limit := c.ex.req, c.ex.rt.cfg.MaxBodySize
	if limit > 0 && req.ContentLength > limit {
		c.respondError(413, true)
		return false
	}
	return true
}

// dispatchHook, when set (by tests, before any server starts), runs before every handler: it is how the tests
// prove that a panic in one request is contained to its connection.
var dispatchHook func(path string)

// dispatch hands the request to the route's handler.
func (c *conn) dispatch() {
	ex := &c.ex
	rc := ex.rt.cfg
	if dispatchHook != nil {
		dispatchHook(ex.cleanPath)
	}
	if rc.Session && c.l.srv.sessions != nil {
		s, err := c.l.srv.sessions.Load(ex.req.Get("Cookie"), c.l.clock.now)
		if err != nil {
			if !errors.Is(err, session.ErrUnavailable) {
				// An unavailable store is logged once per change by the store itself, not per request.
				slog.Error("loading session", "err", err)
			}
			c.respondError(503, false)
			return
		}
		ex.session = s
	}
	switch {
	case rc.Redirect != nil:
		c.respondRedirect(rc.Redirect.Code, rc.Redirect.URL)
	case rc.Handler == "Function":
		c.serveCGI()
	case ex.method == mGET || ex.method == mHEAD:
		c.serveStatic()
	default:
		c.serveDynamic()
	}
}

// afterHead runs once the handler has looked at the head: it sets up reading the body, if any.
func (c *conn) afterHead() {
	ex := &c.ex
	if ex.logged {
		return // the handler already finished the exchange (an error answered at once)
	}
	if c.closeAfter || !hasBody(ex.req) {
		if ex.responded && ex.async == nil {
			c.finishExchange()
		}
		return
	}
	req := ex.req
	if req.Expect100 && !ex.responded {
		c.output().B = append(c.output().B, "HTTP/1.1 100 Continue\r\n\r\n"...)
	}
	limit := int64(0)
	if ex.rt != nil {
		limit = ex.rt.cfg.MaxBodySize
	} else {
		limit = ex.vh.cfg.MaxBodySize
	}
	c.body.start(c, req, limit)
	c.state = stateBody
}

// finishBody runs when the body has been read completely.
func (c *conn) finishBody() {
	ex := &c.ex
	if sink := c.body.sink; sink != nil {
		c.body.sink = nil
		sink.finish(c)
		return
	}
	if ex.responded && ex.async == nil {
		c.finishExchange()
	}
}

// finishExchange logs the request and makes the connection ready for the next one.
func (c *conn) finishExchange() {
	ex := &c.ex
	if ex.logged {
		return
	}
	ex.logged = true
	c.l.log.record(c)
	if !ex.keepAlive {
		c.closeAfter = true
	}
	if c.parser != nil {
		c.parser.Reset()
	}
	c.state = stateHead
	ex.req = nil
	ex.cleanPath = "" // a view of the parser's buffer, which the next request reuses
}

// beginResponse starts a response head: status line, Date and Server.
func (c *conn) beginResponse(status int) []byte {
	c.ex.status = status
	b := c.output().B
	b = h1.AppendStatusLine(b, status)
	b = append(b, c.l.clock.date...)
	b = append(b, "Server: ferrous\r\n"...)
	return b
}

// noLength is the contentLength for a head without framing fields: a streamed body that ends when the connection
// closes (HTTP/1.0 clients), or a HEAD response whose GET length is not known in advance.
const noLength = -2

// endHead closes a response head: session cookie, length framing, connection management and the blank line.
// contentLength -1 means the body is chunked.
func (c *conn) endHead(b []byte, contentLength int64) []byte {
	ex := &c.ex
	if ex.session != nil {
		b = c.commitSession(b)
	}
	if ex.req != nil && ex.req.Expect100 && hasBody(ex.req) && c.state == stateHead {
		// A final status before the client's body was invited: it will not send the body as announced, so
		// the connection cannot carry another request (RFC 9110 §10.1.1), and the response says so.
		c.closeAfter = true
		c.mustLinger = true
	}
	switch {
	case contentLength == noLength:
	case contentLength >= 0:
		if h1.BodyAllowed(ex.status) || ex.status == 304 && contentLength > 0 {
			b = h1.AppendHeaderInt(b, "Content-Length", contentLength)
		}
	default:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	switch {
	case !ex.keepAlive || c.closeAfter:
		b = append(b, "Connection: close\r\n"...)
		c.closeAfter = true
	case ex.http10:
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	ex.responded = true
	return append(b, "\r\n"...)
}

// commitSession saves the exchange's session and adds its cookie. A store that is full keeps serving without the
// session rather than failing the response whose status is already written.
func (c *conn) commitSession(b []byte) []byte {
	ex := &c.ex
	s := ex.session
	ex.session = nil
	if s.Fresh && len(s.Values) == 0 {
		// Nothing to remember: storing it would let any cookieless client fill the store (max_sessions)
		// with empty sessions. The session exists from the first response that gives it a value.
		return b
	}
	setCookie, err := c.l.srv.sessions.Commit(s, c.l.clock.now)
	if err != nil {
		if !errors.Is(err, session.ErrUnavailable) {
			slog.Warn("saving session", "err", err)
		}
		return b
	}
	if setCookie != nil {
		b = append(b, "Set-Cookie: "...)
		b = append(b, setCookie...)
		b = append(b, "\r\n"...)
	}
	return b
}

// respondEmpty answers with no body (OPTIONS, 204, 201 without content).
func (c *conn) respondEmpty(status int) {
	b := c.beginResponse(status)
	if c.ex.allow != "" {
		b = h1.AppendHeader(b, "Allow", c.ex.allow)
	}
	c.output().B = c.endHead(b, 0)
}

func (c *conn) respondRedirect(code int, url string) {
	body := builtinPage(code)
	b := c.beginResponse(code)
	b = h1.AppendHeader(b, "Location", url)
	b = append(b, "Content-Type: text/html; charset=utf-8\r\n"...)
	b = c.endHead(b, int64(len(body)))
	c.output().B = c.appendBody(b, body)
}

// respondError answers status with the virtual host's page for it (or the built-in one). close marks the
// connection for closing after the response: any error the parser or body framing produced, and refusals sent
// before a body that will then never be read.
func (c *conn) respondError(status int, closeConn bool) {
	ex := &c.ex
	if closeConn {
		c.closeAfter = true
		c.mustLinger = true
	}
	if ex.req != nil && hasBody(ex.req) && !ex.req.Expect100 && (ex.req.Chunked || ex.rt == nil) {
		// A body we will not read follows; close after answering rather than parse it as the next request.
		c.closeAfter = true
		c.mustLinger = true
	}
	var body []byte
	if vh := ex.vhostForErrors(c); vh != nil {
		body = vh.errorPages[status]
	}
	if body == nil {
		body = builtinPage(status)
	}
	b := c.beginResponse(status)
	if ex.allow != "" && (status == 405 || status == 501) {
		b = h1.AppendHeader(b, "Allow", ex.allow)
	}
	b = append(b, "Content-Type: text/html; charset=utf-8\r\n"...)
	b = c.endHead(b, int64(len(body)))
	c.output().B = c.appendBody(b, body)
}

func hasBody(req *h1.Request) bool { return req.Chunked || req.ContentLength > 0 }

func (ex *exchange) vhostForErrors(c *conn) *vhost {
	if ex.vh != nil {
		return ex.vh
	}
	return c.ln.hosts()[0]
}

// appendBody adds body bytes unless the request was HEAD.
func (c *conn) appendBody(b, body []byte) []byte {
	if c.ex.head {
		return b
	}
	c.ex.bodyBytes += int64(len(body))
	return append(b, body...)
}

// builtinPages are the fallback error pages, built once.
var builtinPages = map[int][]byte{}

func init() {
	for _, code := range []int{301, 302, 303, 307, 308, 400, 403, 404, 405, 408, 409, 411, 412, 413, 414, 415, 416, 417, 431, 500, 501, 502, 503, 504, 505, 507} {
		builtinPages[code] = renderBuiltinPage(code)
	}
}

// pageDetails explain the statuses whose page should say more than their name.
var pageDetails = map[int]string{
	// RFC 9110 §15.6.6: say which versions are served.
	505: "<p>This server speaks HTTP/1.1 and HTTP/1.0.</p>",
}

func renderBuiltinPage(code int) []byte {
	title := strconv.Itoa(code) + " " + h1.StatusText(code)
	return []byte("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
		"</title></head>\n<body><h1>" + title + "</h1>" + pageDetails[code] + "<hr><p>ferrous</p></body></html>\n")
}

func builtinPage(code int) []byte {
	if p, ok := builtinPages[code]; ok {
		return p
	}
	return renderBuiltinPage(code)
}

// bodySink consumes a request body for a handler that needs it (uploads, CGI).
type bodySink interface {
	write(c *conn, p []byte) error
	finish(c *conn) // the body is complete: produce the response
	abort()         // the body will never complete: clean up (partial files, processes)
	full() bool     // the sink cannot take more yet: reading waits
}

// bodyReader applies the request's framing (Content-Length or chunked) and the size limit.
type bodyReader struct {
	chunked   bool
	dec       *chunked.Decoder
	remaining int64
	limit     int64
	total     int64
	sink      bodySink
	c         *conn
	started   int64 // second the body began
}

// deadline is when a body read times out: body_timeout after the last bytes arrived, and never later than
// the time the bytes so far would take at minBodyRate, plus one body_timeout of grace.
func (b *bodyReader) deadline(lastActive, timeout int64) int64 {
	gap := lastActive + timeout
	if rate := b.started + timeout + b.total/minBodyRate; rate < gap {
		return rate
	}
	return gap
}

// start begins reading a request's body into b.sink (set by the handler; nil discards).
func (b *bodyReader) start(c *conn, req *h1.Request, limit int64) {
	b.chunked = req.Chunked
	b.remaining = req.ContentLength
	b.limit = limit
	b.total = 0
	b.started = c.l.clock.sec
	b.c = c
	if b.chunked {
		if b.dec == nil {
			b.dec = chunked.NewDecoder(chunked.DefaultLimits())
		} else {
			b.dec.Reset()
		}
	}
}

func (b *bodyReader) feed(data []byte) (n int, done bool, err error) {
	if !b.chunked {
		take := int64(len(data))
		if take > b.remaining {
			take = b.remaining
		}
		if err := b.deliver(data[:take]); err != nil {
			return int(take), false, err
		}
		b.remaining -= take
		return int(take), b.remaining == 0, nil
	}
	for n < len(data) {
		payload, used, fin, err := b.dec.Feed(data[n:])
		n += used
		if err != nil {
			return n, false, err
		}
		if len(payload) > 0 {
			if err := b.deliver(payload); err != nil {
				return n, false, err
			}
		}
		if fin {
			return n, true, nil
		}
		if used == 0 {
			break
		}
	}
	return n, false, nil
}

func (b *bodyReader) deliver(p []byte) error {
	b.total += int64(len(p))
	if b.limit > 0 && b.total > b.limit {
		return errBodyTooLarge
	}
	if b.sink == nil || len(p) == 0 {
		return nil
	}
	return b.sink.write(b.c, p)
}

// blocked reports whether the sink has asked reading to wait.
func (b *bodyReader) blocked() bool { return b.sink != nil && b.sink.full() }

func (b *bodyReader) abort() {
	if b.sink != nil {
		b.sink.abort()
		b.sink = nil
	}
}
