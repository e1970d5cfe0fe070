package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// How many of each hostile client run at once.
const (
	slowlorisClients   = 8
	stalledBodyClients = 4
	slowReaderClients  = 4
	resetClients       = 4
	malformedClients   = 2
	floodClients       = 2
	idleClients        = 64
)

const (
	// slowlorisInterval is the pause between the bytes of a slowloris head.
	slowlorisInterval = 500 * time.Millisecond
	// timeoutSlack is how late after a server timeout a hostile connection may still be answered or closed: the
	// server's timers have one-second resolution.
	timeoutSlack = 2 * time.Second
	// slowReadBytes and slowReadInterval make a reader of 1 KiB/s; slowReadFor is how long before it vanishes.
	slowReadBytes    = 1 << 10
	slowReadInterval = time.Second
	slowReadFor      = 3 * time.Second
	// slowReaderRcvBuf keeps the slow reader's receive window small, so the server really holds output for it.
	slowReaderRcvBuf = 4 << 10
	// floodFor is how long a pipelining client writes without reading; floodWriteTimeout bounds each write
	// once the server has stopped reading.
	floodFor          = 3 * time.Second
	floodWriteTimeout = 200 * time.Millisecond
	// rejectionTimeout bounds the wait for a malformed request's answer.
	rejectionTimeout = 5 * time.Second
	// resetSettle lets the server act on a partial request (open a temporary file, start a script) before the
	// reset arrives.
	resetSettle = 50 * time.Millisecond
	// hostilePause separates the attempts of one hostile client.
	hostilePause = 100 * time.Millisecond
	// stalledBodySize is the size of the file in an upload that stops half-way.
	stalledBodySize = 64 << 10
)

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// isClosed reports whether err means the peer closed the connection (cleanly or by reset).
func isClosed(err error) bool { return errors.Is(err, io.EOF) || isReset(err) }

// hostile runs the misbehaving clients until ctx ends. Each kind loops on its own goroutines; an attempt that
// ctx interrupts is not counted.
type hostile struct {
	*env
	ctx context.Context
	wg  sync.WaitGroup
	// halfUpload is a multipart upload cut in the middle of its file's data: the server has a temporary file
	// open when the rest does not come.
	halfUploadHead, halfUploadBody []byte
	// floodWritten counts the request bytes pipelining clients got the server's kernel to take, unanswered.
	floodWritten atomic.Int64
}

func startHostile(ctx context.Context, e *env, seed uint64) (*hostile, error) {
	h := &hostile{env: e, ctx: ctx}
	rng := rand.New(rand.NewPCG(seed, 0x4057))
	form, contentType, err := buildForm([]string{"half.bin"}, [][]byte{randomBytes(rng, stalledBodySize)})
	if err != nil {
		return nil, err
	}
	h.halfUploadHead = fmt.Appendf(nil, "POST /upload/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", contentType, len(form))
	h.halfUploadBody = form[:len(form)/2]
	spawn := func(n int, fn func(id int)) {
		for i := range n {
			h.wg.Go(func() { fn(i) })
		}
	}
	spawn(slowlorisClients, h.slowloris)
	spawn(stalledBodyClients, h.stalledBody)
	spawn(slowReaderClients, h.slowReader)
	spawn(resetClients, h.reset)
	spawn(malformedClients, h.malformed)
	spawn(floodClients, h.pipelineFlood)
	spawn(idleClients, h.idle)
	return h, nil
}

func (h *hostile) wait() { h.wg.Wait() }

func (h *hostile) stopped() bool { return h.ctx.Err() != nil }

// pause waits between attempts; false means stop.
func (h *hostile) pause(d time.Duration) bool {
	select {
	case <-h.ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// dialHostile connects and arranges for the connection to be closed when the run stops, so no client blocks
// past the end.
func (h *hostile) dialHostile(rcvBuf int) (*net.TCPConn, func(), error) {
	d := net.Dialer{Timeout: dialTimeout}
	if rcvBuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var sockErr error
			err := rc.Control(func(fd uintptr) {
				sockErr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf)
			})
			if err != nil {
				return fmt.Errorf("socket control: %w", err)
			}
			if sockErr != nil {
				return fmt.Errorf("setting SO_RCVBUF: %w", sockErr)
			}
			return nil
		}
	}
	c, err := d.DialContext(h.ctx, "tcp", h.addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dial: %w", err)
	}
	conn := c.(*net.TCPConn)
	stop := context.AfterFunc(h.ctx, func() { conn.Close() })
	return conn, func() { stop(); conn.Close() }, nil
}

