//go:build linux

package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStatusesOverRawTCP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	long := strings.Repeat("a", 9000)
	manyFields := strings.Repeat("X-F: 1\r\n", 101)
	bigField := "X-Big: " + strings.Repeat("b", 33*1024) + "\r\n"
	tests := []struct {
		name       string
		raw        string
		method     string
		status     int
		wantClose  bool
		bodyHas    string
		headerWant map[string]string
	}{
		{name: "get index", raw: "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", status: 200, bodyHas: "home"},
		{name: "get file", raw: "GET /static/app.css HTTP/1.1\r\nHost: localhost\r\n\r\n", status: 200,
			headerWant: map[string]string{"Content-Type": "text/css; charset=utf-8", "X-Content-Type-Options": "nosniff", "Accept-Ranges": "bytes"}},
		{name: "missing host", raw: "GET / HTTP/1.1\r\n\r\n", status: 400, wantClose: true},
		{name: "duplicate host", raw: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400, wantClose: true},
		{name: "space before colon", raw: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", status: 400, wantClose: true},
		{name: "obs-fold", raw: "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", status: 400, wantClose: true},
		{name: "no colon", raw: "GET / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n", status: 400, wantClose: true},
		{name: "nul in value", raw: "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00c\r\n\r\n", status: 400, wantClose: true},
		{name: "userinfo host", raw: "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", status: 400, wantClose: true},
		{name: "bad port host", raw: "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", status: 400, wantClose: true},
		{name: "cl and te", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, wantClose: true},
		{name: "conflicting cl", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", status: 400, wantClose: true},
		{name: "bad cl", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3x\r\n\r\nabc", status: 400, wantClose: true},
		{name: "gzip te", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", status: 501, wantClose: true},
		{name: "te without final chunked", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", status: 400, wantClose: true},
		{name: "http2 version", raw: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", status: 505, wantClose: true},
		{name: "long target", raw: "GET /" + long + " HTTP/1.1\r\nHost: a\r\n\r\n", status: 414, wantClose: true},
		{name: "too many fields", raw: "GET / HTTP/1.1\r\nHost: a\r\n" + manyFields + "\r\n", status: 431, wantClose: true},
		{name: "huge field", raw: "GET / HTTP/1.1\r\nHost: a\r\n" + bigField + "\r\n", status: 431, wantClose: true},
		{name: "unknown method", raw: "BREW / HTTP/1.1\r\nHost: a\r\n\r\n", status: 501},
		{name: "method not allowed", raw: "DELETE /static/app.css HTTP/1.1\r\nHost: a\r\n\r\n", status: 405,
			headerWant: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
		{name: "custom 404", raw: "GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n", status: 404, bodyHas: "custom not found"},
		{name: "options star", raw: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", status: 200, headerWant: map[string]string{"Allow": "GET, HEAD, POST, DELETE, OPTIONS"}},
		{name: "get star", raw: "GET * HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, wantClose: true},
		{name: "options route", raw: "OPTIONS /static/ HTTP/1.1\r\nHost: a\r\n\r\n", status: 200, headerWant: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
		{name: "tab as ows", raw: "GET / HTTP/1.1\r\nHost:\tlocalhost\r\n\r\n", status: 200},
		{name: "redirect", raw: "GET /old HTTP/1.1\r\nHost: a\r\n\r\n", status: 301, headerWant: map[string]string{"Location": "/new"}},
		{name: "dir without slash", raw: "GET /static/sub HTTP/1.1\r\nHost: a\r\n\r\n", status: 301, headerWant: map[string]string{"Location": "/static/sub/"}},
		{name: "listing", raw: "GET /static/ HTTP/1.1\r\nHost: a\r\n\r\n", status: 200, bodyHas: "app.css"},
		{name: "no listing", raw: "GET /nolist/sub/ HTTP/1.1\r\nHost: a\r\n\r\n", status: 403},
		{name: "body too large", raw: "POST /up/ HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n", status: 413, wantClose: true},
		{name: "http10 closes", raw: "GET / HTTP/1.0\r\n\r\n", status: 200, wantClose: true},
		{name: "expect refused", raw: "POST /up/ HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n", status: 413, wantClose: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := ts.dial(t)
			c.send(tt.raw)
			method := tt.method
			if method == "" {
				method = "GET"
			}
			resp, body := c.read(method)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, tt.status, body)
			}
			if resp.Header.Get("Date") == "" {
				t.Error("response without Date")
			}
			if resp.Header.Get("Server") != "ferrous" {
				t.Errorf("Server = %q", resp.Header.Get("Server"))
			}
			if tt.bodyHas != "" && !strings.Contains(body, tt.bodyHas) {
				t.Errorf("body %q lacks %q", body, tt.bodyHas)
			}
			for k, v := range tt.headerWant {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tt.wantClose {
				if !resp.Close {
					t.Error("response lacks Connection: close")
				}
				c.expectClosed()
				return
			}
			// The connection must still serve a request.
			c.send("GET /static/app.css HTTP/1.1\r\nHost: a\r\n\r\n")
			if resp, _ := c.read("GET"); resp.StatusCode != 200 {
				t.Fatalf("follow-up status %d", resp.StatusCode)
			}
		})
	}
}

func TestTraversalNeverServesOutside(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	for _, target := range []string{
		"/../outside.txt", "/static/../../outside.txt", "/%2e%2e/outside.txt", "/static/%2e%2e/%2e%2e/outside.txt",
		"/static/..%2f..%2foutside.txt", "/static/..%5c..%5coutside.txt", "/static/%00", "/static/.secret",
		"/static/sub/%2e%2e/%2e%2e/%2e%2e/outside.txt", "/static/a\\..\\..\\outside.txt",
	} {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			resp, body := roundTrip(t, ts.addr, "GET "+target+" HTTP/1.1\r\nHost: a\r\n\r\n", "GET")
			if strings.Contains(body, "must never be served") || strings.Contains(body, "hidden") {
				t.Fatalf("served a file outside the root: %d %q", resp.StatusCode, body)
			}
			if resp.StatusCode < 400 {
				t.Fatalf("status %d for %s", resp.StatusCode, target)
			}
		})
	}
}

func TestKeepAliveAndPipelining(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	c := ts.dial(t)
	for i := 0; i < 3; i++ {
		c.send("GET /static/612.html HTTP/1.1\r\nHost: a\r\n\r\n")
		resp, body := c.read("GET")
		if resp.StatusCode != 200 || len(body) != 612 {
			t.Fatalf("request %d: %d, %d bytes", i, resp.StatusCode, len(body))
		}
	}
	// Three requests in one write come back in order.
	c.send("GET /static/app.css HTTP/1.1\r\nHost: a\r\n\r\nHEAD /static/612.html HTTP/1.1\r\nHost: a\r\n\r\nGET /static/sub/a.txt HTTP/1.1\r\nHost: a\r\n\r\n")
	want := []struct {
		method, body string
		length       string
	}{{"GET", "body{}\n", "7"}, {"HEAD", "", "612"}, {"GET", "sub file\n", "9"}}
	for i, w := range want {
		resp, body := c.read(w.method)
		if resp.StatusCode != 200 || body != w.body || resp.Header.Get("Content-Length") != w.length {
			t.Fatalf("pipelined %d: status %d body %q length %s", i, resp.StatusCode, body, resp.Header.Get("Content-Length"))
		}
	}
}

func TestConditionalAndRanges(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	resp, _ := roundTrip(t, ts.addr, "GET /static/612.html HTTP/1.1\r\nHost: a\r\n\r\n", "GET")
	etag, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lastMod == "" {
		t.Fatalf("validators missing: %q %q", etag, lastMod)
	}
	tests := []struct {
		name, headers string
		status        int
		body          string
		contentRange  string
	}{
		{"if-none-match", "If-None-Match: " + etag + "\r\n", 304, "", ""},
		{"if-none-match other", "If-None-Match: \"nope\"\r\n", 200, strings.Repeat("x", 612), ""},
		{"if-modified-since", "If-Modified-Since: " + lastMod + "\r\n", 304, "", ""},
		{"range", "Range: bytes=10-19\r\n", 206, strings.Repeat("x", 10), "bytes 10-19/612"},
		{"suffix range", "Range: bytes=-2\r\n", 206, "xx", "bytes 610-611/612"},
		{"unsatisfiable", "Range: bytes=700-800\r\n", 416, "", "bytes */612"},
		{"if-range stale", "Range: bytes=0-1\r\nIf-Range: \"other\"\r\n", 200, strings.Repeat("x", 612), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := roundTrip(t, ts.addr, "GET /static/612.html HTTP/1.1\r\nHost: a\r\n"+tt.headers+"\r\n", "GET")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != 416 && body != tt.body {
				t.Errorf("body %q, want %q", body, tt.body)
			}
			if got := resp.Header.Get("Content-Range"); got != tt.contentRange {
				t.Errorf("Content-Range %q, want %q", got, tt.contentRange)
			}
		})
	}
}

func TestHeadMatchesGet(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	get, body := roundTrip(t, ts.addr, "GET /static/612.html HTTP/1.1\r\nHost: a\r\n\r\n", "GET")
	head, hbody := roundTrip(t, ts.addr, "HEAD /static/612.html HTTP/1.1\r\nHost: a\r\n\r\n", "HEAD")
	if len(body) != 612 || hbody != "" {
		t.Fatalf("bodies: get %d, head %d", len(body), len(hbody))
	}
	for _, h := range []string{"Content-Length", "Content-Type", "ETag", "Last-Modified"} {
		if get.Header.Get(h) != head.Header.Get(h) {
			t.Errorf("%s: GET %q, HEAD %q", h, get.Header.Get(h), head.Header.Get(h))
		}
	}
}

func TestVirtualHostsAndPorts(t *testing.T) {
	t.Parallel()
	cfg := baseConfig + `
  - host: 127.0.0.1
    port: 0
    server_name: other.test
    routes:
      - path: /
        handler: File
        file: www/other/
`
	ts := startServer(t, cfg)
	addrs := ts.srv.Addrs()
	if len(addrs) != 2 {
		t.Fatalf("want two listeners (port 0 twice), got %v", addrs)
	}
	_, body := roundTrip(t, addrs[1], "GET / HTTP/1.1\r\nHost: other.test\r\n\r\n", "GET")
	if !strings.Contains(body, "other host") {
		t.Fatalf("second server: %q", body)
	}
}

func TestHostSelectsServerOnSharedPort(t *testing.T) {
	t.Parallel()
	// Two server blocks on one fixed free port: the Host header decides.
	probe := startServer(t, baseConfig)
	port := probe.addr[strings.LastIndexByte(probe.addr, ':')+1:]
	probe.srv.Shutdown(t.Context())
	cfg := strings.Replace(baseConfig, "port: 0", "port: "+port, 1) + `
  - host: 127.0.0.1
    port: ` + port + `
    server_name: [Other.Test, alias.test]
    routes:
      - path: /
        handler: File
        file: www/other/
`
	ts := startServer(t, cfg)
	for host, want := range map[string]string{
		"localhost": "home", "OTHER.test:" + port: "other host", "alias.test": "other host", "unknown.test": "home", "": "home",
	} {
		_, body := roundTrip(t, ts.addr, "GET / HTTP/1.1\r\nHost: "+host+"\r\n\r\n", "GET")
		if !strings.Contains(body, want) {
			t.Errorf("Host %q: body %q, want %q", host, body, want)
		}
	}
}

func TestIdleTimeoutClosesConnection(t *testing.T) {
	t.Parallel()
	ts := startServer(t, strings.Replace(baseConfig, "connection_timeout_secs: 60", "connection_timeout_secs: 1", 1))
	c := ts.dial(t)
	c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	c.read("GET")
	start := time.Now()
	c.expectClosed()
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("idle connection closed after %v", d)
	}
}

func TestSlowHeaderGets408(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig) // header_timeout_secs: 2
	c := ts.dial(t)
	c.send("GET / HTTP/1.1\r\nHost: a\r\n")
	resp, _ := c.read("GET")
	if resp.StatusCode != 408 {
		t.Fatalf("status %d, want 408", resp.StatusCode)
	}
	c.expectClosed()
}

func TestExpectContinue(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	c := ts.dial(t)
	body := "--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"e.txt\"\r\n\r\nabcd\r\n--XX--\r\n"
	c.send(fmt.Sprintf("POST /up/ HTTP/1.1\r\nHost: a\r\nContent-Type: multipart/form-data; boundary=XX\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", len(body)))
	interim, _ := c.read("POST")
	if interim.StatusCode != 100 {
		t.Fatalf("want 100 Continue first, got %d", interim.StatusCode)
	}
	c.send(body)
	resp, _ := c.read("POST")
	if resp.StatusCode != 201 || resp.Header.Get("Location") != "/up/e.txt" {
		t.Fatalf("final: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestChunkedBodyIsReadAndConnectionReused(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	c := ts.dial(t)
	c.send("GET /static/app.css HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n3 ; ext = \"v\"\r\nabc\r\n0\r\n\r\n" +
		"GET /static/sub/a.txt HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, _ := c.read("GET")
	if resp.StatusCode != 404 && resp.StatusCode != 200 {
		t.Fatalf("first: %d", resp.StatusCode)
	}
	if resp.Close {
		return // closing after an unread chunked body is acceptable
	}
	resp, body := c.read("GET")
	if resp.StatusCode != 200 || body != "sub file\n" {
		t.Fatalf("second: %d %q", resp.StatusCode, body)
	}
}

func TestBareLFInChunkFramingRejected(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	c := ts.dial(t)
	c.send("POST /up/ HTTP/1.1\r\nHost: a\r\nContent-Type: multipart/form-data; boundary=XX\r\n" +
		"Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n")
	resp, _ := c.read("POST")
	if resp.StatusCode != 400 {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
	c.expectClosed()
}

func TestNetHTTPClient(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	client := &http.Client{Timeout: 5 * time.Second}
	for i := 0; i < 20; i++ {
		resp, err := client.Get(fmt.Sprintf("http://%s/static/612.html", ts.addr))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(b) != 612 {
			t.Fatalf("%d %d", resp.StatusCode, len(b))
		}
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	c := ts.dial(t)
	c.send("GET / HTTP/1.1\r\nHost: a\r\n") // head in progress
	idle := ts.dial(t)
	idle.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	idle.read("GET")
	done := make(chan error, 1)
	go func() { done <- ts.srv.Shutdown(t.Context()) }()
	idle.expectClosed()
	// Once no loop accepts any more, every loop has begun draining.
	waitFor(t, func() bool { _, err := dialNoFail(ts.addr); return err != nil })
	c.send("\r\n")
	resp, _ := c.read("GET")
	if resp.StatusCode != 200 || !resp.Close {
		t.Fatalf("in-flight request: %d close=%v", resp.StatusCode, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestCachedFileFollowsChanges(t *testing.T) {
	t.Parallel()
	ts := startServer(t, strings.Replace(baseConfig, "workers: 2", "workers: 1", 1))
	p := ts.dir + "/www/static/changing.txt"
	if err := os.WriteFile(p, []byte("first"), 0o644); err != nil {
		t.Fatal(err)
	}
	get := func() (int, string) {
		resp, body := roundTrip(t, ts.addr, "GET /static/changing.txt HTTP/1.1\r\nHost: a\r\n\r\n", "GET")
		return resp.StatusCode, body
	}
	if _, body := get(); body != "first" {
		t.Fatalf("first read %q", body)
	}
	if _, body := get(); body != "first" { // now from the cache
		t.Fatalf("cached read %q", body)
	}
	// A new size and mtime must show within the one-second revalidation window.
	if err := os.WriteFile(p, []byte("second version"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, body := get(); return body == "second version" })
	os.Remove(p)
	waitFor(t, func() bool { status, _ := get(); return status == 404 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 3s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestListingEscapesHostileNames(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	name := `<img src=x onerror=alert(1)>&"q".txt`
	if err := os.WriteFile(ts.dir+"/www/static/"+name, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, body := roundTrip(t, ts.addr, "GET /static/ HTTP/1.1\r\nHost: a\r\n\r\n", "GET")
	if strings.Contains(body, "<img") || !strings.Contains(body, "&lt;img") {
		t.Fatalf("listing does not escape: %s", body)
	}
	if strings.Contains(body, ".secret") {
		t.Fatal("listing shows a dotfile")
	}
}

func TestTricklingBodyGets408(t *testing.T) {
	t.Parallel()
	ts := startServer(t, strings.Replace(baseConfig, "header_timeout_secs: 2", "header_timeout_secs: 2\nbody_timeout_secs: 2", 1))
	c := ts.dial(t)
	body := "--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"slow.txt\"\r\n\r\n"
	c.send("POST /up/ HTTP/1.1\r\nHost: a\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: 900\r\n\r\n" + body)
	// One byte a second keeps every gap under body_timeout_secs, but the rate is far below the minimum.
	start := time.Now()
	go func() {
		for i := 0; i < 20; i++ {
			time.Sleep(time.Second)
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	resp, _ := c.read("POST")
	if resp.StatusCode != 408 {
		t.Fatalf("status %d, want 408", resp.StatusCode)
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Fatalf("408 after %v", d)
	}
	entries, _ := os.ReadDir(ts.dir + "/www/up")
	for _, e := range entries {
		if e.Name() == "slow.txt" {
			t.Fatal("partial upload stored")
		}
	}
}

func TestMaxRequestsPerConnection(t *testing.T) {
	t.Parallel()
	ts := startServer(t, strings.Replace(baseConfig, "workers: 2", "workers: 2\nmax_requests_per_connection: 2", 1))
	c := ts.dial(t)
	c.send("GET /static/app.css HTTP/1.1\r\nHost: a\r\n\r\nGET /static/app.css HTTP/1.1\r\nHost: a\r\n\r\n")
	if first, _ := c.read("GET"); first.Close {
		t.Fatal("first response closes")
	}
	if second, _ := c.read("GET"); !second.Close {
		t.Fatal("second response keeps the connection past max_requests_per_connection")
	}
	c.expectClosed()
}

func TestWriteTimeoutDropsClientThatDoesNotRead(t *testing.T) {
	t.Parallel()
	ts := startServer(t, strings.Replace(baseConfig, "workers: 2", "workers: 2\nwrite_timeout_secs: 1", 1))
	big := make([]byte, 64<<20)
	if err := os.WriteFile(ts.dir+"/www/static/big.bin", big, 0o644); err != nil {
		t.Fatal(err)
	}
	c := ts.dial(t)
	c.send("GET /static/big.bin HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(4 * time.Second) // the socket buffers fill and the server stops making progress
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _ := io.Copy(io.Discard, c.r)
	if n >= int64(len(big)) {
		t.Fatalf("read %d bytes: the server waited for a client that did not read", n)
	}
}

func init() {
	dispatchHook = func(path string) {
		if path == "/static/panic" {
			panic("a handler bug")
		}
	}
}

func TestPanicIsContainedToItsConnection(t *testing.T) {
	t.Parallel()
	ts := startServer(t, strings.Replace(baseConfig, "workers: 2", "workers: 1", 1))
	bystander := ts.dial(t)
	bystander.send("GET /static/app.css HTTP/1.1\r\nHost: a\r\n\r\n")
	bystander.read("GET")
	victim := ts.dial(t)
	victim.send("GET /static/panic HTTP/1.1\r\nHost: a\r\n\r\n")
	victim.expectClosed()
	// The same loop still serves the other connection and new ones.
	bystander.send("GET /static/app.css HTTP/1.1\r\nHost: a\r\n\r\n")
	if resp, _ := bystander.read("GET"); resp.StatusCode != 200 {
		t.Fatalf("bystander after the panic: %d", resp.StatusCode)
	}
	if resp, _ := roundTrip(t, ts.addr, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET"); resp.StatusCode != 200 {
		t.Fatalf("new connection after the panic: %d", resp.StatusCode)
	}
}

func TestConnectionCapPausesAccepting(t *testing.T) {
	t.Parallel()
	ts := startServer(t, strings.Replace(baseConfig, "workers: 2", "workers: 1\nmax_connections: 2", 1))
	first, second := ts.dial(t), ts.dial(t)
	for _, c := range []*rawConn{first, second} {
		c.send("GET /static/app.css HTTP/1.1\r\nHost: a\r\n\r\n")
		c.read("GET")
	}
	// The kernel completes the third handshake, but ferrous does not take the connection while at the cap.
	third := ts.dial(t)
	third.send("GET /static/app.css HTTP/1.1\r\nHost: a\r\n\r\n")
	_ = third.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
	if _, err := third.r.Peek(1); err == nil {
		t.Fatal("a connection over max_connections was served")
	}
	first.Close()
	_ = third.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, _ := third.read("GET"); resp.StatusCode != 200 {
		t.Fatalf("after a slot freed: %d", resp.StatusCode)
	}
}

// TestFileChangedWhileSending: a file replaced by rename mid-response is sent whole from the open descriptor (the
// old content); one truncated mid-response ends the connection early instead of sending a false length.
func TestFileChangedWhileSending(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseConfig)
	const size = 32 << 20
	old := bytes.Repeat([]byte("o"), size)
	for _, tc := range []struct {
		name   string
		change func(path string) error
		whole  bool
	}{
		{"replaced", func(p string) error {
			if err := os.WriteFile(p+".new", []byte("new"), 0o644); err != nil {
				return err
			}
			return os.Rename(p+".new", p)
		}, true},
		{"truncated", func(p string) error { return os.Truncate(p, 0) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(ts.dir, "www/static", tc.name+".bin")
			if err := os.WriteFile(p, old, 0o644); err != nil {
				t.Fatal(err)
			}
			c := ts.dial(t)
			c.send("GET /static/" + tc.name + ".bin HTTP/1.1\r\nHost: a\r\n\r\n")
			resp, err := http.ReadResponse(c.r, &http.Request{Method: "GET"})
			if err != nil {
				t.Fatal(err)
			}
			first := make([]byte, 1<<20)
			if _, err := io.ReadFull(resp.Body, first); err != nil {
				t.Fatal(err)
			}
			if err := tc.change(p); err != nil {
				t.Fatal(err)
			}
			rest, err := io.ReadAll(resp.Body)
			got := len(first) + len(rest)
			if tc.whole {
				if err != nil || got != size || !bytes.Equal(rest, old[:len(rest)]) {
					t.Fatalf("replaced file: %d of %d bytes, err %v", got, size, err)
				}
				return
			}
			if err == nil || got >= size {
				t.Fatalf("truncated file: %d of %d bytes and err %v; want an early end", got, size, err)
			}
			c.expectClosed()
		})
	}
}
