//go:build linux

package server

import (
	"errors"
	"log/slog"
	"net/netip"

	"github.com/valyala/bytebufferpool"
	"golang.org/x/sys/unix"

	"ferrous/internal/h1"
	"ferrous/internal/netpoll"
)

// Output and input bounds per connection: past them the connection stops reading until the client has taken its
// responses, so a pipelining client that never reads cannot make us buffer without limit.
const (
	maxPendingOutput = 256 << 10
	maxPendingInput  = 64 << 10
	sendfileChunk    = 1 << 20
	lingerSeconds    = 2
	// minBodyRate is the slowest body upload tolerated, in bytes per second, on top of body_timeout_secs: a
	// client trickling one byte just inside every timeout would otherwise hold a connection (and an upload's
	// temporary file) for ever.
	minBodyRate = 1024
)

// noFile marks a connection with no file body pending.
const noFile = -1

type connState uint8

const (
	stateHead  connState = iota // reading a request head
	stateBody                   // reading a request body
	stateWait                   // an asynchronous handler owns the response; input is not read
	stateDrain                  // lingering close: output done, discarding input until EOF or deadline
)

// conn is one client connection, owned by its loop.
type conn struct {
	fd    int
	l     *loop
	ln    *listener
	peer  netip.AddrPort
	state connState

	parser *h1.Parser
	in     *bytebufferpool.ByteBuffer // bytes read but not yet processed (pipelining, backpressure)
	out    *bytebufferpool.ByteBuffer // response bytes not yet written
	outOff int

	file       int // descriptor of the body to sendfile after out is written; noFile when none
	fileOff    int64
	fileRemain int64

	interest   uint32 // the epoll events registered for fd; 0 until it is added to epoll
	closed     bool
	closeAfter bool // close once the output is flushed
	// mustLinger marks a close after a refusal: the client may still be sending (a body we did not read), so
	// its data is drained for a moment rather than answered with a reset.
	mustLinger bool

	timer      timerLinks
	headStart  int64 // second the current head's first byte arrived
	lastActive int64

	requests int
	ex       exchange // the request being answered
	body     bodyReader
	// waitingAck is a CGI run blocked until the client takes some of the output already queued.
	waitingAck *cgiBridge
}

func newConn(l *loop, fd int, ln *listener, peer netip.AddrPort) *conn {
	return &conn{fd: fd, l: l, ln: ln, peer: peer, lastActive: l.clock.sec, file: noFile}
}

func (c *conn) onEvent(events uint32) {
	if events&(netpoll.EventOut) != 0 {
		c.flush()
		if c.closed {
			return
		}
	}
	if events&(netpoll.EventIn|netpoll.EventHup|netpoll.EventError) != 0 {
		c.onReadable()
	}
	if !c.closed {
		c.pump()
	}
}

