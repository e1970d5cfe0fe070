//go:build linux

package cgi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// DefaultTimeout bounds a run whose Job leaves Timeout zero.
	DefaultTimeout = 30 * time.Second
	// exitGrace is how long the runner waits, once the script's output has
	// ended, for the script to exit, and once the script has exited, for its
	// output pipes to drain. Only a process that left the script's group can
	// hold a pipe open past the group kill, so the wait is short.
	exitGrace = time.Second
	// readBufferSize is the largest piece of body handed to Sink.Body.
	readBufferSize = 32 << 10
	// maxStderrLine and maxStderrBytes bound what one run can push into the
	// server's log; the rest of stderr is read and dropped.
	maxStderrLine  = 1 << 10
	maxStderrBytes = 64 << 10
	// textBusyAttempts and textBusyBackoff bound the retries of a start
	// that failed with ETXTBSY (see startCommand).
	textBusyAttempts = 5
	textBusyBackoff  = 5 * time.Millisecond
)

var (
	// ErrCanceled is passed to Done after Cancel.
	ErrCanceled = errors.New("cgi: run canceled")
	// ErrScriptFailed means the script exited with a failure status, or
	// was killed by a signal not sent by the runner, after its header
	// was complete. The header and body already delivered stand; the
	// server may end the response normally or abort it.
	ErrScriptFailed = errors.New("cgi: script failed after its header")
	// ErrInterpreter means the configured interpreter could not be
	// started. It deliberately does not wrap the os error, so that a
	// missing interpreter (a server fault) is not mistaken for a missing
	// script (a client's 404).
	ErrInterpreter = errors.New("cgi: cannot start interpreter")
	// ErrInvalidJob is returned by Start for a Job that cannot describe a
	// run; the Sink is then never called.
	ErrInvalidJob = errors.New("cgi: invalid job")
)

var readBuffers = sync.Pool{New: func() any {
	buf := make([]byte, readBufferSize)
	return &buf
}}

// Sink receives the outcome of a run. Its methods are called from the
// runner's goroutines, one at a time, in the order Header, Body..., Done.
type Sink interface {
	// Header is called once, when the header block is complete; r is the
	// Sink's to keep.
	Header(r *Response)
	// Body receives a piece of the body. p is valid only during the call.
	// Body may block: that is the backpressure on a script that outruns a
	// slow client.
	Body(p []byte)
	// Done is called exactly once, last. err is nil; ErrTimeout;
	// ErrCanceled; ErrBadOutput or ErrNoHeader; ErrScriptFailed; or an
	// error starting the script, which wraps the os error so that
	// fs.ErrNotExist and fs.ErrPermission can be told apart.
	Done(err error)
}

// Job describes one run of a script.
type Job struct {
	// Interpreter runs Script, e.g. "python3" (looked up in the server's
	// PATH) or an absolute path; "" executes Script itself.
	Interpreter string
	// Script is the absolute path of the script. Dir is its working
	// directory; "" means the directory of Script.
	Script, Dir string
	// Env is the script's whole environment (see BuildEnv); nil means an
	// empty one, never the server's.
	Env []string
	// Stdin is the request body; nil means none. The runner reads it in its
	// own goroutine, and Done is not called before that goroutine is
	// finished with it, so a Stdin must not block forever.
	Stdin io.Reader
	// Timeout bounds the whole run; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxOutputHeader caps the script's header block; zero means
	// DefaultMaxHeaderBytes.
	MaxOutputHeader int
	// Stderr, if set, receives the script's standard error line by line,
	// each line cut to maxStderrLine and at most maxStderrBytes per run; nil
	// discards it. It is called from a runner goroutine, never after Done.
	Stderr func(line []byte)
}

// Run is one running script.
type Run struct {
	job   Job
	sink  Sink
	timer *time.Timer
	// exited is closed once the script's leader process has exited, its
	// group has been killed and the leader has been reaped.
	exited chan struct{}

	mu sync.Mutex
	// pid is the leader's process id and so its group id; zero until the
	// script has started.
	pid int
	// leaderGone is set once the leader has exited and its group has been
	// killed. The leader is reaped after that and its id may be reused,
	// so the group is never signalled again.
	leaderGone bool
	// killSent records that the runner has killed the group.
	killSent bool
	// reason is the first cause of stopping early: a timeout, Cancel, or
	// bad output.
	reason   error
	finished bool
	draining bool
	// Our ends of the script's pipes; nil where the script has none.
	stdout, stdin, stderr *os.File

	closeStdin sync.Once
	exitErr    error // set by the waiter before exited is closed
}

