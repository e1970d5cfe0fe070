// Command soak runs the real ferrous binary under mixed well-formed and hostile traffic for a fixed time, then
// checks that every well-formed request was answered correctly and that the server is back where it started:
// descriptors and memory near their baseline, no script process left, no temporary upload file left, still
// answering, and exiting cleanly on SIGTERM.
//
//	SOAK=60s go run ./soak          # from the module root; SOAK defaults to 5m
//	go run ./soak -workers 16 -keep # keep the run's directory (config, logs) for inspection
//
// Heartbeat clients time the server's answer to a one-byte file throughout. An attempt that went wrong in a way a
// stall can explain (a broken connection, a late timeout) while the server took a second or more to answer a
// heartbeat, or the soak's own timer fired that late, proves nothing: on a machine busy with other work the
// server's event loops are starved. Such attempts are counted as inconclusive, never as passed.
//
// It exits 0 when every check passed, 1 when one failed, 2 when the run itself could not be carried out, and 3
// when nothing failed but some attempts were inconclusive: run it again on a quieter machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	defaultDuration = 5 * time.Minute
	// durationEnv names the environment variable that sets the run's length.
	durationEnv = "SOAK"
	// progressEvery is how often a line of progress is printed.
	progressEvery = 10 * time.Second
	// sampleEvery is how often the server's descriptors, memory and children are sampled.
	sampleEvery = time.Second
	// warmupRounds runs each quick operation this many times before the baseline is taken, so that pools,
	// caches and the session store exist in both the baseline and the final reading.
	warmupRounds = 3
	// stableReadings of the descriptor count in a row, settlePoll apart, make the baseline.
	stableReadings = 3
	// overrun bounds everything after the traffic (client wind-down, settling, checks, shutdown); past it the
	// run is abandoned.
	overrun = 2 * time.Minute
)

// Exit statuses.
const (
	exitPassed       = 0
	exitFailed       = 1
	exitBroken       = 2
	exitInconclusive = 3
)

var errBadDuration = errors.New("invalid duration")

type options struct {
	duration time.Duration
	workers  int
	binary   string // a prebuilt server; empty builds one
	keep     bool
	seed     uint64
}

func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	opts := options{duration: defaultDuration}
	if v := getenv(durationEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return opts, fmt.Errorf("%w: %s=%q", errBadDuration, durationEnv, v)
		}
		opts.duration = d
	}
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&opts.duration, "duration", opts.duration, "how long the traffic runs (default from $"+durationEnv+", else 5m)")
	fs.IntVar(&opts.workers, "workers", defaultWorkers, "well-formed keep-alive clients")
	fs.StringVar(&opts.binary, "ferrous", "", "server binary to run instead of building ./cmd/ferrous")
	fs.BoolVar(&opts.keep, "keep", false, "keep the run's directory even when every check passed")
	fs.Uint64Var(&opts.seed, "seed", uint64(time.Now().UnixNano()), "seed of the traffic mix and contents")
	if err := fs.Parse(args); err != nil {
		return opts, err
	}
	if opts.duration <= 0 {
		return opts, fmt.Errorf("%w: -duration %v", errBadDuration, opts.duration)
	}
	if opts.workers < 1 {
		return opts, fmt.Errorf("-workers must be at least 1, got %d", opts.workers)
	}
	return opts, nil
}

func main() {
	opts, err := parseOptions(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "soak:", err)
		}
		os.Exit(exitBroken)
	}
	os.Exit(run(opts, os.Stdout))
}

// readings are the server's highest and latest samples while the traffic ran.
type readings struct {
	fds, lastFDs      int
	rss               int64
	threads, children int
	last              memStatus
}

// sampler keeps the readings; the traffic loop writes them and the report reads them, on one goroutine, but the
// lock keeps that an implementation detail.
type sampler struct {
	mu sync.Mutex
	r  readings
}

func (s *sampler) sample(pid int) {
	fds, ferr := countFDs(pid)
	ms, merr := readMemStatus(pid)
	procs, perr := listProcesses()
	s.mu.Lock()
	defer s.mu.Unlock()
	if ferr == nil {
		s.r.fds, s.r.lastFDs = max(s.r.fds, fds), fds
	}
	if merr == nil {
		s.r.rss, s.r.threads, s.r.last = max(s.r.rss, ms.rss), max(s.r.threads, ms.threads), ms
	}
	if perr == nil {
		s.r.children = max(s.r.children, countChildren(procs, pid))
	}
}

func (s *sampler) readings() readings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r
}