// onReadable does one read per wake-up: level-triggered epoll brings us back if more is waiting, and one read per
// turn keeps the loop fair between connections. It reports whether the client had sent anything.
func (c *conn) onReadable() (arrived bool) {
	if c.state != stateWait && c.readPaused() {
		return false
	}
	if c.state == stateWait {
		// Input is paused while a handler works; only a hang-up matters now.
		var probe [1]byte
		n, _, err := unix.Recvfrom(c.fd, probe[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		if n == 0 && err == nil {
			c.close()
		}
		return false
	}
	n, err := unix.Read(c.fd, c.l.buf)
	if err != nil {
		if !retryLater(err) {
			c.close()
		}
		return false
	}
	if n == 0 {
		c.onEOF()
		return true
	}
	c.lastActive = c.l.clock.sec
	data := c.l.buf[:n]
	if c.state == stateDrain {
		return true
	}
	if c.in != nil && len(c.in.B) > 0 {
		c.in.B = append(c.in.B, data...)
		return true // pump processes c.in
	}
	used := c.process(data)
	if used < len(data) && !c.closed {
		if c.in == nil {
			c.in = bytebufferpool.Get()
		}
		c.in.B = append(c.in.B[:0], data[used:]...)
	}
	return true
}

func (c *conn) onEOF() {
	if c.state == stateBody {
		c.body.abort()
	}
	if c.pendingOutput() && c.state != stateDrain {
		// Half-closed client that still reads: finish writing what it asked for, then close (closeAfter also
		// stops reading, so the EOF does not wake the loop again).
		c.closeAfter = true
		return
	}
	c.close()
}

// pump processes buffered input while progress is possible, then flushes and updates epoll interest and timers.
func (c *conn) pump() {
	for !c.closed {
		used := -1 // -1: nothing could be processed before flushing
		if c.hasInput() && c.canProcess() {
			used = c.process(c.in.B)
			if c.closed {
				break // close returned the input buffer to the pool
			}
			c.in.B = append(c.in.B[:0], c.in.B[used:]...)
			if len(c.in.B) == 0 {
				bytebufferpool.Put(c.in)
				c.in = nil
			}
		}
		c.flush()
		// Go round again only if something moved: input was used, or flushing unblocked buffered input (the
		// next pipelined request waiting behind a file).
		if c.closed || used == 0 || (used < 0 && !(c.hasInput() && c.canProcess())) {
			break
		}
	}
	if b := c.waitingAck; b != nil && (c.closed || c.pendingBytes() < maxPendingOutput) {
		c.waitingAck = nil
		b.release()
	}
	if !c.closed {
		c.updateInterest()
		c.armTimer()
	}
}

// retryLater reports the errors after which the loop just waits for the socket's next readiness event.
func retryLater(err error) bool { return errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) }

func (c *conn) hasInput() bool { return c.in != nil && len(c.in.B) > 0 }

func (c *conn) canProcess() bool {
	if c.closed || c.state == stateWait || c.state == stateDrain {
		return false
	}
	if c.closeAfter && c.state == stateHead {
		// The last response announced the close: whatever follows (pipelined requests, a refused body) is
		// not a request to answer (RFC 9112 §9.6).
		return false
	}
	return c.file == noFile && c.pendingBytes() < maxPendingOutput && !(c.state == stateBody && c.body.blocked())
}

// process runs the protocol over data and returns how many bytes it used.
func (c *conn) process(data []byte) int {
	used := 0
	for used < len(data) && c.canProcess() {
		switch c.state {
		case stateHead:
			if c.parser == nil {
				c.parser = c.l.getParser()
			}
			if !c.parser.Started() {
				c.headStart = c.l.clock.sec
			}
			n, done, err := c.parser.Feed(data[used:])
			used += n
			if err != nil {
				c.failRequest(err)
				return len(data)
			}
			if !done {
				return used
			}
			c.beginExchange()
		case stateBody:
			n := c.readBody(data[used:])
			used += n
			if n == 0 && c.state == stateBody {
				return used
			}
		default:
			return used
		}
	}
	return used
}

// readBody feeds body bytes to the current exchange's sink. It returns bytes used.
func (c *conn) readBody(data []byte) int {
	n, done, err := c.body.feed(data)
	if err != nil {
		c.bodyFailed(err)
		return len(data)
	}
	if done {
		c.state = stateHead
		c.finishBody()
	}
	return n
}

func (c *conn) pendingBytes() int {
	if c.out == nil {
		return 0
	}
	return len(c.out.B) - c.outOff
}

func (c *conn) pendingOutput() bool { return c.pendingBytes() > 0 || c.file != noFile }

// output returns the connection's output buffer, taking one from the pool when needed.
func (c *conn) output() *bytebufferpool.ByteBuffer {
	if c.out == nil {
		c.out = bytebufferpool.Get()
	}
	return c.out
}

// flush writes pending output, then the pending file, until done or the socket is full.
func (c *conn) flush() {
	for c.out != nil && c.outOff < len(c.out.B) {
		var n int
		var err error
		if c.file != noFile {
			// A file body follows: let the kernel merge the head with the first file bytes into one segment
			// instead of sending a small packet for the head alone.
			n, err = unix.SendmsgN(c.fd, c.out.B[c.outOff:], nil, nil, unix.MSG_MORE)
		} else {
			n, err = unix.Write(c.fd, c.out.B[c.outOff:]) // cheaper than sendmsg when no flag is needed
		}
		if err != nil {
			if !retryLater(err) {
				c.close()
			}
			return
		}
		c.outOff += n
		c.lastActive = c.l.clock.sec
	}
	if c.out != nil {
		bytebufferpool.Put(c.out)
		c.out = nil
		c.outOff = 0
	}
	for c.file != noFile {
		chunk := c.fileRemain
		if chunk > sendfileChunk {
			chunk = sendfileChunk
		}
		n, err := unix.Sendfile(c.fd, c.file, &c.fileOff, int(chunk))
		if err != nil {
			if !retryLater(err) {
				c.close()
			}
			return
		}
		if n == 0 {
			// The file shrank while we were sending it: the promised length can no longer be kept, so the
			// only honest framing left is to close.
			c.close()
			return
		}
		c.fileRemain -= int64(n)
		c.lastActive = c.l.clock.sec
		if c.fileRemain <= 0 {
			c.closeFile()
		}
	}
	if c.closeAfter && c.state != stateWait {
		// A streamed response (CGI) is still coming: the close waits until it is complete.
		c.startLinger()
	}
}

func (c *conn) closeFile() {
	if c.file != noFile {
		unix.Close(c.file)
		c.file = noFile
	}
}

// startLinger half-closes our side and discards input for a moment before closing, so that a client still sending
// (a refused upload, pipelined requests after an error) reads our response instead of a reset.
func (c *conn) startLinger() {
	if c.state == stateDrain || c.closed {
		return
	}
	if c.state == stateBody {
		c.body.abort()
	}
	if !c.mustLinger && c.state == stateHead && !c.hasInput() && (c.parser == nil || !c.parser.Started()) && !c.unreadInput() {
		// A clean close (Connection: close, HTTP/1.0) after a request read in full, and nothing more from the
		// client in the kernel: closing now cannot turn into a reset that destroys the response.
		c.close()
		return
	}
	c.state = stateDrain
	if c.in != nil {
		bytebufferpool.Put(c.in)
		c.in = nil
	}
	if err := unix.Shutdown(c.fd, unix.SHUT_WR); err != nil {
		c.close()
		return
	}
	c.l.wheel.arm(c, c.l.clock.sec+lingerSeconds)
}

// unreadInput reports whether the kernel holds bytes from the client that we have not read.
func (c *conn) unreadInput() bool {
	var probe [1]byte
	n, _, err := unix.Recvfrom(c.fd, probe[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	return err == nil && n > 0
}

// readPaused reports whether the connection should not read now: a handler owns it, output or buffered input is
// over its bound, a file is being sent, the body's sink is waiting for the disk, or the connection is closing. A
// lingering close reads (and discards).
func (c *conn) readPaused() bool {
	switch c.state {
	case stateWait:
		return true
	case stateDrain:
		return false
	}
	return c.file != noFile || c.pendingBytes() >= maxPendingOutput || (c.in != nil && len(c.in.B) >= maxPendingInput) ||
		c.closeAfter || (c.state == stateBody && c.body.blocked())
}

func (c *conn) updateInterest() {
	want := uint32(unix.EPOLLRDHUP)
	if !c.readPaused() {
		want |= unix.EPOLLIN
	}
	if c.pendingOutput() {
		want |= unix.EPOLLOUT
	}
	if want == c.interest {
		return // the usual case on keep-alive: no epoll_ctl per request
	}
	register := c.l.poller.Mod
	if c.interest == 0 {
		register = c.l.poller.Add
	}
	if err := register(c.fd, want); err != nil {
		slog.Error("registering connection", "err", err)
		c.close()
		return
	}
	c.interest = want
}

// idle reports whether no request is in progress: the connection may be closed without losing anything.
func (c *conn) idle() bool {
	return c.state == stateHead && (c.parser == nil || !c.parser.Started()) && !c.pendingOutput() &&
		(c.in == nil || len(c.in.B) == 0)
}

// armTimer sets the one deadline that matters for the connection's current phase.
func (c *conn) armTimer() {
	set := c.l.srv.set.Load()
	switch {
	case c.state == stateDrain:
		return // armed once by startLinger
	case c.state == stateWait:
		if c.ex.async != nil && !c.ex.async.selfTimed() {
			c.l.wheel.arm(c, c.lastActive+set.bodyTimeout)
		} else {
			c.l.wheel.disarm(c) // the handler has its own timeout
		}
	case c.pendingOutput():
		c.l.wheel.arm(c, c.lastActive+set.writeTimeout)
	case c.state == stateBody:
		c.l.wheel.arm(c, c.body.deadline(c.lastActive, set.bodyTimeout))
	case c.parser != nil && c.parser.Started():
		c.l.wheel.arm(c, c.headStart+set.headerTimeout)
	default:
		if c.parser != nil {
			// Idle keep-alive connections hand their parser back to the loop: thousands of idle clients
			// should cost almost nothing, and busy ones reuse warm buffers.
			c.l.putParser(c.parser)
			c.parser = nil
		}
		c.l.wheel.arm(c, c.lastActive+set.idleTimeout)
	}
}

func (c *conn) onTimeout() {
	switch {
	case c.state == stateDrain, c.pendingOutput(), c.state == stateWait:
		c.close()
	case c.state == stateBody, c.parser != nil && c.parser.Started():
		// Slow or stalled client: answer 408 so it learns why, then close.
		if c.state == stateBody {
			c.body.abort()
		}
		c.state = stateHead
		if c.ex.req == nil || c.ex.logged {
			c.ex.reset(c) // a head that never completed: logged without a request line
		}
		c.respondError(408, true)
		c.finishExchange()
		c.pump()
	default:
		c.close()
	}
}

func (c *conn) close() {
	if c.closed {
		return
	}
	c.closed = true
	if c.state == stateBody {
		c.body.abort()
	}
	c.ex.cancel()
	if b := c.waitingAck; b != nil {
		c.waitingAck = nil
		b.release()
	}
	c.l.removeConn(c)
	unix.Close(c.fd)
	c.closeFile()
	if c.in != nil {
		bytebufferpool.Put(c.in)
		c.in = nil
	}
	if c.out != nil {
		bytebufferpool.Put(c.out)
		c.out = nil
	}
	if c.parser != nil && !c.parser.Started() && c.ex.req == nil {
		c.l.putParser(c.parser)
	}
	c.parser = nil
}

// failRequest answers a malformed head with the parser's status and closes: after a framing error nothing that
// follows on the connection can be trusted.
func (c *conn) failRequest(err error) {
	status := 400
	var pe *h1.Error
	if errors.As(err, &pe) {
		status = pe.Status
	}
	c.ex.reset(c)
	c.respondError(status, true)
	c.finishExchange()
}

// bodyFailed answers a body that could not be read or was refused after some of it was read (bad chunk framing,
// over the size limit, a handler's refusal) and closes: the rest of the body is unread.
func (c *conn) bodyFailed(err error) {
	status := 400
	var se *statusError
	switch {
	case errors.Is(err, errBodyTooLarge):
		status = 413
	case errors.As(err, &se):
		status = se.status
	}
	c.body.abort()
	c.state = stateHead
	if c.ex.responded {
		c.closeAfter = true
		c.mustLinger = true
		c.finishExchange()
		return
	}
	c.respondError(status, true)
	c.finishExchange()
}