// Start launches the script and returns at once; everything else happens in
// runner goroutines that report to sink. The script runs in its own process
// group, which is killed with SIGKILL on timeout, on Cancel, on bad output
// and always once the script has exited, so that no process it forked
// outlives the run; the script itself is always reaped.
//
// If the script exits with a failure status before its header is complete,
// Done receives ErrNoHeader; after the header, ErrScriptFailed.
func Start(job Job, sink Sink) (*Run, error) {
	switch {
	case sink == nil:
		return nil, fmt.Errorf("%w: nil sink", ErrInvalidJob)
	case !filepath.IsAbs(job.Script):
		return nil, fmt.Errorf("%w: script path %q is not absolute", ErrInvalidJob, job.Script)
	case job.Timeout < 0:
		return nil, fmt.Errorf("%w: negative timeout %v", ErrInvalidJob, job.Timeout)
	case job.MaxOutputHeader < 0:
		return nil, fmt.Errorf("%w: negative header limit %d", ErrInvalidJob, job.MaxOutputHeader)
	}
	if job.Timeout == 0 {
		job.Timeout = DefaultTimeout
	}
	if job.Dir == "" {
		job.Dir = filepath.Dir(job.Script)
	}
	if job.Env == nil {
		job.Env = []string{}
	}
	r := &Run{job: job, sink: sink, exited: make(chan struct{})}
	r.timer = time.AfterFunc(job.Timeout, func() { r.abort(ErrTimeout) })
	go r.run()
	return r, nil
}

// Cancel stops the run because its client went away: the script's group is
// killed, and Done is still called once, with ErrCanceled unless the run
// had already ended for another reason. Cancel never blocks on the script.
func (r *Run) Cancel() {
	r.abort(ErrCanceled)
}

func (r *Run) abort(reason error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished {
		return
	}
	if r.reason == nil {
		r.reason = reason
	}
	r.killGroupLocked()
	r.closePipesLocked()
}

func (r *Run) stopped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reason != nil
}

// killGroupLocked kills the script's whole process group, unless the leader
// has already been handled: after that its id may belong to someone else.
func (r *Run) killGroupLocked() {
	if r.pid <= 0 || r.leaderGone {
		return
	}
	r.killSent = true
	// ESRCH only means the group is already empty.
	_ = syscall.Kill(-r.pid, syscall.SIGKILL)
}

// closePipesLocked unblocks every runner goroutine that waits on a pipe.
// Close is safe while another goroutine is in Read or Write on the file.
func (r *Run) closePipesLocked() {
	if r.stdout != nil {
		_ = r.stdout.Close()
	}
	if r.stderr != nil {
		_ = r.stderr.Close()
	}
	r.closeStdinPipe()
}

func (r *Run) closeStdinPipe() {
	if r.stdin == nil {
		return
	}
	r.closeStdin.Do(func() { _ = r.stdin.Close() })
}

func (r *Run) run() {
	cmd, err := r.launch()
	if err != nil {
		r.finish(err)
		return
	}
	var workers sync.WaitGroup
	workers.Go(func() { r.wait(cmd) })
	if r.stdin != nil {
		workers.Go(r.feed)
	}
	if r.stderr != nil {
		workers.Go(r.logStderr)
	}
	headerDone := r.readOutput()
	workers.Wait()

	switch {
	case !headerDone && r.exitErr != nil:
		err = fmt.Errorf("%w: %w", ErrNoHeader, r.exitErr)
	case !headerDone:
		err = ErrNoHeader
	case r.exitErr != nil:
		err = fmt.Errorf("%w: %w", ErrScriptFailed, r.exitErr)
	}
	r.finish(err)
}

// finish reports the outcome; an early stop reason takes precedence.
func (r *Run) finish(err error) {
	r.timer.Stop()
	r.mu.Lock()
	r.finished = true
	if r.reason != nil {
		err = r.reason
	}
	r.mu.Unlock()
	r.sink.Done(err)
}