// soakRun is one run's state.
type soakRun struct {
	opts   options
	out    io.Writer
	site   *site
	srv    *serverProc
	env    *env
	st     *stats
	peaks  sampler
	checks []checkResult
}

func (r *soakRun) check(name string, ok bool, format string, args ...any) {
	r.checks = append(r.checks, checkResult{name: name, ok: ok, detail: fmt.Sprintf(format, args...)})
}

func run(opts options, out io.Writer) int {
	dir, err := os.MkdirTemp("", "ferrous-soak-")
	if err == nil {
		dir, err = filepath.Abs(dir)
	}
	if err != nil {
		fmt.Fprintln(out, "soak: creating the run's directory:", err)
		return exitBroken
	}
	r := &soakRun{opts: opts, out: out, st: newStats()}
	code := r.execute(dir)
	if code == exitPassed && !opts.keep {
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(out, "soak: removing the run's directory:", err)
		}
	} else {
		fmt.Fprintln(out, "soak: the run's directory (config, server.log, access.log) is kept:", dir)
	}
	return code
}

func (r *soakRun) execute(dir string) int {
	var err error
	if r.site, err = newSite(dir, r.opts.seed); err != nil {
		fmt.Fprintln(r.out, "soak:", err)
		return exitBroken
	}
	if r.opts.binary != "" {
		r.site.binary = r.opts.binary
	} else {
		start := time.Now()
		if err := buildServer(context.Background(), r.site.binary); err != nil {
			fmt.Fprintln(r.out, "soak:", err)
			return exitBroken
		}
		fmt.Fprintf(r.out, "soak: built the server in %v\n", time.Since(start).Round(time.Millisecond))
	}
	if r.srv, err = startServer(r.site); err != nil {
		fmt.Fprintln(r.out, "soak:", err)
		return exitBroken
	}
	// Whatever happens below, the run ends by itself.
	watchdog := time.AfterFunc(r.opts.duration+overrun, func() {
		fmt.Fprintf(r.out, "soak: abandoned: still running %v past its duration\n", overrun)
		r.srv.kill()
		os.Exit(exitBroken)
	})
	defer watchdog.Stop()
	fmt.Fprintf(r.out, "soak: ferrous pid %d on %s, %d workers, %v, seed %d\n", r.srv.pid, r.srv.addr, r.opts.workers, r.opts.duration, r.opts.seed)
	r.env = newEnv(r.srv.addr, r.site, r.st)

	baseFDs, baseMem, err := r.warmUp()
	if err != nil {
		r.srv.kill()
		fmt.Fprintln(r.out, "soak: taking the baseline:", err)
		return exitBroken
	}
	fmt.Fprintf(r.out, "soak: baseline %d fds, RSS %s\n", baseFDs, mib(baseMem.rss))

	floodWritten, ran, err := r.drive()
	if err != nil {
		r.srv.kill()
		fmt.Fprintln(r.out, "soak:", err)
		return exitBroken
	}
	r.st.decide(r.env.delays.stalled)
	fig := r.finalChecks(baseFDs, baseMem)
	fig.floodWritten, fig.ran = floodWritten, ran
	r.report(baseFDs, baseMem, fig)
	for _, c := range r.checks {
		if !c.ok {
			fmt.Fprintln(r.out, "soak: FAILED")
			return exitFailed
		}
	}
	if r.st.totalFailed() > 0 {
		fmt.Fprintln(r.out, "soak: FAILED")
		return exitFailed
	}
	if n := r.st.totalExcused(); n > 0 {
		fmt.Fprintf(r.out, "soak: INCONCLUSIVE: nothing failed, but %d attempts went wrong while the machine stalled the server; run again on a quieter machine\n", n)
		return exitInconclusive
	}
	fmt.Fprintln(r.out, "soak: passed")
	return exitPassed
}

// warmUp runs every operation of the mix a few times, then waits for the server's descriptor count to hold still
// and reads the baseline.
func (r *soakRun) warmUp() (int, memStatus, error) {
	w := newWorker(r.env, 0, r.opts.seed)
	for range warmupRounds {
		for _, op := range operations {
			w.runOp(op)
		}
	}
	w.transport.CloseIdleConnections()
	if n := r.st.totalProblems(); n > 0 {
		// Counted with the rest: the run goes on, so that one wrong answer does not hide every other finding.
		fmt.Fprintf(r.out, "soak: %d warm-up operations failed\n", n)
	}
	prev, same := -1, 0
	for deadline := time.Now().Add(settleTimeout); same < stableReadings && time.Now().Before(deadline); {
		time.Sleep(settlePoll)
		fds, err := countFDs(r.srv.pid)
		if err != nil {
			return 0, memStatus{}, err
		}
		if fds == prev {
			same++
		} else {
			prev, same = fds, 1
		}
	}
	ms, err := readMemStatus(r.srv.pid)
	return prev, ms, err
}

