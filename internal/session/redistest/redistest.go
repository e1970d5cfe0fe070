//go:build linux

// Package redistest runs a throwaway redis-server for tests: on a free
// loopback port, with persistence off, stopped when the test ends.
//
// A test that needs Redis calls Start. When redis-server is not installed the
// test is skipped, unless the environment variable CI is "true": there a
// missing redis-server fails the test, so that CI cannot pass without running
// the Redis tests.
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// Binary is the server the tests run.
	Binary = "redis-server"
	// readyTimeout bounds a start, from exec to the first PONG.
	readyTimeout = 10 * time.Second
	// stopTimeout is how long a SIGTERM gets before SIGKILL.
	stopTimeout = 5 * time.Second
	// pingInterval paces the readiness probes.
	pingInterval = 10 * time.Millisecond
	// portAttempts bounds retries when another process takes the free
	// port between our probe and redis-server's bind.
	portAttempts = 5
)

// errExited means redis-server ended before it answered PING.
var errExited = errors.New("redis-server exited before answering PING")

// Server is one redis-server process. Stop and Restart may be called from
// the test goroutine only.
type Server struct {
	t    testing.TB
	port int
	dir  string
	cmd  *exec.Cmd
	// exited is closed once the current process has been waited for.
	exited chan struct{}
	out    *lockedBuffer
}

// Start runs redis-server on a free loopback port, waits until it answers
// PING and registers its stop with t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath(Binary); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed but CI=true: the CI script must install it (apt-get install -y redis-server)", Binary)
		}
		t.Skipf("%s is not installed (apt-get install -y redis-server); skipping the Redis test. With CI=true this is a failure.", Binary)
	}
	s := &Server{t: t, dir: t.TempDir()}
	t.Cleanup(s.Stop)
	var err error
	for range portAttempts {
		if s.port, err = freePort(); err != nil {
			t.Fatalf("finding a free port: %v", err)
		}
		if err = s.launch(); err == nil {
			return s
		}
		if !errors.Is(err, errExited) {
			break
		}
	}
	t.Fatalf("starting %s: %v\n%s", Binary, err, s.out)
	return nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is the redis:// URL of database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Stop ends the server (SIGTERM, then SIGKILL) and waits for it. Stopping a
// stopped server does nothing.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// Restart starts a stopped server again on the same port, empty.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	for range portAttempts {
		// The port is ours and only just released; a bind failure is
		// retried briefly rather than moving to another port.
		if err = s.launch(); err == nil {
			return
		}
		if !errors.Is(err, errExited) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("restarting %s on port %d: %v\n%s", Binary, s.port, err, s.out)
}

func (s *Server) launch() error {
	s.out = &lockedBuffer{}
	cmd := exec.Command(Binary,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--loglevel", "warning",
	)
	cmd.Stdout = s.out
	cmd.Stderr = s.out
	// A test binary killed by its timeout runs no cleanups; the kernel
	// then ends redis-server with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited
	deadline := time.Now().Add(readyTimeout)
	for {
		if err := ping(s.Addr()); err == nil {
			return nil
		}
		select {
		case <-exited:
			s.cmd = nil
			return errExited
		case <-time.After(pingInterval):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("no PONG within %v", readyTimeout)
		}
	}
}

// ping sends one inline PING and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer collects the server's output, written by exec's copying
// goroutine and read by failure messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
