package spec

import (
	"bufio"
	"strings"
	"testing"
)

// TestCheckResponseFlagsSenderErrors shows that each sender rule checked on every live response can fail, so
// the rows proven by those checks are proven by checks that bite.
func TestCheckResponseFlagsSenderErrors(t *testing.T) {
	t.Parallel()
	const (
		date = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		ok   = "HTTP/1.1 200 OK\r\n" + date + "Server: ferrous\r\nContent-Length: 2\r\n\r\nhi"
	)
	tests := []struct {
		name     string
		raw      string
		toHTTP10 bool
		wantRow  string // "" means the response is clean
	}{
		{name: "clean", raw: ok},
		{name: "clean chunked", raw: "HTTP/1.1 200 OK\r\n" + date + "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"},
		{name: "HTTP/1.0 status line", raw: strings.Replace(ok, "HTTP/1.1", "HTTP/1.0", 1), wantRow: "9110-6.2-no-unconformant-version"},
		{name: "no SP after the code", raw: "HTTP/1.1 204\r\n" + date + "\r\n", wantRow: "9112-4-reason-sp"},
		{name: "bare CR", raw: "HTTP/1.1 200 OK\r\n" + date + "X-A: a\rb\r\nContent-Length: 0\r\n\r\n", wantRow: "9112-2.2-sender-bare-cr"},
		{name: "bare LF", raw: "HTTP/1.1 200 OK\r\n" + date + "X-A: a\nContent-Length: 0\r\n\r\n", wantRow: "9112-2.2-sender-bare-cr"},
		{name: "whitespace after the status line", raw: "HTTP/1.1 200 OK\r\n " + date + "Content-Length: 0\r\n\r\n", wantRow: "9112-2.2-sender-ws-after-start-line"},
		{name: "folded field", raw: "HTTP/1.1 200 OK\r\n" + date + "X-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", wantRow: "9112-5.2-sender-no-fold"},
		{name: "repeated field", raw: "HTTP/1.1 200 OK\r\n" + date + "X-A: 1\r\nx-a: 2\r\nContent-Length: 0\r\n\r\n", wantRow: "9110-5.3-sender-repeat-fields"},
		{name: "Set-Cookie may repeat", raw: "HTTP/1.1 200 OK\r\n" + date + "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n"},
		{name: "Content-Length with Transfer-Encoding", raw: "HTTP/1.1 200 OK\r\n" + date + "Content-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			wantRow: "9112-6.2-no-cl-with-te"},
		{name: "Transfer-Encoding in 204", raw: "HTTP/1.1 204 No Content\r\n" + date + "Transfer-Encoding: chunked\r\n\r\n", wantRow: "9112-6.1-no-te-1xx-204"},
		{name: "Content-Length in 204", raw: "HTTP/1.1 204 No Content\r\n" + date + "Content-Length: 0\r\n\r\n", wantRow: "9110-8.6-no-cl-1xx-204"},
		{name: "Content-Length in 100", raw: "HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n", wantRow: "9110-8.6-no-cl-1xx-204"},
		{name: "Transfer-Encoding to HTTP/1.0", toHTTP10: true, raw: "HTTP/1.1 200 OK\r\n" + date + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			wantRow: "9112-6.1-te-http11-only"},
		{name: "no Date", raw: "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", wantRow: "9110-6.6.1-date"},
		{name: "100 without Date", raw: "HTTP/1.1 100 Continue\r\n\r\n"},
		{name: "RFC 850 Date", raw: "HTTP/1.1 200 OK\r\nDate: Sunday, 06-Nov-94 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n", wantRow: "9110-5.6.7-imf-fixdate"},
		{name: "Last-Modified not GMT", raw: "HTTP/1.1 200 OK\r\n" + date + "Last-Modified: Sun, 06 Nov 1994 08:49:37 UTC\r\nContent-Length: 0\r\n\r\n",
			wantRow: "9110-5.6.7-imf-fixdate"},
		{name: "Server with version", raw: "HTTP/1.1 200 OK\r\n" + date + "Server: ferrous/1.2.3\r\nContent-Length: 0\r\n\r\n", wantRow: "9110-10.2.4-server-detail"},
		{name: "empty Allow element", raw: "HTTP/1.1 405 Method Not Allowed\r\n" + date + "Allow: GET,, HEAD\r\nContent-Length: 0\r\n\r\n",
			wantRow: "9110-5.6.1-sender-empty-elements"},
		{name: "close-delimited", raw: "HTTP/1.1 200 OK\r\n" + date + "\r\nuntil the end", wantRow: "9112-6.3-length-delimited"},
		{name: "close-delimited to HTTP/1.0", toHTTP10: true, raw: "HTTP/1.1 200 OK\r\n" + date + "\r\nuntil the end"},
		{name: "trailer field", raw: "HTTP/1.1 200 OK\r\n" + date + "Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\r\n", wantRow: "9110-6.5.1-sender-trailers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := ReadResponse(bufio.NewReader(strings.NewReader(tt.raw)), false)
			if err != nil {
				t.Fatal(err)
			}
			errs := CheckResponse(resp, tt.toHTTP10)
			if tt.wantRow == "" {
				if len(errs) > 0 {
					t.Fatalf("clean response flagged: %v", errs)
				}
				return
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), tt.wantRow) {
					return
				}
			}
			t.Fatalf("want a violation of %s, got %v", tt.wantRow, errs)
		})
	}
}

func TestReadResponseBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		raw      string
		toHEAD   bool
		wantBody string
		wantErr  bool
	}{
		{name: "content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcNEXT", wantBody: "abc"},
		{name: "chunked", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\nNEXT", wantBody: "abcd"},
		{name: "close-delimited", raw: "HTTP/1.1 200 OK\r\n\r\nuntil the end", wantBody: "until the end"},
		{name: "HEAD has none", raw: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", toHEAD: true},
		{name: "304 has none", raw: "HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n"},
		{name: "chunk without CRLF", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", wantErr: true},
		{name: "short body", raw: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", wantErr: true},
		{name: "unknown coding", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := ReadResponse(bufio.NewReader(strings.NewReader(tt.raw)), tt.toHEAD)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && string(resp.Body) != tt.wantBody {
				t.Fatalf("body %q, want %q", resp.Body, tt.wantBody)
			}
		})
	}
}