// launch starts the script with its pipes. Errors are start errors.
func (r *Run) launch() (*exec.Cmd, error) {
	p, err := r.openPipes()
	if err != nil {
		return nil, err
	}
	cmd, err := r.startCommand(p)
	// The child holds its own copies now; ours would keep the pipes from
	// ever reaching EOF.
	closeFiles(p.childStdout, p.childStdin, p.childStderr)
	if err != nil {
		closeFiles(p.stdout, p.stdin, p.stderr)
		return nil, err
	}

	r.mu.Lock()
	r.pid = cmd.Process.Pid
	r.stdout, r.stdin, r.stderr = p.stdout, p.stdin, p.stderr
	if r.reason != nil {
		// A timeout or Cancel came while the script was starting.
		r.killGroupLocked()
		r.closePipesLocked()
	}
	r.mu.Unlock()
	return cmd, nil
}

// scriptPipes are the script's stdio pipes: our ends and the child's. The
// stdin and stderr pairs are nil when the Job has no body or no logger.
type scriptPipes struct {
	stdout, childStdout *os.File
	stdin, childStdin   *os.File
	stderr, childStderr *os.File
}

func (r *Run) openPipes() (*scriptPipes, error) {
	var p scriptPipes
	var err error
	p.stdout, p.childStdout, err = os.Pipe()
	if err == nil && r.job.Stdin != nil {
		p.childStdin, p.stdin, err = os.Pipe()
	}
	if err == nil && r.job.Stderr != nil {
		p.stderr, p.childStderr, err = os.Pipe()
	}
	if err != nil {
		closeFiles(p.stdout, p.childStdout, p.stdin, p.childStdin)
		return nil, fmt.Errorf("cgi: pipe: %w", err)
	}
	return &p, nil
}

// startCommand starts the script. ETXTBSY is retried: it means that a file
// descriptor writing the script leaked, for an instant, into a process
// being forked concurrently, and goes away once that process has exec'd.
func (r *Run) startCommand(p *scriptPipes) (*exec.Cmd, error) {
	for attempt := 1; ; attempt++ {
		r.mu.Lock()
		reason := r.reason
		r.mu.Unlock()
		if reason != nil {
			return nil, reason
		}
		cmd, err := r.command()
		if err != nil {
			return nil, err
		}
		// Only set files: a nil *os.File in the interface is not "none".
		cmd.Stdout = p.childStdout
		if p.childStdin != nil {
			cmd.Stdin = p.childStdin
		}
		if p.childStderr != nil {
			cmd.Stderr = p.childStderr
		}
		err = cmd.Start()
		switch {
		case err == nil:
			return cmd, nil
		case errors.Is(err, syscall.ETXTBSY) && attempt < textBusyAttempts:
			time.Sleep(time.Duration(attempt) * textBusyBackoff)
		case r.job.Interpreter != "":
			return nil, fmt.Errorf("%w %q: %s", ErrInterpreter, r.job.Interpreter, err.Error())
		default:
			return nil, fmt.Errorf("cgi: start script: %w", err)
		}
	}
}

func closeFiles(files ...*os.File) {
	for _, f := range files {
		if f != nil {
			_ = f.Close()
		}
	}
}

// command checks the script and builds its command line. A missing or
// unreadable script is reported with its os error so that the server can
// answer 404 or 403.
func (r *Run) command() (*exec.Cmd, error) {
	job := r.job
	info, err := os.Stat(job.Script)
	if err != nil {
		return nil, fmt.Errorf("cgi: script: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("cgi: script %s is not a regular file: %w", job.Script, fs.ErrPermission)
	}
	var cmd *exec.Cmd
	if job.Interpreter == "" {
		cmd = exec.Command(job.Script)
	} else {
		// The interpreter would report an unreadable script only as a
		// failed run; checking here keeps it a 403.
		f, err := os.Open(job.Script)
		if err != nil {
			return nil, fmt.Errorf("cgi: script: %w", err)
		}
		_ = f.Close()
		cmd = exec.Command(job.Interpreter, job.Script)
		if cmd.Err != nil {
			return nil, fmt.Errorf("%w %q: %s", ErrInterpreter, job.Interpreter, cmd.Err.Error())
		}
	}
	cmd.Dir = job.Dir
	cmd.Env = job.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, nil
}

// wait waits for the leader to exit, kills its group while the leader is
// still an unreaped zombie (so the group id cannot have been reused), and
// then reaps it.
func (r *Run) wait(cmd *exec.Cmd) {
	pid := cmd.Process.Pid
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			break
		}
	}

	r.mu.Lock()
	killedBefore := r.killSent
	r.killGroupLocked()
	r.leaderGone = true
	r.draining = true
	stdout, stderr := r.stdout, r.stderr
	r.mu.Unlock()
	// Nothing reads the script's stdin any more.
	r.closeStdinPipe()
	// Readers blocked on an empty pipe that a runaway process still holds
	// give up after exitGrace; readers busy in the Sink re-arm it.
	deadline := time.Now().Add(exitGrace)
	_ = stdout.SetReadDeadline(deadline)
	if stderr != nil {
		_ = stderr.SetReadDeadline(deadline)
	}

	err := cmd.Wait()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		status, ok := exitErr.Sys().(syscall.WaitStatus)
		if !(killedBefore && ok && status.Signaled() && status.Signal() == syscall.SIGKILL) {
			r.exitErr = err
		}
	} else if err != nil {
		r.exitErr = fmt.Errorf("cgi: wait: %w", err)
	}
	close(r.exited)
}

