//go:build linux

package server

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ferrous/internal/config"
)

// site is a small docroot written for each test server.
var site = map[string]string{
	"www/index.html":           "<h1>home</h1>\n",
	"www/static/612.html":      strings.Repeat("x", 612),
	"www/static/app.css":       "body{}\n",
	"www/static/sub/a.txt":     "sub file\n",
	"www/static/.secret":       "hidden\n",
	"www/error_pages/404.html": "custom not found page\n",
	"www/other/index.html":     "<h1>other host</h1>\n",
	"outside.txt":              "must never be served\n",
	"www/up/existing.txt":      "delete me\n",
}

const baseConfig = `
workers: 2
connection_timeout_secs: 60
header_timeout_secs: 2
access_log: off
servers:
  - host: 127.0.0.1
    port: 0
    server_name: [localhost]
    client_max_body_size: 1K
    error_pages:
      404: www/error_pages/404.html
    routes:
      - path: /
        methods: [GET, HEAD]
        handler: File
        file: www/
      - path: /static/*
        methods: [GET, HEAD]
        handler: File
        file: www/static/
        directory_listing: true
      - path: /nolist/*
        methods: [GET]
        handler: File
        file: www/static/
      - path: /up/*
        methods: [GET, POST, DELETE]
        handler: File
        file: www/up/
        directory_listing: true
      - path: /old
        return: 301 /new
`

type testServer struct {
	srv  *Server
	addr string
	dir  string
}

// startServer writes the site and cfgYAML into a temporary directory, starts ferrous on a free port and stops it
// when the test ends.
func startServer(t *testing.T, cfgYAML string) *testServer {
	t.Helper()
	dir := t.TempDir()
	for name, body := range site {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfgYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &testServer{srv: srv, addr: srv.Addrs()[0], dir: dir}
}

func (ts *testServer) dial(t *testing.T) *rawConn {
	t.Helper()
	return dialAddr(t, ts.addr)
}

func dialAddr(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawConn{Conn: c, r: bufio.NewReader(c), t: t}
}

// rawConn speaks raw bytes and reads responses with net/http's parser.
type rawConn struct {
	net.Conn
	r *bufio.Reader
	t *testing.T
}

func (rc *rawConn) send(s string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.Conn, s); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// read reads one response; method tells the parser whether a body follows (HEAD has none).
func (rc *rawConn) read(method string) (*http.Response, string) {
	rc.t.Helper()
	resp, err := http.ReadResponse(rc.r, &http.Request{Method: method})
	if err != nil {
		rc.t.Fatalf("reading response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		rc.t.Fatalf("reading body: %v", err)
	}
	resp.Body.Close()
	return resp, string(body)
}

// expectClosed asserts the server closes the connection (EOF, or a reset after lingering).
func (rc *rawConn) expectClosed() {
	rc.t.Helper()
	_ = rc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1)
	for {
		_, err := rc.r.Read(buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				rc.t.Fatal("connection still open")
			}
			return
		}
	}
}

func roundTrip(t *testing.T, addr, raw, method string) (*http.Response, string) {
	t.Helper()
	c := dialAddr(t, addr)
	c.send(raw)
	return c.read(method)
}

func dialNoFail(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return c, err
}
