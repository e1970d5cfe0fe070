package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Attack defaults.
const (
	DefaultTimeout = 30 * time.Second
	// DefaultOpenLoopMaxWorkers caps the workers an open loop may add while
	// the server falls behind; each holds a connection.
	DefaultOpenLoopMaxWorkers = 10000
	// probeTimeout bounds the requests made before an attack to check the target.
	probeTimeout = 10 * time.Second
	// maxProbeBody bounds what a probe reads to learn a GET body's length.
	maxProbeBody = MaxBodySize
)

// ErrUnreachable is wrapped when the server cannot be reached before an attack.
var ErrUnreachable = errors.New("server unreachable")

// ErrProbe is wrapped when a probe GET is not answered as the scenario expects.
var ErrProbe = errors.New("probe failed")

// Probe checks that base answers before any load is sent, and learns the
// body length of each GET request that does not state one. It returns a copy
// of reqs with ExpectBytes filled in.
func Probe(ctx context.Context, base *url.URL, reqs []Request) ([]Request, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", hostPort(base))
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %w", ErrUnreachable, base, err)
	}
	conn.Close()

	client := &http.Client{
		Transport:     &http.Transport{Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	out := append([]Request(nil), reqs...)
	for i := range out {
		r := &out[i]
		if r.Kind != KindGet || r.ExpectBytes != UnknownLength {
			continue
		}
		u := targetURL(base, r.Path)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: GET %s: %w", ErrProbe, u, err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("%w: GET %s: %w", ErrUnreachable, u, err)
		}
		n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxProbeBody+1))
		resp.Body.Close()
		switch {
		case err != nil:
			return nil, fmt.Errorf("%w: GET %s: reading the body: %w", ErrProbe, u, err)
		case resp.StatusCode != r.ExpectStatus:
			return nil, fmt.Errorf("%w: GET %s answered %s, the scenario expects %d", ErrProbe, u, resp.Status, r.ExpectStatus)
		case n > maxProbeBody:
			return nil, fmt.Errorf("%w: GET %s: body larger than %d bytes", ErrProbe, u, int64(maxProbeBody))
		}
		r.ExpectBytes = n
	}
	return out, nil
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// AttackOptions describe one run against a server.
type AttackOptions struct {
	Scenario *Scenario
	Requests []Request // the scenario's requests after Probe
	Run      Run
	Base     *url.URL
	Timeout  time.Duration // per request; DefaultTimeout when zero
	// MaxWorkers caps an open loop's workers; DefaultOpenLoopMaxWorkers when zero.
	MaxWorkers uint64
	// Results, if not nil, receives every judged result (vegeta's encoding).
	Results vegeta.Encoder
	// Progress, if not nil, gets a live status line while the attack runs.
	Progress io.Writer
}

// Name is the run's name in reports and file names, e.g. "get c=50".
func (o AttackOptions) Name() string { return o.Scenario.Name + " " + o.Run.Label() }

// Attack runs one bounded attack and reports it. Cancelling ctx stops the
// attack early; the report then covers what was sent and is marked
// interrupted.
func Attack(ctx context.Context, o AttackOptions) (*Report, error) {
	if o.Run.Duration <= 0 {
		return nil, errors.New("attack needs a positive duration")
	}
	targeter, err := NewTargeter(o.Base, o.Requests)
	if err != nil {
		return nil, err
	}
	checker := NewChecker(o.Base, o.Requests)
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	workers, maxWorkers := uint64(o.Run.Concurrency), uint64(o.Run.Concurrency)
	if !o.Run.Closed() {
		maxWorkers = o.MaxWorkers
		if maxWorkers == 0 {
			maxWorkers = DefaultOpenLoopMaxWorkers
		}
		if workers == 0 {
			workers = vegeta.DefaultWorkers
		}
		workers = min(workers, maxWorkers)
	}
	attacker := vegeta.NewAttacker(
		vegeta.Workers(workers),
		vegeta.MaxWorkers(maxWorkers),
		vegeta.KeepAlive(true),
		vegeta.Timeout(timeout),
		vegeta.MaxBody(-1), // bodies are read whole so that their length can be checked
		vegeta.Redirects(vegeta.NoFollow),
		vegeta.Connections(int(max(maxWorkers, workers))),
		vegeta.HTTP2(false),
		// A benchmark measures the server, not a proxy from the environment.
		vegeta.Proxy(func(*http.Request) (*url.URL, error) { return nil, nil }),
	)
	name := o.Name()
	collector := NewCollector(name, o.Results)

	stopProgress := func() {}
	if o.Progress != nil {
		stopProgress = startProgress(o.Progress, name, o.Run.Duration, collector)
	}
	stopped := context.AfterFunc(ctx, func() { attacker.Stop() })
	var writeErr error
	for res := range attacker.Attack(targeter, o.Run.Rate, o.Run.Duration, name) {
		cause := checker.Check(res)
		if err := collector.Add(res, cause); err != nil && writeErr == nil {
			writeErr = err
			attacker.Stop()
		}
	}
	stopped()
	stopProgress()

	rep := collector.Close()
	rep.Name, rep.Scenario, rep.Kind = name, o.Scenario.Name, o.Scenario.Kind
	rep.Planned = o.Run.Duration
	rep.Concurrency = o.Run.Concurrency
	rep.Model = ModelClosed
	if !o.Run.Closed() {
		rep.Model, rep.Rate = ModelOpen, FormatRate(o.Run.Rate)
	}
	rep.Interrupted = ctx.Err() != nil
	return rep, writeErr
}
