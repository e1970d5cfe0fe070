//go:build linux

package spec

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// Short timeouts for the tests of what happens when they expire, in seconds.
const (
	shortTimeout = 1
	// idleTimeout is above the one-second granularity of the server's timers, so that a connection is not
	// dropped between accept and its first request.
	idleTimeout = 2
	// silence is how long a test waits to show that the server sends nothing.
	silence = 300 * time.Millisecond
)

func dial(t *testing.T, addr string) *WireConn {
	t.Helper()
	c, err := Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t *testing.T, c *WireConn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatalf("writing: %v", err)
	}
}

// read reads one response and fails on any sender-rule violation.
func read(t *testing.T, c *WireConn, toHEAD bool) *Response {
	t.Helper()
	resp, err := ReadResponse(c.Reader, toHEAD)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range CheckResponse(resp, false) {
		t.Errorf("%v\n%s", err, resp.RawHead)
	}
	return resp
}

// expectSilence fails if the server sends anything within d.
func expectSilence(t *testing.T, c *WireConn, d time.Duration) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
		t.Fatal(err)
	}
	b, err := c.Reader.Peek(1)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("expected silence, got %q, %v", b, err)
	}
	if err := c.SetReadDeadline(time.Now().Add(exchangeTimeout)); err != nil {
		t.Fatal(err)
	}
}

// filesLeft lists what /files/ holds, temporary files included.
func filesLeft(t *testing.T, ls *LiveServer) []string {
	t.Helper()
	entries, err := os.ReadDir(ls.FilesDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestExpectContinue(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t)
	body := formBody("expected.txt", "expected content")
	uploadHead := func(version string, extra ...string) string {
		fields := append([]string{liveHost, formContentType, fmt.Sprintf("Content-Length: %d", len(body))}, extra...)
		return head("POST /files/ "+version, fields...)
	}
	tests := []struct {
		name string
		run  func(t *testing.T, c *WireConn)
	}{
		{name: "100 before the content, then the final status", run: func(t *testing.T, c *WireConn) {
			send(t, c, uploadHead("HTTP/1.1", "Expect: 100-continue"))
			interim := read(t, c, false)
			if interim.Status != 100 {
				t.Fatalf("got %d before sending the content, want 100 (Continue)", interim.Status)
			}
			for _, f := range []string{"Content-Length", "Transfer-Encoding"} {
				if _, ok := interim.Get(f); ok {
					t.Errorf("100 (Continue) carries %s", f)
				}
			}
			send(t, c, body)
			if final := read(t, c, false); final.Status != 201 {
				t.Fatalf("final status %d, want 201", final.Status)
			}
		}},
		{name: "a final status decided from the head comes at once", run: func(t *testing.T, c *WireConn) {
			send(t, c, head("POST /files/ HTTP/1.1", liveHost, formContentType, "Content-Length: 70000", "Expect: 100-continue"))
			if resp := read(t, c, false); resp.Status != 413 {
				t.Fatalf("status %d, want 413 without waiting for the content", resp.Status)
			}
		}},
		{name: "HTTP/1.0 gets no 100", run: func(t *testing.T, c *WireConn) {
			send(t, c, uploadHead("HTTP/1.0", "Expect: 100-continue"))
			expectSilence(t, c, silence)
			send(t, c, body)
			if resp := read(t, c, false); resp.Status != 201 {
				t.Fatalf("status %d, want the final 201 and no 100", resp.Status)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, dial(t, ls.Addr))
		})
	}
}

func TestIncompleteBodyIsNotProcessed(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t)
	c := dial(t, ls.Addr)
	msg := upload(formBody("partial.txt", strings.Repeat("p", 1000)))
	send(t, c, msg[:len(msg)-200])
	if err := c.Conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if err := c.ExpectClosed(); err != nil {
		t.Fatalf("after the client closed mid-body: %v", err)
	}
	if left := filesLeft(t, ls); len(left) > 0 {
		t.Fatalf("an incomplete upload left %q", left)
	}
}

