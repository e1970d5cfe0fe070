//go:build linux

package spec

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ferrous/internal/config"
	"ferrous/internal/server"
)

// OtherHost is the server_name of the live site's second virtual host, which shares the first one's port.
const OtherHost = "other.test"

// The live site's limits and timeouts; the wire rows rely on them.
const (
	// LiveMaxBodySize is client_max_body_size of the live site: 413 above it.
	LiveMaxBodySize = 64 << 10
	// The default timeouts are generous so that a slow, busy machine never turns a test request into a 408.
	liveConnectionTimeoutSecs = 30
	liveHeaderTimeoutSecs     = 10
	liveBodyTimeoutSecs       = 10
	liveShutdownTimeout       = 5 * time.Second
	// startAttempts bounds retries when the free port probed for the shared listener is taken before the
	// server binds it.
	startAttempts = 5
)

// liveFiles is the docroot of the live site. Paths are relative to its directory; a trailing "*" in a name
// marks an executable script (the star is dropped).
var liveFiles = map[string]string{
	"www/index.html":            "<h1>spec home</h1>\n",
	"www/static/a.txt":          "static a\n",
	"www/static/612.html":       strings.Repeat("x", 612),
	"www/other/index.html":      "<h1>other host</h1>\n",
	"www/cgi-bin/hello.sh*":     "printf 'Content-Type: text/plain\\r\\n\\r\\nhello from cgi\\n'\n",
	"www/cgi-bin/nocontent.sh*": "printf 'Status: 204 No Content\\r\\n\\r\\n'\n",
}

// liveConfig is the live site's configuration. Its verbs are the three timeouts, the shared port, the body
// limit, and the shared port again.
const liveConfig = `
workers: 2
connection_timeout_secs: %d
header_timeout_secs: %d
body_timeout_secs: %d
access_log: off
log_level: error
cgi_interpreters: {.sh: sh}
servers:
  - host: 127.0.0.1
    port: %d
    server_name: [localhost]
    client_max_body_size: %d
    routes:
      - path: /
        methods: [GET, HEAD]
        handler: File
        file: www/
      - path: /static/*
        methods: [GET, HEAD]
        handler: File
        file: www/static/
      - path: /files/*
        methods: [GET, POST, DELETE]
        handler: File
        file: www/files/
      - path: /cgi-bin/*
        methods: [GET, POST]
        handler: Function
        file: www/cgi-bin/
        cgi_extension: .sh
      - path: /old
        return: 301 /
  - host: 127.0.0.1
    port: %d
    server_name: [` + OtherHost + `]
    routes:
      - path: /
        handler: File
        file: www/other/
`

// LiveServer is ferrous running in-process on a loopback port, serving a small site: "/" and "/static/" (GET,
// HEAD), "/files/" (GET, HEAD, POST uploads, DELETE), "/cgi-bin/*.sh" (CGI), "/old" (301 to "/") and a second
// virtual host named OtherHost on the same port.
type LiveServer struct {
	Addr string
	// FilesDir is the directory behind "/files/".
	FilesDir string
	srv      *server.Server
	// checks numbers the server model's checks, to give each its own file names.
	checks atomic.Int64
}

// liveTimeouts are the server's timeouts in seconds.
type liveTimeouts struct{ connection, header, body int }

// LiveOption adjusts the live server's configuration.
type LiveOption func(*liveTimeouts)

// WithTimeouts sets connection_timeout_secs, header_timeout_secs and body_timeout_secs, for tests of what
// happens when they expire.
func WithTimeouts(connectionSecs, headerSecs, bodySecs int) LiveOption {
	return func(lt *liveTimeouts) { *lt = liveTimeouts{connectionSecs, headerSecs, bodySecs} }
}

// StartLiveServer writes the site into a temporary directory, starts ferrous on it and stops it when tb ends.
func StartLiveServer(tb testing.TB, opts ...LiveOption) *LiveServer {
	tb.Helper()
	dir := tb.TempDir()
	if err := writeLiveSite(dir); err != nil {
		tb.Fatal(err)
	}
	timeouts := liveTimeouts{liveConnectionTimeoutSecs, liveHeaderTimeoutSecs, liveBodyTimeoutSecs}
	for _, o := range opts {
		o(&timeouts)
	}
	var lastErr error
	for range startAttempts {
		ls, err := startOnFreePort(dir, timeouts)
		if err == nil {
			tb.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), liveShutdownTimeout)
				defer cancel()
				if err := ls.srv.Shutdown(ctx); err != nil {
					tb.Errorf("shutting down the live server: %v", err)
				}
			})
			return ls
		}
		lastErr = err
	}
	tb.Fatalf("starting the live server: %v", lastErr)
	return nil
}

func writeLiveSite(dir string) error {
	for name, body := range liveFiles {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, "*") {
			name, mode = strings.TrimSuffix(name, "*"), 0o755
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("writing the live site: %w", err)
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			return fmt.Errorf("writing the live site: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "www/files"), 0o755); err != nil {
		return fmt.Errorf("writing the live site: %w", err)
	}
	return nil
}

// startOnFreePort binds both virtual hosts to one port. Port 0 would give each server block its own port, so a
// free port is probed first; another process may take it in between, which the caller retries.
func startOnFreePort(dir string, timeouts liveTimeouts) (*LiveServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	yaml := fmt.Sprintf(liveConfig, timeouts.connection, timeouts.header, timeouts.body, port, LiveMaxBodySize, port)
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		return nil, fmt.Errorf("writing the live config: %w", err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, fmt.Errorf("loading the live config: %w", err)
	}
	srv, err := server.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the live server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("starting the live server: %w", err)
	}
	addrs := srv.Addrs()
	if len(addrs) != 1 {
		return nil, errors.Join(fmt.Errorf("want one shared listener, got %v", addrs), srv.Shutdown(context.Background()))
	}
	return &LiveServer{Addr: addrs[0], FilesDir: filepath.Join(dir, "www/files"), srv: srv}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("probing a free port: %w", err)
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		return 0, fmt.Errorf("probing a free port: %w", err)
	}
	return strconv.Atoi(port)
}
