package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

const (
	// lagTick is the period of the soak's own timer, and of each server heartbeat.
	lagTick = 100 * time.Millisecond
	// heartbeats is how many connections carry a heartbeat. The kernel spreads connections over the server's
	// event loops, so several make it likely that every loop is watched.
	heartbeats = 4
	// stallExcuse is the delay past which a failure is not blamed on the server: when the soak's timer fires
	// this late, or the server takes this long to answer a one-byte file, the machine is too busy with other
	// work for the attempt to prove anything. An unstarved server answers the heartbeat within milliseconds, even
	// under the soak's own load.
	stallExcuse = time.Second
	// stallMargin widens an attempt's interval when looking for a stall that overlapped it.
	stallMargin = time.Second
	// heartbeatPath is the trivial request the heartbeat sends.
	heartbeatPath = "/static/f-1.bin"
)

// lagMeter remembers delays over a run: how late a timer fired, or how long a trivial request took. A measurement
// still in progress counts as a delay growing with the clock.
type lagMeter struct {
	mu      sync.Mutex
	samples []lagSample
	worst   time.Duration
	pending time.Time // start of the measurement in progress, zero when none
}

// lagSample is a delay that lasted from at-lag to at.
type lagSample struct {
	at  time.Time
	lag time.Duration
}

func (m *lagMeter) record(at time.Time, lag time.Duration) {
	lag = max(lag, 0)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples = append(m.samples, lagSample{at: at, lag: lag})
	m.worst = max(m.worst, lag)
}

func (m *lagMeter) begin(at time.Time) {
	m.mu.Lock()
	m.pending = at
	m.mu.Unlock()
}

// end closes the measurement in progress and records it.
func (m *lagMeter) end(at time.Time) {
	m.mu.Lock()
	start := m.pending
	m.pending = time.Time{}
	m.mu.Unlock()
	m.record(at, at.Sub(start))
}

// between returns the worst delay that overlapped [from, to], counting a measurement in progress that began by
// to as lasting until now.
func (m *lagMeter) between(from, to time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	var worst time.Duration
	for _, s := range m.samples {
		if !s.at.Before(from) && !s.at.Add(-s.lag).After(to) {
			worst = max(worst, s.lag)
		}
	}
	if !m.pending.IsZero() && !m.pending.After(to) {
		worst = max(worst, time.Since(m.pending))
	}
	return worst
}

func (m *lagMeter) worstLag() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.worst
}

// runTimer measures how late the soak's own timer fires, until ctx ends.
func (m *lagMeter) runTimer(ctx context.Context) {
	timer := time.NewTimer(lagTick)
	defer timer.Stop()
	for {
		due := time.Now().Add(lagTick)
		select {
		case <-ctx.Done():
			return
		case now := <-timer.C:
			m.record(now, now.Sub(due))
			timer.Reset(lagTick)
		}
	}
}

// delays are what the timing checks and the verdict consult: the soak's own timer, and the server's answers to a
// trivial request. The server's timeouts are kept by its event loops, so a loop starved of CPU is late with them
// by as much as it is late with a heartbeat.
type delays struct {
	self   lagMeter
	server [heartbeats]lagMeter
}

// between returns the worst delay of any meter that overlapped [from, to].
func (d *delays) between(from, to time.Time) time.Duration {
	worst := d.self.between(from, to)
	for i := range d.server {
		worst = max(worst, d.server[i].between(from, to))
	}
	return worst
}

// since returns the worst delay from start until now.
func (d *delays) since(start time.Time) time.Duration { return d.between(start, time.Now()) }

// stalled reports whether the machine stalled the server or the soak around [from, to].
func (d *delays) stalled(from, to time.Time) (time.Duration, bool) {
	worst := d.between(from.Add(-stallMargin), to.Add(stallMargin))
	return worst, worst >= stallExcuse
}

func (d *delays) worstServer() time.Duration {
	var worst time.Duration
	for i := range d.server {
		worst = max(worst, d.server[i].worstLag())
	}
	return worst
}

// heartbeat asks for a one-byte file every lagTick on one keep-alive connection, until ctx ends, and records how
// long each answer took in meter. A wrong answer is a failure like any other; a lost connection is replaced.
func (e *env) heartbeat(ctx context.Context, meter *lagMeter) {
	const kind = "heartbeat"
	want := e.site.byName["f-1.bin"]
	req := []byte("GET " + heartbeatPath + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
	for ctx.Err() == nil {
		conn, err := (&net.Dialer{Timeout: requestTimeout}).DialContext(ctx, "tcp", e.addr)
		if err != nil {
			if ctx.Err() == nil {
				e.st.note(kind + ": reconnects")
			}
			pause(ctx, lagTick)
			continue
		}
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		br := bufio.NewReader(conn)
		for ctx.Err() == nil {
			meter.begin(time.Now())
			_, err := conn.Write(req)
			var resp *http.Response
			var body []byte
			if err == nil {
				resp, body, err = readResponse(br, http.MethodGet)
			}
			meter.end(time.Now())
			if err != nil {
				if ctx.Err() == nil {
					// The server may close a keep-alive connection at any time; the next one is as good.
					e.st.note(kind + ": reconnects")
				}
				break
			}
			e.st.requests.Add(1)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
				e.st.fail(kind, fmt.Errorf("%w: GET %s: status %d, %d bytes", errWrongAnswer, heartbeatPath, resp.StatusCode, len(body)))
			} else {
				e.st.ok(kind)
			}
			pause(ctx, lagTick)
		}
		stop()
		conn.Close()
	}
}

// pause waits d or until ctx ends, and reports whether the full pause elapsed.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