// pipeReader reads one of the script's output pipes. Once the script has
// exited, each Read may wait at most exitGrace for data.
type pipeReader struct {
	run *Run
	f   *os.File
}

func (p pipeReader) Read(b []byte) (int, error) {
	p.run.mu.Lock()
	draining := p.run.draining
	p.run.mu.Unlock()
	if draining {
		_ = p.f.SetReadDeadline(time.Now().Add(exitGrace))
	}
	n, err := p.f.Read(b)
	if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		// The deadline can expire while this goroutine waits for a CPU, with the script's output already in
		// the pipe: take what is there before giving up.
		if m, ok, rerr := p.readNow(b); ok {
			return m, rerr
		}
	}
	return n, err
}

// readNow makes one non-blocking read of the pipe, bypassing the expired deadline. ok is false when the pipe is
// empty (the runaway-holder case the deadline exists for).
func (p pipeReader) readNow(b []byte) (n int, ok bool, err error) {
	rc, err := p.f.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	var rerr error
	if err := rc.Control(func(fd uintptr) { n, rerr = unix.Read(int(fd), b) }); err != nil || rerr != nil {
		return 0, false, nil
	}
	if n == 0 {
		return 0, true, io.EOF // every writer has closed the pipe
	}
	return n, true, nil
}

// readOutput reads stdout, parses the header and streams the body to the
// Sink. It reports whether the header was complete.
func (r *Run) readOutput() (headerDone bool) {
	bufp := readBuffers.Get().(*[]byte)
	defer readBuffers.Put(bufp)
	buf := *bufp
	in := pipeReader{run: r, f: r.stdout}
	parser := HeadParser{MaxBytes: r.job.MaxOutputHeader}
	for {
		n, readErr := in.Read(buf)
		chunk := buf[:n]
		if n > 0 && !headerDone {
			used, done, err := parser.Feed(chunk)
			if err != nil {
				r.abort(err)
				break
			}
			chunk = chunk[used:]
			if done {
				if r.stopped() {
					break
				}
				headerDone = true
				r.sink.Header(parser.Response())
			}
		}
		if headerDone && len(chunk) > 0 {
			if r.stopped() {
				break
			}
			r.sink.Body(chunk)
		}
		if readErr != nil {
			// io.EOF, the drain deadline, or a pipe closed by abort.
			break
		}
	}
	_ = r.stdout.Close()

	// The output has ended; a script that lingers after closing it gets
	// exitGrace to exit by itself.
	if !r.stopped() {
		grace := time.NewTimer(exitGrace)
		select {
		case <-r.exited:
		case <-grace.C:
			r.mu.Lock()
			r.killGroupLocked()
			r.mu.Unlock()
		}
		grace.Stop()
	}
	return headerDone
}

// feed copies the request body to the script. A script that does not read
// its stdin makes the copy fail with EPIPE, or block until the script exits
// and the pipe is closed; either way the error is of no interest.
func (r *Run) feed() {
	_, _ = io.Copy(r.stdin, r.job.Stdin)
	r.closeStdinPipe()
}

// logStderr passes the script's stderr to the Job's callback, bounded.
func (r *Run) logStderr() {
	in := bufio.NewReaderSize(pipeReader{run: r, f: r.stderr}, maxStderrLine)
	budget := maxStderrBytes
	continuing := false // the rest of a line already cut to maxStderrLine
	for {
		line, isPrefix, err := in.ReadLine()
		if len(line) > 0 && !continuing && budget > 0 {
			line = line[:min(len(line), budget)]
			budget -= len(line)
			r.job.Stderr(line)
		}
		continuing = isPrefix
		if err != nil {
			break
		}
	}
	_ = r.stderr.Close()
}
