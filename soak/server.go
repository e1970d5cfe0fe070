package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"time"
)

const (
	// serverPackage is what `go build` compiles; the soak runs from inside the module.
	serverPackage = "ferrous/cmd/ferrous"
	// buildTimeout bounds `go build`; a cold build on a busy machine takes about a minute.
	buildTimeout = 5 * time.Minute
	// startTimeout bounds the wait for the server to say where it listens.
	startTimeout = 15 * time.Second
	// startPoll is how often the server's log is read while waiting for it to start.
	startPoll = 50 * time.Millisecond
	// stopSlack is added to shutdown_timeout_secs before a server that ignores SIGTERM is killed.
	stopSlack = 3 * time.Second
	// logTailBytes is how much of the server's log an error message quotes.
	logTailBytes = 2048
)

var (
	errServerStart = errors.New("server did not start")
	errServerStop  = errors.New("server did not stop as asked")
)

// listenLine finds the server's address in its log: the "serving" line of the command, or the "listening" line
// of the server package.
var listenLine = regexp.MustCompile(`(?:serving http://|msg=listening addr=)(127\.0\.0\.1:\d+)`)

// buildServer compiles the server binary to path.
func buildServer(ctx context.Context, path string) error {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", path, serverPackage)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build %s: %w\n%s", serverPackage, err, out)
	}
	return nil
}

// serverProc is the running server.
type serverProc struct {
	cmd     *exec.Cmd
	pid     int
	addr    string // host:port
	logPath string
	log     *os.File
	exited  chan struct{}
	waitErr error // set before exited is closed
}

// startServer runs the binary with the site's config and waits until it listens.
func startServer(s *site) (*serverProc, error) {
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return nil, fmt.Errorf("creating server log: %w", err)
	}
	cmd := exec.Command(s.binary, "-c", s.configPath)
	cmd.Dir = s.dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// Should the soak die, the server must not outlive it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", s.binary, err)
	}
	p := &serverProc{cmd: cmd, pid: cmd.Process.Pid, logPath: s.logPath, log: logFile, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		data, err := os.ReadFile(s.logPath)
		if err != nil {
			p.kill()
			return nil, fmt.Errorf("reading server log: %w", err)
		}
		if m := listenLine.FindSubmatch(data); m != nil {
			p.addr = string(m[1])
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("%w: exited (%v):\n%s", errServerStart, p.waitErr, p.logTail())
		case <-time.After(startPoll):
		}
	}
	p.kill()
	return nil, fmt.Errorf("%w within %v:\n%s", errServerStart, startTimeout, p.logTail())
}

// stop sends SIGTERM and waits for the exit. It returns the exit code and how long the shutdown took; a server
// still running after shutdown_timeout_secs plus stopSlack is killed and reported.
func (p *serverProc) stop() (code int, took time.Duration, err error) {
	select {
	case <-p.exited:
		p.log.Close()
		return exitCodeOf(p.waitErr), 0, fmt.Errorf("%w: it exited by itself before SIGTERM (%v)", errServerStop, p.waitErr)
	default:
	}
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return -1, 0, fmt.Errorf("sending SIGTERM: %w", err)
	}
	budget := shutdownTimeoutSecs*time.Second + stopSlack
	select {
	case <-p.exited:
	case <-time.After(budget):
		p.kill()
		return -1, time.Since(start), fmt.Errorf("%w within %v of SIGTERM", errServerStop, budget)
	}
	took = time.Since(start)
	p.log.Close()
	var exitErr *exec.ExitError
	if p.waitErr != nil && !errors.As(p.waitErr, &exitErr) {
		return -1, took, fmt.Errorf("waiting for the server: %w", p.waitErr)
	}
	return exitCodeOf(p.waitErr), took, nil
}

// exitCodeOf returns the exit status Wait reported: 0 for success, -1 for a death by signal or no status.
func exitCodeOf(waitErr error) int {
	if waitErr == nil {
		return 0
	}
	var exitErr *exec.ExitError
	if errors.As(waitErr, &exitErr) {
		return exitErr.ExitCode()
	}
	return -1
}

// kill ends the server at once; for error paths only.
func (p *serverProc) kill() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill() // it may have exited in between; either way it is gone
		<-p.exited
	}
	p.log.Close()
}

func (p *serverProc) logTail() string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return "(server log unreadable: " + err.Error() + ")"
	}
	if len(data) > logTailBytes {
		data = data[len(data)-logTailBytes:]
	}
	return string(data)
}