func TestTimeoutsAnswer408AndClose(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t, WithTimeouts(idleTimeout, shortTimeout, shortTimeout))
	tests := []struct {
		name string
		run  func(t *testing.T, c *WireConn)
	}{
		{name: "stalled head", run: func(t *testing.T, c *WireConn) {
			send(t, c, "GET / HTTP/1.1\r\nHost: localhost\r\n")
			expect408(t, c)
		}},
		{name: "stalled body", run: func(t *testing.T, c *WireConn) {
			msg := upload(formBody("stalled.txt", strings.Repeat("s", 1000)))
			send(t, c, msg[:len(msg)-200])
			expect408(t, c)
			if left := filesLeft(t, ls); len(left) > 0 {
				t.Fatalf("a stalled upload left %q", left)
			}
		}},
		{name: "idle keep-alive connection", run: func(t *testing.T, c *WireConn) {
			send(t, c, get("/"))
			if resp := read(t, c, false); resp.Status != 200 || resp.Closes() {
				t.Fatalf("status %d, close %v", resp.Status, resp.Closes())
			}
			// A graceful close is a FIN: the client reads end of stream, not a reset and not a response.
			if _, err := c.Reader.ReadByte(); !errors.Is(err, io.EOF) {
				t.Fatalf("idle connection: want end of stream, got %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, dial(t, ls.Addr))
		})
	}
}

func expect408(t *testing.T, c *WireConn) {
	t.Helper()
	resp := read(t, c, false)
	if resp.Status != 408 {
		t.Fatalf("status %d, want 408", resp.Status)
	}
	if !resp.Closes() {
		t.Errorf("408 without Connection: close\n%s", resp.RawHead)
	}
	if err := c.ExpectClosed(); err != nil {
		t.Fatal(err)
	}
}

func TestClientCloseIsNoticed(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t) // header timeout 10 s: only noticing the close ends the connection sooner
	c := dial(t, ls.Addr)
	send(t, c, "GET / HTTP/1.1\r\nHo")
	if err := c.Conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.ExpectClosed(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > liveHeaderTimeoutSecs*time.Second/2 {
		t.Fatalf("the server took %v to notice the client's close", d)
	}
}

// pipelineDepth is enough requests for their responses (about 900 bytes each) to exceed the 256 KiB the
// server buffers before it stops reading.
const pipelineDepth = 400

func TestPipelineBackpressure(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t)
	c := dial(t, ls.Addr)
	written := make(chan error, 1)
	go func() {
		_, err := io.WriteString(c, strings.Repeat(get("/static/612.html"), pipelineDepth))
		written <- err
	}()
	for i := range pipelineDepth {
		resp, err := ReadResponse(c.Reader, false)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		if resp.Status != 200 || len(resp.Body) != 612 {
			t.Fatalf("response %d: status %d, %d bytes", i, resp.Status, len(resp.Body))
		}
	}
	if err := <-written; err != nil {
		t.Fatal(err)
	}
}

func TestHeadMatchesGet(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t)
	tests := []struct {
		name     string
		path     string
		knownBug string
	}{
		{name: "file", path: "/static/612.html"},
		{name: "index", path: "/"},
		{name: "error page", path: "/nope"},
		{name: "redirect", path: "/old"},
		{name: "other host", path: "http://" + OtherHost + "/"},
		{name: "CGI", path: "/cgi-bin/hello.sh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.knownBug != "" && !*runKnownBugs {
				t.Skip("known bug: " + tt.knownBug)
			}
			c := dial(t, ls.Addr)
			send(t, c, get(tt.path)+head("HEAD "+tt.path+" HTTP/1.1", liveHost))
			getResp, headResp := read(t, c, false), read(t, c, true)
			if cl, ok := headResp.Get("Content-Length"); ok && cl != fmt.Sprint(len(getResp.Body)) {
				t.Errorf("violates 9110-8.6-head-cl: HEAD Content-Length %s, GET sends %d bytes", cl, len(getResp.Body))
			}
			if got, want := fieldsExcept(headResp, "Date", "Content-Length"), fieldsExcept(getResp, "Date", "Content-Length", "Transfer-Encoding"); got != want {
				t.Errorf("HEAD fields\n%s\nGET fields\n%s", got, want)
			}
			// The HEAD response has no content: the next response starts right after its head.
			send(t, c, followUp)
			if resp := read(t, c, false); resp.Status != 200 {
				t.Fatalf("after HEAD: status %d", resp.Status)
			}
		})
	}
}

// fieldsExcept renders a response's fields, less the named ones, for comparison.
func fieldsExcept(r *Response, skip ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", r.Status)
next:
	for _, f := range r.Fields {
		for _, s := range skip {
			if strings.EqualFold(f[0], s) {
				continue next
			}
		}
		fmt.Fprintf(&b, "%s: %s\n", f[0], f[1])
	}
	return b.String()
}

