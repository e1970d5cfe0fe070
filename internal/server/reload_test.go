//go:build linux

package server

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ferrous/internal/config"
)

func TestReloadKeepsConnectionsAndSwapsRoutes(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	c := ts.dial(t)
	c.send("GET /static/app.css HTTP/1.1\r\nHost: a\r\n\r\n")
	if resp, _ := c.read("GET"); resp.StatusCode != 200 {
		t.Fatalf("before reload: %d", resp.StatusCode)
	}
	// The new config drops /static/, adds a second listener, and keeps the first port.
	port := ts.addr[strings.LastIndexByte(ts.addr, ':')+1:]
	next := strings.Replace(baseConfig, "port: 0", "port: "+port, 1)
	next = strings.Replace(next, "      - path: /static/*\n", "      - path: /assets/*\n", 1) + `
  - host: 127.0.0.1
    port: 0
    routes:
      - path: /
        handler: File
        file: www/other/
`
	cfg := loadConfig(t, ts.dir, next)
	if err := ts.srv.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	// Same connection, new routes.
	c.send("GET /assets/app.css HTTP/1.1\r\nHost: a\r\n\r\nGET /static/ HTTP/1.1\r\nHost: a\r\n\r\n")
	if resp, _ := c.read("GET"); resp.StatusCode != 200 {
		t.Fatalf("new route on the old connection: %d", resp.StatusCode)
	}
	// /static/ now falls to the "/" route, which has no listing.
	if resp, _ := c.read("GET"); resp.StatusCode != 403 {
		t.Fatalf("removed listing route still served: %d", resp.StatusCode)
	}
	addrs := ts.srv.Addrs()
	if len(addrs) != 2 {
		t.Fatalf("listeners after reload: %v", addrs)
	}
	if _, body := roundTrip(t, addrs[1], "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET"); !strings.Contains(body, "other host") {
		t.Fatalf("new listener: %q", body)
	}
	// Reloading back to one listener closes the second.
	if err := ts.srv.Reload(loadConfig(t, ts.dir, strings.Replace(baseConfig, "port: 0", "port: "+port, 1))); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.Dial("tcp", addrs[1]); err == nil {
		conn.Close()
		t.Fatal("removed listener still accepts")
	}
	c.send("GET /static/app.css HTTP/1.1\r\nHost: a\r\n\r\n")
	if resp, _ := c.read("GET"); resp.StatusCode != 200 {
		t.Fatalf("after second reload: %d", resp.StatusCode)
	}
}

func TestReloadFailureKeepsRunningConfig(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	// A port already taken by someone else: the reload must fail and change nothing.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	port := ts.addr[strings.LastIndexByte(ts.addr, ':')+1:]
	next := strings.Replace(baseConfig, "port: 0", "port: "+port, 1) + `
  - host: 127.0.0.1
    port: ` + strconv.Itoa(busyPort) + `
    routes:
      - path: /
        handler: File
        file: www/other/
`
	if err := ts.srv.Reload(loadConfig(t, ts.dir, next)); err == nil {
		t.Fatal("reload onto a busy port succeeded")
	}
	if resp, _ := roundTrip(t, ts.addr, "GET /static/app.css HTTP/1.1\r\nHost: a\r\n\r\n", "GET"); resp.StatusCode != 200 {
		t.Fatalf("old config broken after failed reload: %d", resp.StatusCode)
	}
}

func loadConfig(t *testing.T, dir, yaml string) *config.Config {
	t.Helper()
	p := filepath.Join(dir, "next.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