// resetClose ends the connection with a TCP reset instead of a FIN.
func resetClose(conn *net.TCPConn) {
	_ = conn.SetLinger(0) // if it fails the close is a FIN, still a vanishing client
	conn.Close()
}

// firstReply waits for the first thing the server does: answer (the status code is returned) or close.
type firstReply struct {
	status int // 0 when the connection closed without an answer
	at     time.Time
	err    error // neither an answer nor a close
}

func readFirstReply(conn net.Conn) <-chan firstReply {
	ch := make(chan firstReply, 1)
	go func() {
		cr := &countingReader{r: conn}
		resp, err := http.ReadResponse(bufio.NewReader(cr), nil)
		r := firstReply{at: time.Now()}
		switch {
		case err == nil:
			r.status = resp.StatusCode
		case cr.n == 0 && (isClosed(err) || errors.Is(err, io.ErrUnexpectedEOF)):
			// Closed before a single byte of answer.
		default:
			r.err = fmt.Errorf("reading the answer after %d bytes: %w", cr.n, err)
		}
		ch <- r
	}()
	return ch
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// slowloris sends a request head one byte every slowlorisInterval: the server must answer 408 or close within
// header_timeout_secs (plus timer slack) of the first byte.
func (h *hostile) slowloris(id int) {
	const kind = "hostile slowloris"
	for h.pause(hostilePause) {
		start := time.Now()
		outcome, err := h.slowlorisOnce(id)
		if h.stopped() {
			return
		}
		h.judge(kind, start, outcome, err)
	}
}

func (h *hostile) slowlorisOnce(id int) (outcome string, err error) {
	conn, done, err := h.dialHostile(0)
	if err != nil {
		return "", err
	}
	defer done()
	start := time.Now()
	reply := readFirstReply(conn)
	head := fmt.Sprintf("GET /static/f-612.bin HTTP/1.1\r\nHost: localhost\r\nX-Slow-%d: ", id)
	_, werr := conn.Write([]byte(head))
	limit := headerTimeoutSecs*time.Second + timeoutSlack
	tick := time.NewTicker(slowlorisInterval)
	defer tick.Stop()
	for werr == nil && time.Since(start) < limit+time.Second+h.delays.since(start) && !h.stopped() {
		select {
		case r := <-reply:
			return h.timedOut("head", r, start, limit)
		case <-tick.C:
			_, werr = conn.Write([]byte("a"))
		case <-h.ctx.Done():
		}
	}
	// The writes failed (the server closed) or the time is up: the answer, if any, is there by now.
	select {
	case r := <-reply:
		return h.timedOut("head", r, start, limit)
	case <-time.After(time.Second):
	}
	return "", fmt.Errorf("%w: %w: stalled head neither answered nor closed within %v", errWrongAnswer, errLate, time.Since(start).Round(time.Millisecond))
}

// timedOut checks that a stalled request was answered with 408, or closed, within limit of start, plus the delays
// measured over the attempt.
func (h *hostile) timedOut(what string, r firstReply, start time.Time, limit time.Duration) (outcome string, err error) {
	delay := h.delays.since(start)
	switch took := r.at.Sub(start); {
	case r.err != nil:
		return "", fmt.Errorf("stalled %s: %w", what, r.err)
	case took > limit+delay:
		return "", fmt.Errorf("%w: %w: stalled %s answered after %v, limit %v", errWrongAnswer, errLate, what, took.Round(time.Millisecond), limit)
	case r.status == http.StatusRequestTimeout:
		return "408", nil
	case r.status == 0:
		return "closed without answer", nil
	}
	return "", fmt.Errorf("%w: stalled %s answered %d, want 408", errWrongAnswer, what, r.status)
}

// judge records an attempt's outcome through env.judge, and a success's outcome as a note.
func (h *hostile) judge(kind string, start time.Time, outcome string, err error) {
	h.env.judge(kind, start, err)
	if err == nil && outcome != "" {
		h.st.note(kind + ": " + outcome)
	}
}

// stalledBody sends an upload's head and half its body, then nothing: body_timeout_secs after the last byte the
// server must answer 408 (and drop its temporary file, which the final check looks for).
func (h *hostile) stalledBody(int) {
	const kind = "hostile stalled body"
	for h.pause(hostilePause) {
		start := time.Now()
		outcome, err := h.stalledBodyOnce()
		if h.stopped() {
			return
		}
		h.judge(kind, start, outcome, err)
	}
}

func (h *hostile) stalledBodyOnce() (outcome string, err error) {
	conn, done, err := h.dialHostile(0)
	if err != nil {
		return "", err
	}
	defer done()
	reply := readFirstReply(conn)
	if _, err := conn.Write(append(append([]byte(nil), h.halfUploadHead...), h.halfUploadBody...)); err != nil {
		return "", fmt.Errorf("writing half an upload: %w", err)
	}
	start := time.Now()
	limit := bodyTimeoutSecs*time.Second + timeoutSlack
	for time.Since(start) < limit+time.Second+h.delays.since(start) && !h.stopped() {
		select {
		case r := <-reply:
			return h.timedOut("body", r, start, limit)
		case <-time.After(settlePoll):
		case <-h.ctx.Done():
		}
	}
	return "", fmt.Errorf("%w: %w: stalled body neither answered nor closed within %v", errWrongAnswer, errLate, time.Since(start).Round(time.Millisecond))
}

// slowReader asks for a large answer, reads 1 KiB a second for a few seconds and vanishes, by FIN or by reset.
// Every other attempt reads the flooding script, whose output the server must hold back from the script.
func (h *hostile) slowReader(id int) {
	const kind = "hostile slow reader"
	for attempt := 0; h.pause(hostilePause); attempt++ {
		target := "/static/" + h.site.bigName
		if (attempt+id)%2 == 1 {
			target = "/cgi/" + scriptFlood
			h.cgiSlots <- struct{}{}
		}
		start := time.Now()
		err := h.slowRead(target, attempt%2 == 0)
		if strings.HasPrefix(target, "/cgi/") {
			<-h.cgiSlots
		}
		if h.stopped() {
			return
		}
		h.judge(kind, start, "vanished from "+target, err)
	}
}

func (h *hostile) slowRead(target string, reset bool) error {
	conn, done, err := h.dialHostile(slowReaderRcvBuf)
	if err != nil {
		return err
	}
	defer done()
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", target); err != nil {
		return fmt.Errorf("writing request: %w", err)
	}
	buf := make([]byte, slowReadBytes)
	read := 0
	for start := time.Now(); time.Since(start) < slowReadFor; {
		if err := conn.SetReadDeadline(time.Now().Add(rejectionTimeout)); err != nil {
			return fmt.Errorf("setting deadline: %w", err)
		}
		n, err := io.ReadFull(conn, buf)
		if read == 0 && n > 0 && !bytes.HasPrefix(buf[:n], []byte("HTTP/1.1 200 ")) {
			return fmt.Errorf("%w: GET %s: answer starts %q", errWrongAnswer, target, truncateForMessage(buf[:n]))
		}
		read += n
		if err != nil {
			return fmt.Errorf("GET %s: reading slowly after %d bytes: %w", target, read, err)
		}
		if !h.pause(slowReadInterval) {
			return nil
		}
	}
	if reset {
		resetClose(conn)
	}
	return nil
}