func TestConditionalResponses(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t)
	c := dial(t, ls.Addr)
	send(t, c, get("/static/a.txt"))
	full := read(t, c, false)
	etag, _ := full.Get("ETag")
	lastModified, _ := full.Get("Last-Modified")
	tests := []struct {
		name, field string
	}{
		{name: "If-None-Match", field: "If-None-Match: " + etag},
		{name: "If-Modified-Since", field: "If-Modified-Since: " + lastModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, ls.Addr)
			send(t, c, head("GET /static/a.txt HTTP/1.1", liveHost, tt.field))
			resp := read(t, c, false)
			if resp.Status != 304 {
				t.Fatalf("status %d, want 304", resp.Status)
			}
			if got, _ := resp.Get("ETag"); got != etag {
				t.Errorf("violates 9110-15.4.5-304-fields: ETag %q, the 200 had %q", got, etag)
			}
			if _, ok := resp.Get("Date"); !ok {
				t.Error("violates 9110-15.4.5-304-fields: no Date")
			}
			for _, f := range []string{"Content-Length", "Content-Type", "Transfer-Encoding"} {
				if v, ok := resp.Get(f); ok {
					t.Errorf("304 carries %s: %q", f, v)
				}
			}
			send(t, c, followUp)
			if next := read(t, c, false); next.Status != 200 {
				t.Fatalf("after 304: status %d (content after a 304?)", next.Status)
			}
		})
	}
}

// TestConditionalDateFormats sends If-Modified-Since in each HTTP-date format: the file's own modification time
// must give 304, a second earlier 200, which shows the date was parsed rather than ignored.
func TestConditionalDateFormats(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t)
	c := dial(t, ls.Addr)
	send(t, c, get("/static/a.txt"))
	lm, _ := read(t, c, false).Get("Last-Modified")
	modified, err := time.Parse(imfFixdate, lm)
	if err != nil {
		t.Fatal(err)
	}
	formats := []struct {
		name, layout string
	}{
		{name: "IMF-fixdate", layout: imfFixdate},
		{name: "RFC 850", layout: "Monday, 02-Jan-06 15:04:05 GMT"},
		{name: "asctime", layout: "Mon Jan _2 15:04:05 2006"},
	}
	for _, f := range formats {
		for _, tt := range []struct {
			name   string
			at     time.Time
			status int
		}{{"same time", modified, 304}, {"a second earlier", modified.Add(-time.Second), 200}} {
			t.Run(f.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				c := dial(t, ls.Addr)
				send(t, c, head("GET /static/a.txt HTTP/1.1", liveHost, "If-Modified-Since: "+tt.at.UTC().Format(f.layout)))
				if resp := read(t, c, false); resp.Status != tt.status {
					t.Fatalf("If-Modified-Since %q: status %d, want %d", tt.at.UTC().Format(f.layout), resp.Status, tt.status)
				}
			})
		}
	}
}

func TestNoResponseBeforeHeadIsComplete(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t)
	c := dial(t, ls.Addr)
	msg := get("/")
	// Prefixes of the head, sent as it grows, get no answer; the final CRLF brings one. (PropSplitInvariance
	// covers every split point at the parser.)
	for _, piece := range Pieces([]byte(msg[:len(msg)-1]), []int{1, 4, 15, 17, len(msg) - 3}) {
		send(t, c, string(piece))
		expectSilence(t, c, silence/3)
	}
	send(t, c, msg[len(msg)-1:])
	if resp := read(t, c, false); resp.Status != 200 {
		t.Fatalf("status %d", resp.Status)
	}
}

func TestServerModel(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t)
	rapid.Check(t, ls.PropServerModel)
}

// TestDeletedFileIsGone: once DELETE has been answered 204, the file is no longer served, and a new upload
// under its name is served with the new content, also right away on the same connection.
func TestDeletedFileIsGone(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t)
	c := dial(t, ls.Addr)
	send(t, c, upload(formBody("fleeting.txt", "first"))+get("/files/fleeting.txt")+
		head("DELETE /files/fleeting.txt HTTP/1.1", liveHost)+get("/files/fleeting.txt")+
		upload(formBody("fleeting.txt", "second version"))+get("/files/fleeting.txt"))
	for i, want := range []struct {
		status int
		body   string
	}{{201, ""}, {200, "first"}, {204, ""}, {404, ""}, {201, ""}, {200, "second version"}} {
		resp := read(t, c, false)
		if resp.Status != want.status || (want.body != "" && string(resp.Body) != want.body) {
			t.Fatalf("response %d: %d %q, want %d %q", i+1, resp.Status, truncate(resp.Body), want.status, want.body)
		}
	}
}
