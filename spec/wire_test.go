//go:build linux

package spec

import (
	"errors"
	"flag"
	"strings"
	"testing"
)

var runKnownBugs = flag.Bool("spec.knownbugs", false, "also replay the wire examples that expose known bugs (they fail until the bugs are fixed)")

// followUp is sent after an example that must leave the connection open, to show that it still serves.
var followUp = get("/static/a.txt")

// TestWireReplay sends every wire example of the requirements table to a live ferrous and checks the
// statuses, the connection's fate, the example's field and body expectations, and the sender rules on every
// response.
func TestWireReplay(t *testing.T) {
	t.Parallel()
	ls := StartLiveServer(t)
	for _, r := range Requirements {
		if len(r.Wire) == 0 {
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			t.Parallel()
			for _, w := range r.Wire {
				t.Run(w.Name, func(t *testing.T) {
					t.Parallel()
					if w.KnownBug != "" && !*runKnownBugs {
						t.Skip("known bug: " + w.KnownBug)
					}
					replay(t, ls.Addr, w)
				})
			}
		})
	}
}

func replay(t *testing.T, addr string, w Wire) {
	c, err := Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The server may answer and stop reading before a long request is written; write concurrently.
	written := make(chan error, 1)
	go func() {
		_, err := c.Write([]byte(w.Request))
		written <- err
	}()
	toHTTP10 := strings.Contains(strings.SplitN(strings.TrimLeft(w.Request, "\r\n"), "\r\n", 2)[0], "HTTP/1.0")
	var last *Response
	for i, want := range w.Statuses {
		resp, err := ReadResponse(c.Reader, w.Head && i == 0)
		if err != nil {
			t.Fatalf("response %d of %d: %v", i+1, len(w.Statuses), err)
		}
		if resp.Status != want {
			t.Fatalf("response %d: status %d, want %d\n%s%s", i+1, resp.Status, want, resp.RawHead, truncate(resp.Body))
		}
		for _, err := range CheckResponse(resp, toHTTP10) {
			t.Errorf("response %d: %v\n%s", i+1, err, resp.RawHead)
		}
		last = resp
	}
	for name, want := range w.Header {
		if got, _ := last.Get(name); got != want {
			t.Errorf("%s = %q, want %q\n%s", name, got, want, last.RawHead)
		}
	}
	for _, name := range w.Absent {
		if got, ok := last.Get(name); ok {
			t.Errorf("%s: %q present, must be absent", name, got)
		}
	}
	if !strings.Contains(string(last.Body), w.Body) {
		t.Errorf("body %q lacks %q", truncate(last.Body), w.Body)
	}
	if w.Close {
		if !last.Closes() {
			t.Errorf("violates 9112-9.6-sender-close-option: the last response does not say close\n%s", last.RawHead)
		}
		if err := c.ExpectClosed(); err != nil {
			t.Error(err)
		}
		return
	}
	if last.Closes() {
		t.Fatalf("the response closes a connection that should persist\n%s", last.RawHead)
	}
	if err := <-written; err != nil {
		t.Fatalf("writing the request: %v", err)
	}
	if _, err := c.Write([]byte(followUp)); err != nil {
		t.Fatalf("writing the follow-up: %v", err)
	}
	resp, err := ReadResponse(c.Reader, false)
	if err != nil && !errors.Is(err, errMalformedResponse) {
		t.Fatalf("follow-up request on the persistent connection: %v", err)
	}
	if err != nil || resp.Status != 200 || string(resp.Body) != "static a\n" {
		t.Fatalf("follow-up request: %v %+v", err, resp)
	}
}
