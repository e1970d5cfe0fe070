//go:build linux

package server

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/valyala/bytebufferpool"
)

// accessLogQueue bounds the batches waiting for the writer goroutine. A loop never waits for the disk: when the
// writer falls this far behind, batches are dropped and counted.
const accessLogQueue = 256

// accessLog writes Combined Log Format lines. Loops append to their own batch and hand it to one writer
// goroutine, so a slow terminal or disk never blocks an event loop.
type accessLog struct {
	w       io.Writer
	closer  io.Closer
	queue   chan *bytebufferpool.ByteBuffer
	dropped atomic.Int64
	wg      sync.WaitGroup
	mu      sync.Mutex
	started bool
}

func openAccessLog(dest string) (*accessLog, error) {
	switch dest {
	case "off":
		return &accessLog{}, nil
	case "", "stdout":
		return &accessLog{w: os.Stdout}, nil
	case "stderr":
		return &accessLog{w: os.Stderr}, nil
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening access log: %w", err)
	}
	return &accessLog{w: f, closer: f}, nil
}

func (a *accessLog) enabled() bool { return a.w != nil }

func (a *accessLog) start() {
	if !a.enabled() || a.started {
		return
	}
	a.started = true
	a.queue = make(chan *bytebufferpool.ByteBuffer, accessLogQueue)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for b := range a.queue {
			if _, err := a.w.Write(b.B); err != nil {
				slog.Error("writing access log", "err", err)
			}
			bytebufferpool.Put(b)
		}
	}()
}

// record appends the finished exchange's line to the loop's batch.
func (a *accessLog) record(c *conn) {
	if !a.enabled() {
		return
	}
	l := c.l
	if l.logBatch == nil {
		l.logBatch = bytebufferpool.Get()
	}
	ex := &c.ex
	req := ex.req // still valid: the parser is reset only after the exchange is logged
	b := l.logBatch.B
	b = c.peer.Addr().AppendTo(b)
	b = append(b, " - - "...)
	b = append(b, l.clock.logStamp...)
	if req == nil {
		b = append(b, ` "-"`...) // refused by the parser: no request line to show
	} else {
		b = append(b, ` "`...)
		b = appendLogEscaped(b, req.Method)
		b = append(b, ' ')
		b = appendLogEscaped(b, req.Target)
		b = append(b, " HTTP/1."...)
		b = strconv.AppendInt(b, int64(req.Minor), 10)
		b = append(b, '"')
	}
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(ex.status), 10)
	b = append(b, ' ')
	if ex.bodyBytes > 0 {
		b = strconv.AppendInt(b, ex.bodyBytes, 10)
	} else {
		b = append(b, '-')
	}
	if req == nil {
		b = append(b, ` "-" "-"`...)
	} else {
		b = append(b, ` "`...)
		b = appendLogEscaped(b, req.Get("Referer"))
		b = append(b, `" "`...)
		b = appendLogEscaped(b, req.Get("User-Agent"))
		b = append(b, '"')
	}
	l.logBatch.B = append(b, '\n')
}

// flush hands the loop's batch to the writer.
func (a *accessLog) flush(l *loop) {
	if l.logBatch == nil || !a.started {
		return
	}
	select {
	case a.queue <- l.logBatch:
	default:
		a.dropped.Add(1)
		bytebufferpool.Put(l.logBatch)
	}
	l.logBatch = nil
}

func (a *accessLog) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.started {
		close(a.queue)
		a.wg.Wait()
		a.started = false
	}
	if n := a.dropped.Load(); n > 0 {
		slog.Warn("access log batches dropped because the writer fell behind", "batches", n)
	}
	if a.closer != nil {
		a.closer.Close()
	}
}

// appendLogEscaped writes bytes so that no client-controlled value can forge a log line or break its quoting.
func appendLogEscaped(dst, s []byte) []byte {
	if len(s) == 0 {
		return append(dst, '-')
	}
	const hex = "0123456789abcdef"
	for _, ch := range s {
		if ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\' {
			dst = append(dst, '\\', 'x', hex[ch>>4], hex[ch&0xf])
			continue
		}
		dst = append(dst, ch)
	}
	return dst
}