// drive runs the traffic for the run's duration and waits for every client to stop.
func (r *soakRun) drive() (floodWritten int64, ran time.Duration, err error) {
	// The delay meters run until every client has stopped: the last answers are timed too.
	lagCtx, stopLag := context.WithCancel(context.Background())
	var meters sync.WaitGroup
	defer func() {
		stopLag()
		meters.Wait()
	}()
	meters.Go(func() { r.env.delays.self.runTimer(lagCtx) })
	for i := range r.env.delays.server {
		meters.Go(func() { r.env.heartbeat(lagCtx, &r.env.delays.server[i]) })
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	attackers, err := startHostile(ctx, r.env, r.opts.seed)
	if err != nil {
		return 0, 0, err
	}
	stop := make(chan struct{})
	var workers sync.WaitGroup
	for i := range r.opts.workers {
		w := newWorker(r.env, i+1, r.opts.seed)
		workers.Go(func() { w.run(stop, operations) })
	}
	for i := range timeoutProbers {
		w := newWorker(r.env, r.opts.workers+1+i, r.opts.seed)
		workers.Go(func() { w.run(stop, timeoutProbe) })
	}
	start := time.Now()
	sampler := time.NewTicker(sampleEvery)
	defer sampler.Stop()
	progress := time.NewTicker(progressEvery)
	defer progress.Stop()
	end := time.After(r.opts.duration)
	for running := true; running; {
		select {
		case <-sampler.C:
			r.peaks.sample(r.srv.pid)
		case <-progress.C:
			now := r.peaks.readings()
			since := time.Now().Add(-progressEvery)
			fmt.Fprintf(r.out, "soak: %4.0fs  %8d requests  %4d wrong  %5d fds  RSS %s  worst stall %v\n",
				time.Since(start).Seconds(), r.st.requests.Load(), r.st.totalProblems(), now.lastFDs, mib(now.last.rss),
				r.env.delays.since(since).Round(time.Millisecond))
		case <-end:
			running = false
		}
	}
	close(stop)
	cancel()
	due := time.Now()
	attackers.wait()
	hostileDone := time.Since(due)
	workers.Wait()
	ran = time.Since(start)
	fmt.Fprintf(r.out, "soak: traffic stopped after %v (hostile clients within %v, the last well-formed one %v after the end)\n",
		ran.Round(time.Millisecond), hostileDone.Round(time.Millisecond), time.Since(due).Round(time.Millisecond))
	return attackers.floodWritten.Load(), ran, nil
}

// figures are the run's numbers for the report.
type figures struct {
	finalFDs, children int
	finalMem           memStatus
	settled            time.Duration
	runs               map[string]int
	accessLines        int
	shutdown           time.Duration
	exitCode           int
	logCounts          map[string]int
	floodWritten       int64
	ran                time.Duration // from the first request to the last client's stop
}

func (r *soakRun) finalChecks(baseFDs int, baseMem memStatus) figures {
	var fig figures
	pid := r.srv.pid
	fds, children, took, err := settle(pid, baseFDs)
	fig.settled, fig.finalFDs, fig.children = took, fds, children
	if err != nil {
		r.check("settle", false, "%v", err)
	}
	r.check("descriptors", err == nil && fds <= baseFDs+fdSlack, "%d open after %v, baseline %d + slack %d", fds, took.Round(time.Millisecond), baseFDs, fdSlack)

	ms, err := readMemStatus(pid)
	fig.finalMem = ms
	r.check("memory", err == nil && ms.rss <= baseMem.rss+rssSlack, "RSS %s, baseline %s + slack %s (peak %s)%s",
		mib(ms.rss), mib(baseMem.rss), mib(rssSlack), mib(ms.hwm), errSuffix(err))

	runs, groups, forkChildren, err := scriptRuns(r.site.pidDir)
	fig.runs = runs
	if err != nil {
		r.check("script processes", false, "%v", err)
	} else {
		orphans, zombies, err := findOrphans(r.site.cgiMarker(), groups, forkChildren, os.Getpid(), pid)
		r.check("script processes", err == nil && len(orphans) == 0 && children == 0,
			"%d alive of %d script groups and %d forked children (%d dead, awaiting their reaper); server children %d%s%s",
			len(orphans), len(groups), len(forkChildren), zombies, children, listSuffix(orphans), errSuffix(err))
	}

	temps, stored, err := uploadLeftovers(r.site.uploadDir)
	r.check("upload temporaries", err == nil && len(temps) == 0, "%d %s* files left%s%s", len(temps), uploadTempPrefix, listSuffix(temps), errSuffix(err))
	r.check("upload directory", err == nil && len(stored) == 0, "%d stored files nobody deleted%s", len(stored), listSuffix(stored))

	if err := r.liveness(); err != nil {
		r.check("still answering", false, "%v", err)
	} else {
		r.check("still answering", true, "a static file and a script answered correctly")
	}

	code, took, err := r.srv.stop()
	fig.exitCode, fig.shutdown = code, took
	r.check("shutdown", err == nil && code == 0, "exit status %d after %v of SIGTERM (budget %ds)%s", code, took.Round(time.Millisecond), shutdownTimeoutSecs, errSuffix(err))

	f, err := os.Open(r.site.accessLog)
	if err == nil {
		var bad []string
		fig.accessLines, bad, err = scanAccessLog(f)
		f.Close()
		r.check("access log", err == nil && len(bad) == 0, "%d lines, %d malformed%s%s", fig.accessLines, len(bad), listSuffix(bad), errSuffix(err))
	} else {
		r.check("access log", false, "%v", err)
	}

	data, err := os.ReadFile(r.site.logPath)
	if err != nil {
		r.check("server log", false, "%v", err)
	} else {
		sum := summarizeServerLog(data)
		fig.logCounts = sum.counts
		r.check("server log", len(sum.faults) == 0, "%d panics or errors%s", len(sum.faults), listSuffix(sum.faults))
	}
	return fig
}

// liveness checks that the server still serves a file and runs a script, on a fresh connection.
func (r *soakRun) liveness() error {
	w := newWorker(r.env, 0, r.opts.seed)
	defer w.transport.CloseIdleConnections()
	for _, f := range r.site.files {
		if f.name == "f-612.bin" {
			resp, body, err := w.get("/static/"+f.name, nil)
			if err != nil {
				return err
			}
			if err := check("GET /static/"+f.name, resp, body, http.StatusOK, f.body); err != nil {
				return err
			}
		}
	}
	return w.cgiEcho()
}

func (r *soakRun) report(baseFDs int, baseMem memStatus, fig figures) {
	out := r.out
	fmt.Fprintln(out, "\n== well-formed and hostile clients")
	requests := r.st.requests.Load()
	fmt.Fprintf(out, "  well-formed HTTP requests sent: %d in %v (%.0f/s)\n", requests, fig.ran.Round(time.Second), float64(requests)/fig.ran.Seconds())
	r.st.write(out)
	fmt.Fprintf(out, "  request bytes flooded unread: %s\n", mib(fig.floodWritten))
	fmt.Fprintf(out, "  worst stalls: the soak's own timer %v, the server's answer to a one-byte file %v\n",
		r.env.delays.self.worstLag().Round(time.Millisecond), r.env.delays.worstServer().Round(time.Millisecond))

	p := r.peaks.readings()
	fmt.Fprintln(out, "\n== server")
	fmt.Fprintf(out, "  descriptors   baseline %d, peak %d, final %d (settled in %v)\n", baseFDs, p.fds, fig.finalFDs, fig.settled.Round(time.Millisecond))
	fmt.Fprintf(out, "  RSS           baseline %s, peak sampled %s, VmHWM %s, final %s\n", mib(baseMem.rss), mib(p.rss), mib(fig.finalMem.hwm), mib(fig.finalMem.rss))
	fmt.Fprintf(out, "  threads       baseline %d, peak %d, final %d\n", baseMem.threads, p.threads, fig.finalMem.threads)
	fmt.Fprintf(out, "  children      peak %d, final %d\n", p.children, fig.children)
	fmt.Fprintf(out, "  script runs   %s\n", formatCounts(fig.runs))
	fmt.Fprintf(out, "  access log    %d lines\n", fig.accessLines)
	fmt.Fprintf(out, "  server log    %s\n", formatCounts(fig.logCounts))
	fmt.Fprintf(out, "  shutdown      exit %d in %v\n", fig.exitCode, fig.shutdown.Round(time.Millisecond))

	fmt.Fprintln(out, "\n== checks")
	for _, c := range r.checks {
		verdict := "ok  "
		if !c.ok {
			verdict = "FAIL"
		}
		fmt.Fprintf(out, "  %s %-20s %s\n", verdict, c.name, c.detail)
	}
}

func formatCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, k+" "+strconv.Itoa(v))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

func listSuffix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return ": " + listSome(names)
}