// resetCases are the partial exchanges a resetting client abandons.
var resetCases = []string{"half head", "half upload", "half cgi post", "unread file", "unread slow cgi", "unread fork cgi"}

// reset starts an exchange, leaves it half done, and resets the connection.
func (h *hostile) reset(id int) {
	const kind = "hostile reset"
	for attempt := id; h.pause(hostilePause); attempt++ {
		which := resetCases[attempt%len(resetCases)]
		cgi := strings.Contains(which, "cgi")
		if cgi {
			h.cgiSlots <- struct{}{}
		}
		start := time.Now()
		err := h.resetOnce(which)
		if cgi {
			<-h.cgiSlots
		}
		if h.stopped() {
			return
		}
		h.judge(kind, start, which, err)
	}
}

func (h *hostile) resetOnce(which string) error {
	conn, done, err := h.dialHostile(0)
	if err != nil {
		return err
	}
	defer done()
	var out []byte
	switch which {
	case "half head":
		out = []byte("GET /static/f-612.bin HTTP/1.1\r\nHost: loc")
	case "half upload":
		out = append(append(out, h.halfUploadHead...), h.halfUploadBody...)
	case "half cgi post":
		out = fmt.Appendf(nil, "POST /cgi/echo.sh HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000\r\n\r\n%s", strings.Repeat("x", 5000))
	case "unread file":
		out = fmt.Appendf(nil, "GET /static/%s HTTP/1.1\r\nHost: localhost\r\n\r\n", h.site.bigName)
	case "unread slow cgi":
		out = []byte("GET /cgi/" + scriptSlow + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
	case "unread fork cgi":
		out = []byte("GET /cgi/" + scriptFork + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
	}
	if _, err := conn.Write(out); err != nil {
		return fmt.Errorf("%s: writing: %w", which, err)
	}
	h.pause(resetSettle)
	resetClose(conn)
	return nil
}

// idle connects and sends nothing: the server must close the connection about connection_timeout_secs later,
// neither much sooner nor much later. The server dates a new connection by its loop's clock, which may be up to a
// second old, so the lower bound has the same slack as the upper one.
func (h *hostile) idle(int) {
	const kind = "hostile idle"
	for h.pause(hostilePause) {
		start := time.Now()
		err := h.idleOnce()
		if h.stopped() {
			return
		}
		h.judge(kind, start, "", err)
	}
}

func (h *hostile) idleOnce() error {
	conn, done, err := h.dialHostile(0)
	if err != nil {
		return err
	}
	defer done()
	start := time.Now()
	n, err := conn.Read(make([]byte, 1))
	took := time.Since(start)
	idle := idleTimeoutSecs * time.Second
	switch {
	case n > 0:
		return fmt.Errorf("%w: the server sent bytes to a client that asked nothing", errWrongAnswer)
	case !isClosed(err):
		return fmt.Errorf("idle connection: %w", err)
	case took < idle-timeoutSlack:
		return fmt.Errorf("%w: idle connection closed after %v, before %v", errWrongAnswer, took.Round(time.Millisecond), idle-timeoutSlack)
	case took > idle+timeoutSlack+h.delays.since(start):
		return fmt.Errorf("%w: %w: idle connection closed after %v, want at most %v", errWrongAnswer, errLate,
			took.Round(time.Millisecond), idle+timeoutSlack)
	}
	return nil
}

// pipelineFlood writes pipelined requests for a sizeable file without reading any answer: the server must stop
// reading rather than buffer without bound. It then vanishes, by FIN or by reset.
func (h *hostile) pipelineFlood(id int) {
	const kind = "hostile pipeline flood"
	req := fmt.Sprintf("GET /static/f-%d.bin HTTP/1.1\r\nHost: localhost\r\n\r\n", 64<<10+7)
	batch := []byte(strings.Repeat(req, (32<<10)/len(req)))
	for attempt := id; h.pause(hostilePause); attempt++ {
		start := time.Now()
		conn, done, err := h.dialHostile(0)
		if err != nil {
			if !h.stopped() {
				h.judge(kind, start, "", err)
			}
			continue
		}
		written := 0
		var werr error
		for start := time.Now(); time.Since(start) < floodFor && !h.stopped(); {
			if werr = conn.SetWriteDeadline(time.Now().Add(floodWriteTimeout)); werr != nil {
				break
			}
			n, err := conn.Write(batch)
			written += n
			var ne net.Error
			if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
				werr = err
				break
			}
		}
		if attempt%2 == 0 {
			resetClose(conn)
		}
		done()
		if h.stopped() {
			return
		}
		if werr != nil {
			werr = fmt.Errorf("writing pipelined requests after %d bytes: %w", written, werr)
		}
		h.judge(kind, start, "", werr)
		h.floodWritten.Add(int64(written))
	}
}
