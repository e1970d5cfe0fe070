package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// ferrousBinary is the server's executable name, looked for next to ours.
	ferrousBinary = "ferrous"
	// serverStartTimeout bounds the wait for the server's "listening" line.
	serverStartTimeout = 15 * time.Second
	// serverStopTimeout is past the server's default shutdown grace of 10s.
	serverStopTimeout = 15 * time.Second
	// serverLogTail is how much of the server's stderr is kept for messages.
	serverLogTail = 4096
	// BenchPageSize is the size of the docroot's index.html: nginx's welcome
	// page, the customary static benchmark.
	BenchPageSize = 612
)

// ErrServerStart is wrapped when the spawned server does not come up.
var ErrServerStart = errors.New("ferrous did not start")

// FindFerrous returns the server binary to run: explicit if given, else the
// ferrous executable next to the running program.
func FindFerrous(explicit string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("ferrous binary: %w", err)
		}
		return explicit, nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("locating our own executable: %w", err)
	}
	path := filepath.Join(filepath.Dir(self), ferrousBinary)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("no %s next to %s (build it there or pass --ferrous PATH): %w", ferrousBinary, self, err)
	}
	return path, nil
}

// Ferrous is a server started for a benchmark, with its own docroot.
type Ferrous struct {
	// URL is the base URL it serves on.
	URL string
	dir string
	cmd *exec.Cmd
	log *tailBuffer
	// exited is closed when the process has been waited for.
	exited  chan struct{}
	waitErr error
}

// StartFerrous runs binary with a copy of the config at configPath placed in
// a fresh temporary directory, so that the config's relative paths (its
// www/ docroot, upload directory and logs) land in that directory. It
// returns once the server logs that it listens.
func StartFerrous(ctx context.Context, binary, configPath string) (*Ferrous, error) {
	cfg, err := os.ReadFile(configPath)
	if err != nil {
		return nil, fmt.Errorf("server config: %w", err)
	}
	dir, err := os.MkdirTemp("", "ferrous-load-")
	if err != nil {
		return nil, fmt.Errorf("server directory: %w", err)
	}
	f := &Ferrous{dir: dir, log: &tailBuffer{max: serverLogTail}, exited: make(chan struct{})}
	if err := f.start(ctx, binary, cfg); err != nil {
		f.Stop()
		return nil, err
	}
	return f, nil
}

func (f *Ferrous) start(ctx context.Context, binary string, cfg []byte) error {
	if err := writeDocroot(f.dir); err != nil {
		return err
	}
	cfgPath := filepath.Join(f.dir, "ferrous.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		return fmt.Errorf("server config: %w", err)
	}
	addrs := make(chan string, 1)
	f.cmd = exec.Command(binary, "-c", cfgPath)
	f.cmd.Dir = f.dir
	// exec copies the log into serverLog until the server exits, so nothing
	// it says before dying is lost.
	f.cmd.Stderr = &serverLog{tail: f.log, addrs: addrs}
	// A CGI child still holding stderr must not keep Wait from returning.
	f.cmd.WaitDelay = time.Second
	detach(f.cmd)
	if err := f.cmd.Start(); err != nil {
		f.cmd = nil
		return fmt.Errorf("%w: %w", ErrServerStart, err)
	}
	go func() {
		f.waitErr = f.cmd.Wait()
		close(f.exited)
	}()

	timer := time.NewTimer(serverStartTimeout)
	defer timer.Stop()
	select {
	case addr := <-addrs:
		f.URL = "http://" + addr
		return nil
	case <-f.exited:
		return fmt.Errorf("%w: it exited (%v):\n%s", ErrServerStart, f.waitErr, f.log.String())
	case <-timer.C:
		return fmt.Errorf("%w: no listening line within %s:\n%s", ErrServerStart, serverStartTimeout, f.log.String())
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeDocroot lays out what the loadtests config serves: www/index.html of
// BenchPageSize bytes and an empty www/upload/ for uploads.
func writeDocroot(dir string) error {
	www := filepath.Join(dir, "www")
	if err := os.MkdirAll(filepath.Join(www, "upload"), 0o755); err != nil {
		return fmt.Errorf("server docroot: %w", err)
	}
	if err := os.WriteFile(filepath.Join(www, "index.html"), benchPage(), 0o644); err != nil {
		return fmt.Errorf("server docroot: %w", err)
	}
	return nil
}

// benchPage is a small HTML page of exactly BenchPageSize bytes.
func benchPage() []byte {
	const head = "<!DOCTYPE html>\n<html>\n<head><title>ferrous-load</title></head>\n<body>\n<p>\n"
	const tail = "\n</p>\n</body>\n</html>\n"
	fill := BenchPageSize - len(head) - len(tail)
	return []byte(head + string(payload(int64(fill))) + tail)
}

// Stop ends the server (SIGTERM, then SIGKILL after a grace period) and
// removes its directory.
func (f *Ferrous) Stop() error {
	var err error
	if f.cmd != nil && f.cmd.Process != nil {
		select {
		case <-f.exited:
		default:
			_ = f.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-f.exited:
			case <-time.After(serverStopTimeout):
				_ = f.cmd.Process.Kill()
				<-f.exited
				err = fmt.Errorf("ferrous did not stop within %s and was killed", serverStopTimeout)
			}
		}
	}
	if rmErr := os.RemoveAll(f.dir); rmErr != nil && err == nil {
		err = fmt.Errorf("removing the server directory: %w", rmErr)
	}
	return err
}

// Log returns the end of the server's stderr.
func (f *Ferrous) Log() string { return f.log.String() }

// maxLogLine bounds a partial log line held while waiting for its newline.
const maxLogLine = 64 << 10

// serverLog receives the server's stderr: it keeps the tail for messages and
// sends the first listening address on addrs (buffered, capacity 1).
type serverLog struct {
	tail    *tailBuffer
	addrs   chan<- string
	partial []byte
	sent    bool
}

func (l *serverLog) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			if len(l.partial) > maxLogLine {
				l.line(string(l.partial))
				l.partial = l.partial[:0]
			}
			break
		}
		l.partial = append(l.partial, p[:i]...)
		l.line(string(l.partial))
		l.partial = l.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (l *serverLog) line(s string) {
	l.tail.WriteLine(s)
	if l.sent {
		return
	}
	if addr, ok := ListenAddr(s); ok {
		l.addrs <- addr
		l.sent = true
	}
}

// ListenAddr extracts ADDR from the server's "msg=listening addr=ADDR" log line.
func ListenAddr(line string) (string, bool) {
	fields := strings.Fields(line)
	listening := false
	addr := ""
	for _, f := range fields {
		switch {
		case f == "msg=listening":
			listening = true
		case strings.HasPrefix(f, "addr="):
			addr = strings.Trim(strings.TrimPrefix(f, "addr="), `"`)
		}
	}
	if !listening || addr == "" {
		return "", false
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || port == "0" || host == "" {
		return "", false
	}
	return addr, true
}

// tailBuffer keeps the last max bytes of lines written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) WriteLine(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, line...)
	t.buf = append(t.buf, '\n')
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
