//go:build linux

package server

import (
	"errors"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/valyala/bytebufferpool"
	"golang.org/x/sys/unix"

	"ferrous/internal/h1"
	"ferrous/internal/netpoll"
)

// readBufferSize is the loop's shared read buffer: one per loop, not per connection, so idle connections cost
// almost nothing. Only bytes a connection cannot process yet are copied out of it.
const readBufferSize = 64 << 10

// acceptBatch bounds accepts per wake so a connection storm cannot starve established connections.
const acceptBatch = 64

// sessionSweepSecs is how often loop 0 drops expired sessions.
const sessionSweepSecs = 10

// loop is one event loop: it owns an epoll instance, its listening sockets (SO_REUSEPORT), its connections and their
// timers. Nothing but the loop's own goroutine touches them; other goroutines talk to it through post.
type loop struct {
	id     int
	srv    *Server
	poller *netpoll.Poller
	buf    []byte

	listeners map[int]*listener // listening fd → its port group
	paused    bool              // listeners removed from epoll (connection cap or fd exhaustion)
	conns     map[int]*conn
	wheel     timerWheel
	clock     clock
	cache     fileCache
	parsers   []*h1.Parser // free parsers, taken by connections while they read a request

	tasksMu sync.Mutex
	closed  bool // the poller is closed: post drops tasks
	tasks   []func()
	spare   []func()

	draining  bool
	drainedCh chan struct{}
	log       *accessLog
	logBatch  *bytebufferpool.ByteBuffer
}

func newLoop(id int, srv *Server) (*loop, error) {
	p, err := netpoll.New()
	if err != nil {
		return nil, err
	}
	l := &loop{
		id:        id,
		srv:       srv,
		poller:    p,
		buf:       make([]byte, readBufferSize),
		listeners: make(map[int]*listener),
		conns:     make(map[int]*conn),
		drainedCh: make(chan struct{}),
		log:       srv.accessLog,
	}
	l.clock.update(time.Now())
	l.wheel.now = l.clock.sec
	return l, nil
}

// addListener registers a listening socket owned by this loop.
func (l *loop) addListener(fd int, ln *listener) error {
	l.listeners[fd] = ln
	return l.poller.Add(fd, netpoll.Readable)
}

// post runs fn on the loop's goroutine. Safe from any goroutine.
// Tasks posted after the loop has been shut down are dropped, and post reports false: whatever they were for was
// cancelled when the loop closed its connections, and only clean-up that needs no loop is left to the caller.
func (l *loop) post(fn func()) bool {
	l.tasksMu.Lock()
	if l.closed {
		l.tasksMu.Unlock()
		return false
	}
	l.tasks = append(l.tasks, fn)
	l.tasksMu.Unlock()
	if err := l.poller.Wake(); err != nil {
		slog.Error("waking event loop", "loop", l.id, "err", err)
	}
	return true
}

// guard runs fn for connection c and contains a panic to that connection: it is logged with its stack and the
// connection closed, and the loop and every other connection carry on.
func (l *loop) guard(c *conn, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("panic while serving a connection", "panic", r, "peer", c.peer.String(), "stack", string(debug.Stack()))
			c.close()
		}
	}()
	fn()
}

func (l *loop) runTasks() {
	l.tasksMu.Lock()
	tasks := l.tasks
	l.tasks = l.spare[:0]
	l.tasksMu.Unlock()
	for i, fn := range tasks {
		fn()
		tasks[i] = nil
	}
	l.tasksMu.Lock()
	l.spare = tasks[:0]
	l.tasksMu.Unlock()
}

// run is the loop's goroutine. It returns once draining has finished.
func (l *loop) run() {
	// The poller stays open after run returns: Shutdown may still post to this loop, and closes it last.
	defer close(l.drainedCh)
	fresh := false
	handle := func(fd int, events uint32) {
		if !fresh {
			// The clock must be read after epoll_wait returns, not before it blocked: after a stall (a
			// stopped process, a starved CPU) a stale clock would time out the very clients now sending.
			l.clock.update(time.Now())
			fresh = true
		}
		if ln, ok := l.listeners[fd]; ok {
			l.accept(fd, ln)
			return
		}
		if c, ok := l.conns[fd]; ok {
			l.guard(c, func() { c.onEvent(events) })
		}
	}
	for {
		fresh = false
		if _, err := l.poller.Wait(1000, handle); err != nil {
			slog.Error("event loop wait failed", "loop", l.id, "err", err)
			return
		}
		l.runTasks()
		now := time.Now()
		l.clock.update(now)
		// Timers fire after the events of this wake-up were handled, so a client whose bytes arrived
		// during a stall is credited with them before its deadline is judged.
		if l.clock.sec != l.wheel.now {
			l.wheel.advance(l.clock.sec, l.expire)
			if l.paused {
				l.resumeAccept()
			}
			if l.id == 0 && l.srv.sessions != nil && l.clock.sec%sessionSweepSecs == 0 {
				l.srv.sessions.Store().Sweep(now)
			}
		}
		l.log.flush(l)
		if l.draining && len(l.conns) == 0 {
			return
		}
	}
}

func (l *loop) accept(lfd int, ln *listener) {
	for i := 0; i < acceptBatch; i++ {
		if l.srv.atConnectionCap() {
			l.pauseAccept()
			return
		}
		fd, peer, err := netpoll.Accept(lfd)
		if err != nil {
			switch {
			case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR), errors.Is(err, unix.ECONNABORTED):
			case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE), errors.Is(err, unix.ENOBUFS), errors.Is(err, unix.ENOMEM):
				// Out of descriptors: stop accepting until the next tick instead of spinning on a listener that
				// stays readable.
				slog.Warn("accept paused", "loop", l.id, "err", err)
				l.pauseAccept()
			default:
				slog.Error("accept failed", "loop", l.id, "err", err)
			}
			return
		}
		c := newConn(l, fd, ln, peer)
		l.srv.connCount.Add(1)
		l.conns[fd] = c
		// The request is usually in the socket already (the listener defers accepting until data arrives): serve it
		// now. A connection that is answered and closed at once then never enters epoll, and one that stays is
		// registered by pump with the interest it needs.
		l.guard(c, func() {
			if !c.onReadable() && !c.closed {
				// Handed over without data: the kernel held it for the deferral first, which counts as idle time.
				c.lastActive -= netpoll.DeferAcceptSecs
			}
			if !c.closed {
				c.pump()
			}
		})
	}
}

func (l *loop) pauseAccept() {
	if l.paused {
		return
	}
	for fd := range l.listeners {
		_ = l.poller.Del(fd)
	}
	l.paused = true
}

func (l *loop) resumeAccept() {
	if l.draining || l.srv.atConnectionCap() {
		return
	}
	for fd := range l.listeners {
		if err := l.poller.Add(fd, netpoll.Readable); err != nil {
			slog.Error("resuming accept", "err", err)
		}
	}
	l.paused = false
}

// maxFreeParsers bounds the loop's free list; beyond it parsers of idle connections are left to the GC.
const maxFreeParsers = 256

func (l *loop) getParser() *h1.Parser {
	if n := len(l.parsers); n > 0 {
		p := l.parsers[n-1]
		l.parsers = l.parsers[:n-1]
		return p
	}
	return h1.NewParser(l.srv.set.Load().limits)
}

func (l *loop) putParser(p *h1.Parser) {
	if len(l.parsers) < maxFreeParsers {
		p.Reset()
		l.parsers = append(l.parsers, p)
	}
}

// closePoller ends the loop for good; Shutdown calls it once the loop's goroutine has returned.
func (l *loop) closePoller() {
	l.tasksMu.Lock()
	l.closed = true
	l.tasksMu.Unlock()
	l.poller.Close()
}

func (l *loop) expire(c *conn) { c.onTimeout() }

func (l *loop) removeConn(c *conn) {
	delete(l.conns, c.fd)
	l.wheel.disarm(c)
	l.srv.connCount.Add(-1)
	if l.paused {
		l.resumeAccept()
	}
}

// beginDrain stops accepting and closes idle connections; busy ones close after their current response.
func (l *loop) beginDrain() {
	if l.draining {
		return
	}
	l.draining = true
	for fd := range l.listeners {
		_ = l.poller.Del(fd)
		unix.Close(fd)
	}
	clear(l.listeners)
	for _, c := range l.conns {
		if c.idle() {
			c.close()
		}
	}
}

// forceClose ends every connection at once: the graceful budget is spent.
func (l *loop) forceClose() {
	for _, c := range l.conns {
		c.close()
	}
}

// clock caches the current second and its formatted forms: Date is needed on every response and the access log
// needs its own timestamp, both with one-second resolution.
type clock struct {
	sec      int64
	now      time.Time
	date     []byte // "Date: ...\r\n"
	logStamp []byte // "[02/Jan/2006:15:04:05 +0000]"
}

func (c *clock) update(now time.Time) (changed bool) {
	c.now = now
	sec := now.Unix()
	if sec == c.sec {
		return false
	}
	c.sec = sec
	utc := now.UTC()
	c.date = utc.AppendFormat(append(c.date[:0], "Date: "...), "Mon, 02 Jan 2006 15:04:05 GMT")
	c.date = append(c.date, "\r\n"...)
	c.logStamp = utc.AppendFormat(append(c.logStamp[:0], '['), "02/Jan/2006:15:04:05 -0700")
	c.logStamp = append(c.logStamp, ']')
	return true
}
